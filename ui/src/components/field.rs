//! A labelled input, and focusing an element when a screen opens.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: String,
    pub on_input: Callback<String>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    #[prop_or_default]
    pub node_ref: NodeRef,
    #[prop_or_default]
    pub required: bool,
}

#[component]
pub fn Field(props: &FieldProps) -> Html {
    let oninput = {
        let on_input = props.on_input.clone();
        Callback::from(move |e: InputEvent| on_input.emit(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let hint_id = format!("{}-hint", props.id);
    html! {
        <>
            <label for={props.id.clone()}>{props.label.clone()}</label>
            <input id={props.id.clone()} type={props.kind.clone()} value={props.value.clone()} {oninput}
                ref={props.node_ref.clone()} autocomplete={props.autocomplete.clone()} required={props.required}
                aria-describedby={props.hint.as_ref().map(|_| hint_id.clone())} />
            if let Some(hint) = &props.hint {
                <p class="hint" id={hint_id}>{hint.clone()}</p>
            }
        </>
    }
}

/// Focuses `node` when the screen first renders and whenever `bump` changes.
#[hook]
pub fn use_focus_on(node: NodeRef, bump: u32) {
    use_effect_with(bump, move |_| {
        if let Some(el) = node.cast::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    });
}
