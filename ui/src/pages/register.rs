//! Registration: a new patient in a few fields, with possible duplicates shown while typing.

use std::rc::Rc;

use rapport_model::ipc::DuplicateArgs;
use rapport_model::view::DuplicateMatch;
use rapport_model::{NewPatient, PracticalNeed, StaffId};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::app::{Desk, Page};
use crate::components::{Field, use_doctors, use_focus_on};
use crate::{api, format, i18n, t};

/// A change to the draft, applied to the latest one: keystrokes that arrive faster than the
/// page redraws (a fast typist, a loaded machine) each build on the one before.
struct Edit(Box<dyn Fn(&mut Draft)>);

impl Reducible for Draft {
    type Action = Edit;

    fn reduce(self: Rc<Self>, edit: Edit) -> Rc<Self> {
        let mut draft = (*self).clone();
        (edit.0)(&mut draft);
        Rc::new(draft)
    }
}

#[derive(Clone, PartialEq, Default)]
struct Draft {
    given: String,
    family: String,
    preferred: String,
    birth_date: String,
    phone: String,
    email: String,
    usual_doctor: Option<StaffId>,
    wheelchair: bool,
    hearing: bool,
    interpreter: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Draft {
    fn duplicate_check(&self) -> DuplicateArgs {
        DuplicateArgs {
            given: self.given.trim().to_owned(),
            family: self.family.trim().to_owned(),
            birth_date: self.birth_date.parse().ok(),
            phones: some(&self.phone).into_iter().collect(),
        }
    }

    fn new_patient(&self) -> NewPatient {
        let mut needs = Vec::new();
        if self.wheelchair {
            needs.push(PracticalNeed::Wheelchair);
        }
        if self.hearing {
            needs.push(PracticalNeed::HearingImpaired);
        }
        if let Some(lang) = some(&self.interpreter) {
            needs.push(PracticalNeed::Interpreter(lang));
        }
        NewPatient {
            given: self.given.trim().to_owned(),
            family: self.family.trim().to_owned(),
            preferred: some(&self.preferred),
            birth_date: self.birth_date.parse().ok(),
            phones: some(&self.phone).into_iter().collect(),
            email: some(&self.email),
            usual_doctor: self.usual_doctor,
            practical_needs: needs,
            ..NewPatient::default()
        }
    }
}

#[component]
pub fn Register() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let draft = use_reducer(Draft::default);
    let dupes = use_state(Vec::<DuplicateMatch>::new);
    let error = use_state(|| None::<String>);
    let doctors = use_doctors(None, Some(error.clone()));
    let busy = use_state(|| false);
    let first = use_node_ref();
    use_focus_on(first.clone(), 0);
    // The duplicate check runs whenever what it looks at changes.
    {
        let (dupes, desk, error) = (dupes.clone(), desk.clone(), error.clone());
        use_effect_with(draft.duplicate_check(), move |check| {
            let check = check.clone();
            spawn_local(async move {
                let enough = (!check.given.is_empty() && !check.family.is_empty() && check.birth_date.is_some())
                    || check.phones.iter().any(|p| p.chars().filter(char::is_ascii_digit).count() >= 6);
                if !enough {
                    dupes.set(Vec::new());
                    return;
                }
                // A failed check must not look like "no duplicates".
                match api::possible_duplicates(&check).await {
                    Ok(found) => dupes.set(found),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        });
    }
    let set = |apply: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |v: String| draft.dispatch(Edit(Box::new(move |d| apply(d, v.clone())))))
    };
    let toggle = |apply: fn(&mut Draft) -> &mut bool| {
        let draft = draft.clone();
        Callback::from(move |_: Event| {
            draft.dispatch(Edit(Box::new(move |d| {
                let flag = apply(d);
                *flag = !*flag;
            })))
        })
    };
    let on_doctor = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let doctor = e.target_unchecked_into::<HtmlSelectElement>().value().parse().ok();
            draft.dispatch(Edit(Box::new(move |d| d.usual_doctor = doctor)))
        })
    };
    let onsubmit = {
        let (draft, error, busy, desk) = (draft.clone(), error.clone(), busy.clone(), desk.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let new = draft.new_patient();
            let (error, busy, desk) = (error.clone(), busy.clone(), desk.clone());
            busy.set(true);
            spawn_local(async move {
                let result = api::register_patient(&new).await;
                busy.set(false);
                match result {
                    Ok(p) => desk.navigate.emit(Page::FrontDesk(Some(p.id))),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        })
    };
    let d = (*draft).clone();
    html! {
        <div class="two">
            <form class="card" {onsubmit} aria-labelledby="register-title" id="register-form">
                <h1 id="register-title">{t!("register-title")}</h1>
                <div class="form-grid">
                    <div><Field id="reg-given" label={t!("register-given")} value={d.given.clone()} on_input={set(|d, v| d.given = v)} node_ref={first} required=true /></div>
                    <div><Field id="reg-family" label={t!("register-family")} value={d.family.clone()} on_input={set(|d, v| d.family = v)} /></div>
                    <div><Field id="reg-preferred" label={t!("register-preferred")} value={d.preferred.clone()} on_input={set(|d, v| d.preferred = v)} /></div>
                    <div><Field id="reg-birth" label={t!("register-birth")} kind="date" value={d.birth_date.clone()} on_input={set(|d, v| d.birth_date = v)} /></div>
                    <div><Field id="reg-phone" label={t!("register-phone")} kind="tel" value={d.phone.clone()} on_input={set(|d, v| d.phone = v)} /></div>
                    <div><Field id="reg-email" label={t!("register-email")} kind="email" value={d.email.clone()} on_input={set(|d, v| d.email = v)} /></div>
                    <div>
                        <label for="reg-doctor">{t!("register-usual-doctor")}</label>
                        <select id="reg-doctor" onchange={on_doctor}>
                            <option value="" selected={d.usual_doctor.is_none()}>{t!("register-no-doctor")}</option>
                            { for doctors.iter().map(|doc| html! {
                                <option value={doc.id.to_string()} selected={d.usual_doctor == Some(doc.id)}>{doc.name.clone()}</option>
                            }) }
                        </select>
                    </div>
                    <div><Field id="reg-interpreter" label={t!("register-interpreter")} value={d.interpreter.clone()} on_input={set(|d, v| d.interpreter = v)} /></div>
                </div>
                <fieldset>
                    <legend>{t!("register-needs")}</legend>
                    <label class="inline"><input type="checkbox" checked={d.wheelchair} onchange={toggle(|d| &mut d.wheelchair)} />{t!("need-wheelchair")}</label>
                    <label class="inline"><input type="checkbox" checked={d.hearing} onchange={toggle(|d| &mut d.hearing)} />{t!("register-hard-of-hearing")}</label>
                </fieldset>
                if let Some(message) = (*error).clone() { <p class="error" role="alert">{message}</p> }
                <div class="actions">
                    <button class="primary" id="register-submit" disabled={*busy}>{t!("register-submit")}</button>
                    <span class="hint">{t!("register-later")}</span>
                </div>
            </form>
            <section class="card dupes" aria-live="polite" aria-labelledby="dupes-title" id="duplicates">
                <h2 id="dupes-title">{t!("register-dupes-title")}</h2>
                if dupes.is_empty() {
                    <p class="hint">{t!("register-dupes-hint")}</p>
                } else {
                    <p class="notice" role="alert">{t!("register-dupes-found", count = dupes.len())}</p>
                    <ul>
                        { for dupes.iter().map(|m| {
                            let navigate = desk.navigate.clone();
                            let id = m.patient.id;
                            html! {
                                <li>
                                    <div>
                                        <strong>{m.patient.full_name()}</strong>
                                        <div class="hint">
                                            {m.patient.birth_date.map(format::birth).unwrap_or_default()}{" · "}
                                            {m.patient.phone.clone().unwrap_or_default()}{" · "}
                                            {t!("register-match", band = m.likeness.band.as_str(),
                                                reasons = m.likeness.reasons.iter().map(|r| i18n::likeness(*r)).collect::<Vec<_>>().join(", "))}
                                        </div>
                                    </div>
                                    <button type="button" onclick={move |_| navigate.emit(Page::FrontDesk(Some(id)))}>{t!("register-open")}</button>
                                </li>
                            }
                        }) }
                    </ul>
                }
            </section>
        </div>
    }
}
