//! The three things a desk needs to enroll with head office: its address, the one-time code,
//! and (for a head office whose certificate the system does not trust) its certificate
//! authority, pasted or read from the file head office sent.

use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::components::Field;
use crate::t;

/// What the enrollment form holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Enrollment {
    pub server: String,
    pub code: String,
    pub ca_pem: String,
}

impl Enrollment {
    /// The CA text to send: none when the field is left empty.
    pub fn ca(&self) -> Option<String> {
        let pem = self.ca_pem.trim();
        (!pem.is_empty()).then(|| pem.to_owned())
    }
}

#[derive(Properties, PartialEq)]
pub struct EnrollFieldsProps {
    pub value: Enrollment,
    pub on_change: Callback<Enrollment>,
    #[prop_or_default]
    pub first: NodeRef,
}

#[component]
pub fn EnrollFields(props: &EnrollFieldsProps) -> Html {
    let file_error = use_state(|| None::<String>);
    let set = |edit: fn(&mut Enrollment, String)| {
        let (value, on_change) = (props.value.clone(), props.on_change.clone());
        Callback::from(move |v: String| {
            let mut next = value.clone();
            edit(&mut next, v);
            on_change.emit(next);
        })
    };
    let on_ca = {
        let set_ca = set(|e, v| e.ca_pem = v);
        Callback::from(move |e: InputEvent| set_ca.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let on_file = {
        let (set_ca, file_error) = (set(|e, v| e.ca_pem = v), file_error.clone());
        Callback::from(move |e: Event| {
            let Some(file) = e.target_unchecked_into::<HtmlInputElement>().files().and_then(|f| f.get(0)) else {
                return;
            };
            let (set_ca, file_error) = (set_ca.clone(), file_error.clone());
            spawn_local(async move {
                match JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string()) {
                    Some(text) if text.contains("-----BEGIN CERTIFICATE-----") => {
                        file_error.set(None);
                        set_ca.emit(text);
                    }
                    _ => file_error.set(Some(t!("enroll-not-pem"))),
                }
            });
        })
    };
    html! {
        <>
            <Field id="enroll-server" label={t!("enroll-server")} value={props.value.server.clone()}
                on_input={set(|e, v| e.server = v)} node_ref={props.first.clone()} autocomplete="url"
                hint={t!("enroll-server-hint")} />
            <Field id="enroll-code" label={t!("enroll-code")} value={props.value.code.clone()}
                on_input={set(|e, v| e.code = v)} autocomplete="off"
                hint={t!("enroll-code-hint")} />
            <label for="enroll-ca">{t!("enroll-ca")}</label>
            <textarea id="enroll-ca" rows="3" value={props.value.ca_pem.clone()} oninput={on_ca} spellcheck="false"
                placeholder="-----BEGIN CERTIFICATE-----" aria-describedby="enroll-ca-hint" />
            <p class="hint" id="enroll-ca-hint">
                {t!("enroll-ca-hint")}
            </p>
            <label for="enroll-ca-file" class="inline">{t!("enroll-ca-file")}{" "}
                <input id="enroll-ca-file" type="file" accept=".pem,.crt,.cer" onchange={on_file} />
            </label>
            if let Some(message) = (*file_error).clone() { <p class="error" role="alert">{message}</p> }
        </>
    }
}
