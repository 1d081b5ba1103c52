//! Reading a form's fields by their id, for the pages that read a whole form at once; the
//! page's language.

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

fn element<T: JsCast>(id: &str) -> Option<T> {
    web_sys::window()?.document()?.get_element_by_id(id)?.dyn_into::<T>().ok()
}

/// An input's text ("" when there is no such field).
pub fn input_value(id: &str) -> String {
    element::<HtmlInputElement>(id).map(|i| i.value()).unwrap_or_default()
}

pub fn checked(id: &str) -> bool {
    element::<HtmlInputElement>(id).is_some_and(|i| i.checked())
}

pub fn text_value(id: &str) -> String {
    element::<HtmlTextAreaElement>(id).map(|t| t.value()).unwrap_or_default()
}

pub fn select_value(id: &str) -> String {
    element::<HtmlSelectElement>(id).map(|s| s.value()).unwrap_or_default()
}

/// Tells the webview (and screen readers) which language the page is in: `<html lang>`.
pub fn set_document_language(tag: &str) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", tag);
    }
}
