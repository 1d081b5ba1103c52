//! Keystroke-to-paint timing, measured in the page: from the search box's `input` event to the
//! first animation frame after the list showing that query's answer has rendered. Samples go to
//! `window.__rapportKeystrokeMs` for the benchmark to read over WebDriver.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::prelude::*;

thread_local! {
    static STARTED: RefCell<HashMap<u64, f64>> = RefCell::new(HashMap::new());
}

fn performance_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Called from the input event of query number `seq`.
pub fn input_started(seq: u64) {
    STARTED.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() > 256 {
            s.clear();
        }
        s.insert(seq, performance_now());
    });
}

/// Called once the answer to query `seq` has rendered: records the time at the next frame.
pub fn answer_rendered(seq: u64) {
    let Some(start) = STARTED.with(|s| s.borrow_mut().remove(&seq)) else { return };
    let Some(window) = web_sys::window() else { return };
    let callback = Closure::once_into_js(move || {
        let elapsed = performance_now() - start;
        let Some(window) = web_sys::window() else { return };
        let key = JsValue::from_str("__rapportKeystrokeMs");
        let samples = js_sys::Reflect::get(&window, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
            let fresh: JsValue = js_sys::Array::new().into();
            let _ = js_sys::Reflect::set(&window, &key, &fresh);
            fresh
        });
        samples.unchecked_into::<js_sys::Array>().push(&JsValue::from_f64(elapsed));
    });
    let _ = window.request_animation_frame(callback.unchecked_ref());
}
