//! Every detail of a patient, edited from the card: names and how to say them, birth, phones,
//! email and address, consent per channel with quiet hours, referral, usual doctor, practical
//! needs, condition tags and attendants. Only what the user changed is sent
//! ([`PatientEdit::between`]); the core checks it as head office will and names the field it
//! refuses.

use chrono::NaiveTime;
use rapport_model::{Attendant, Patient, PatientEdit, PracticalNeed, QuietHours, StaffId};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::app::Desk;
use crate::components::{Field, use_doctors, use_focus_on};
use crate::dom::select_value;
use crate::{api, t};

/// The form's fields, as typed.
#[derive(Clone, PartialEq, Default)]
struct Form {
    given: String,
    family: String,
    preferred: String,
    pronunciation: String,
    birth_date: String,
    sex: String,
    language: String,
    /// Comma-separated; the first is the one to call.
    phones: String,
    email: String,
    address: String,
    city: String,
    area: String,
    sms: bool,
    email_ok: bool,
    phone_ok: bool,
    opted_out: bool,
    quiet_start: String,
    quiet_end: String,
    referral_source: String,
    referring_doctor: String,
    usual_doctor: Option<StaffId>,
    wheelchair: bool,
    hearing: bool,
    vision: bool,
    early: bool,
    late: bool,
    interpreter: String,
    other_need: String,
    /// Comma-separated.
    conditions: String,
    attendants: Vec<(String, String, String)>,
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn list(s: &str) -> Vec<String> {
    s.split([',', ';']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

impl Form {
    fn of(p: &Patient) -> Self {
        let mut f = Self {
            given: p.given.clone(),
            family: p.family.clone(),
            preferred: text(&p.preferred),
            pronunciation: text(&p.pronunciation),
            birth_date: p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            sex: text(&p.sex),
            language: text(&p.language),
            phones: p.phones.join(", "),
            email: text(&p.email),
            address: text(&p.address),
            city: text(&p.city),
            area: text(&p.area),
            sms: p.consent.sms,
            email_ok: p.consent.email,
            phone_ok: p.consent.phone,
            opted_out: p.consent.opted_out,
            quiet_start: p.consent.quiet_hours.map(|q| q.start.format("%H:%M").to_string()).unwrap_or_default(),
            quiet_end: p.consent.quiet_hours.map(|q| q.end.format("%H:%M").to_string()).unwrap_or_default(),
            referral_source: text(&p.referral_source),
            referring_doctor: text(&p.referring_doctor),
            usual_doctor: p.usual_doctor,
            conditions: p.conditions.join(", "),
            attendants: p
                .attendants
                .iter()
                .map(|a| (a.name.clone(), a.relation.clone(), a.phone.clone().unwrap_or_default()))
                .collect(),
            ..Self::default()
        };
        for need in &p.practical_needs {
            match need {
                PracticalNeed::Wheelchair => f.wheelchair = true,
                PracticalNeed::HearingImpaired => f.hearing = true,
                PracticalNeed::VisionImpaired => f.vision = true,
                PracticalNeed::PrefersEarlySlots => f.early = true,
                PracticalNeed::PrefersLateSlots => f.late = true,
                PracticalNeed::Interpreter(lang) => f.interpreter.clone_from(lang),
                PracticalNeed::Other(what) => f.other_need.clone_from(what),
            }
        }
        f
    }

    /// The record as the form has it, or why a field cannot be read.
    fn patient(&self, before: &Patient) -> Result<Patient, String> {
        let mut p = before.clone();
        p.given = self.given.trim().to_owned();
        p.family = self.family.trim().to_owned();
        p.preferred = some(&self.preferred);
        p.pronunciation = some(&self.pronunciation);
        p.birth_date = match self.birth_date.trim() {
            "" => None,
            d => Some(d.parse().map_err(|_| t!("edit-error-birth-date"))?),
        };
        if p.birth_date.is_some() {
            p.birth_year = None;
        }
        p.sex = some(&self.sex);
        p.language = some(&self.language);
        p.phones = list(&self.phones);
        p.email = some(&self.email);
        p.address = some(&self.address);
        p.city = some(&self.city);
        p.area = some(&self.area);
        p.consent.sms = self.sms;
        p.consent.email = self.email_ok;
        p.consent.phone = self.phone_ok;
        p.consent.opted_out = self.opted_out;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").ok();
        p.consent.quiet_hours = match (self.quiet_start.trim(), self.quiet_end.trim()) {
            ("", "") => None,
            (start, end) => match (time(start), time(end)) {
                (Some(start), Some(end)) => Some(QuietHours { start, end }),
                _ => return Err(t!("edit-error-quiet-hours")),
            },
        };
        p.referral_source = some(&self.referral_source);
        p.referring_doctor = some(&self.referring_doctor);
        p.usual_doctor = self.usual_doctor;
        let mut needs = Vec::new();
        for (on, need) in [
            (self.wheelchair, PracticalNeed::Wheelchair),
            (self.hearing, PracticalNeed::HearingImpaired),
            (self.vision, PracticalNeed::VisionImpaired),
            (self.early, PracticalNeed::PrefersEarlySlots),
            (self.late, PracticalNeed::PrefersLateSlots),
        ] {
            if on {
                needs.push(need);
            }
        }
        needs.extend(some(&self.interpreter).map(PracticalNeed::Interpreter));
        needs.extend(some(&self.other_need).map(PracticalNeed::Other));
        // Kept in the record's order when the same needs are chosen again.
        if needs.len() == before.practical_needs.len() && needs.iter().all(|n| before.practical_needs.contains(n)) {
            needs.clone_from(&before.practical_needs);
        }
        p.practical_needs = needs;
        p.conditions = list(&self.conditions);
        p.attendants = self
            .attendants
            .iter()
            .filter(|(name, ..)| !name.trim().is_empty())
            .map(|(name, relation, phone)| Attendant {
                name: name.trim().to_owned(),
                relation: relation.trim().to_owned(),
                phone: some(phone),
            })
            .collect();
        Ok(p)
    }
}

#[derive(Properties, PartialEq)]
pub struct PatientEditProps {
    pub patient: Patient,
    /// Saved (the card reloads) or closed without saving.
    pub on_done: Callback<()>,
}

#[component]
pub fn PatientEditForm(props: &PatientEditProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let form = use_state(|| Form::of(&props.patient));
    let error = use_state(|| None::<String>);
    let doctors = use_doctors(None, Some(error.clone()));
    let busy = use_state(|| false);
    let first = use_node_ref();
    use_focus_on(first.clone(), 0);
    let set = |apply: fn(&mut Form, String)| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut f = (*form).clone();
            apply(&mut f, v);
            form.set(f);
        })
    };
    let toggle = |apply: fn(&mut Form) -> &mut bool| {
        let form = form.clone();
        Callback::from(move |e: Event| {
            let mut f = (*form).clone();
            *apply(&mut f) = e.target_unchecked_into::<HtmlInputElement>().checked();
            form.set(f);
        })
    };
    let check = |id: &'static str, label: String, on: bool, apply: fn(&mut Form) -> &mut bool| {
        html! { <label class="check"><input type="checkbox" {id} checked={on} onchange={toggle(apply)} />{label}</label> }
    };
    let on_doctor = {
        let form = form.clone();
        Callback::from(move |_: Event| {
            let mut f = (*form).clone();
            f.usual_doctor = select_value("edit-doctor").parse::<StaffId>().ok();
            form.set(f);
        })
    };
    let attendant = |i: usize, part: usize| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut f = (*form).clone();
            if let Some(a) = f.attendants.get_mut(i) {
                *[&mut a.0, &mut a.1, &mut a.2][part] = v;
            }
            form.set(f);
        })
    };
    let add_attendant = {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| {
            let mut f = (*form).clone();
            f.attendants.push(Default::default());
            form.set(f);
        })
    };
    let remove_attendant = |i: usize| {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| {
            let mut f = (*form).clone();
            if i < f.attendants.len() {
                f.attendants.remove(i);
            }
            form.set(f);
        })
    };
    let onsubmit = {
        let (form, error, busy, desk, before, on_done) =
            (form.clone(), error.clone(), busy.clone(), desk.clone(), props.patient.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let after = match form.patient(&before) {
                Ok(p) => p,
                Err(message) => return error.set(Some(message)),
            };
            let edit = PatientEdit::between(&before, &after);
            if edit.is_empty() {
                return on_done.emit(());
            }
            busy.set(true);
            let (error, busy, desk, on_done, id) =
                (error.clone(), busy.clone(), desk.clone(), on_done.clone(), before.id);
            spawn_local(async move {
                match api::edit_patient(id, edit).await {
                    Ok(_) => on_done.emit(()),
                    Err(e) => error.set(desk.message(e)),
                }
                busy.set(false);
            });
        })
    };
    let cancel = props.on_done.reform(|_: MouseEvent| ());
    let f = (*form).clone();
    html! {
        <form class="patient edit-patient" id="patient-edit" {onsubmit} aria-labelledby="edit-title">
            <h2 id="edit-title">{t!("edit-title", name = props.patient.full_name())}</h2>
            <fieldset><legend>{t!("edit-name")}</legend>
                <div class="edit-grid">
                    <div><Field id="edit-given" label={t!("edit-given")} value={f.given.clone()} on_input={set(|f, v| f.given = v)} node_ref={first} /></div>
                    <div><Field id="edit-family" label={t!("edit-family")} value={f.family.clone()} on_input={set(|f, v| f.family = v)} /></div>
                    <div><Field id="edit-preferred" label={t!("edit-preferred")} value={f.preferred.clone()} on_input={set(|f, v| f.preferred = v)} /></div>
                    <div><Field id="edit-pronunciation" label={t!("edit-pronunciation")} value={f.pronunciation.clone()} on_input={set(|f, v| f.pronunciation = v)} /></div>
                    <div><Field id="edit-birth" label={t!("edit-birth")} kind="date" value={f.birth_date.clone()} on_input={set(|f, v| f.birth_date = v)} /></div>
                    <div><label for="edit-sex">{t!("edit-sex")}</label>
                        <select id="edit-sex" onchange={{ let s = set(|f, v| f.sex = v); Callback::from(move |_: Event| s.emit(select_value("edit-sex"))) }}>
                            { for [
                                ("", "—".to_owned()),
                                ("female", t!("edit-sex-female")),
                                ("male", t!("edit-sex-male")),
                                ("other", t!("edit-sex-other")),
                                ("unknown", t!("edit-sex-unknown")),
                            ].into_iter().map(|(v, l)| html! {
                                <option value={v} selected={f.sex == v}>{l}</option>
                            }) }
                        </select>
                    </div>
                    <div><Field id="edit-language" label={t!("edit-language")} value={f.language.clone()} on_input={set(|f, v| f.language = v)} /></div>
                </div>
            </fieldset>
            <fieldset><legend>{t!("edit-reaching")}</legend>
                <div class="edit-grid">
                    <div><Field id="edit-phones" label={t!("edit-phones")} value={f.phones.clone()} on_input={set(|f, v| f.phones = v)} /></div>
                    <div><Field id="edit-email" label={t!("edit-email")} kind="email" value={f.email.clone()} on_input={set(|f, v| f.email = v)} /></div>
                    <div><Field id="edit-address" label={t!("edit-address")} value={f.address.clone()} on_input={set(|f, v| f.address = v)} /></div>
                    <div><Field id="edit-city" label={t!("edit-city")} value={f.city.clone()} on_input={set(|f, v| f.city = v)} /></div>
                    <div><Field id="edit-area" label={t!("edit-area")} value={f.area.clone()} on_input={set(|f, v| f.area = v)} /></div>
                </div>
                <div class="checks" role="group" aria-label={t!("edit-consent")}>
                    {check("edit-sms", t!("edit-texts"), f.sms, |f| &mut f.sms)}
                    {check("edit-email-ok", t!("edit-emails"), f.email_ok, |f| &mut f.email_ok)}
                    {check("edit-phone-ok", t!("edit-calls"), f.phone_ok, |f| &mut f.phone_ok)}
                    {check("edit-opted-out", t!("edit-no-marketing"), f.opted_out, |f| &mut f.opted_out)}
                </div>
                <div class="edit-grid">
                    <div><Field id="edit-quiet-start" label={t!("edit-quiet-from")} kind="time" value={f.quiet_start.clone()} on_input={set(|f, v| f.quiet_start = v)} /></div>
                    <div><Field id="edit-quiet-end" label={t!("edit-quiet-until")} kind="time" value={f.quiet_end.clone()} on_input={set(|f, v| f.quiet_end = v)} /></div>
                </div>
            </fieldset>
            <fieldset><legend>{t!("edit-care")}</legend>
                <div class="edit-grid">
                    <div><label for="edit-doctor">{t!("edit-usual-doctor")}</label>
                        <select id="edit-doctor" onchange={on_doctor}>
                            <option value="" selected={f.usual_doctor.is_none()}>{"—"}</option>
                            { for doctors.iter().map(|d| html! {
                                <option value={d.id.to_string()} selected={f.usual_doctor == Some(d.id)}>{d.name.clone()}</option>
                            }) }
                        </select>
                    </div>
                    <div><Field id="edit-referral" label={t!("edit-referral")} value={f.referral_source.clone()} on_input={set(|f, v| f.referral_source = v)} /></div>
                    <div><Field id="edit-referring" label={t!("edit-referring")} value={f.referring_doctor.clone()} on_input={set(|f, v| f.referring_doctor = v)} /></div>
                    <div><Field id="edit-conditions" label={t!("edit-conditions")} value={f.conditions.clone()} on_input={set(|f, v| f.conditions = v)} /></div>
                </div>
                <div class="checks" role="group" aria-label={t!("edit-needs")}>
                    {check("edit-wheelchair", t!("need-wheelchair"), f.wheelchair, |f| &mut f.wheelchair)}
                    {check("edit-hearing", t!("need-hearing"), f.hearing, |f| &mut f.hearing)}
                    {check("edit-vision", t!("need-vision"), f.vision, |f| &mut f.vision)}
                    {check("edit-early", t!("need-early"), f.early, |f| &mut f.early)}
                    {check("edit-late", t!("need-late"), f.late, |f| &mut f.late)}
                </div>
                <div class="edit-grid">
                    <div><Field id="edit-interpreter" label={t!("edit-interpreter")} value={f.interpreter.clone()} on_input={set(|f, v| f.interpreter = v)} /></div>
                    <div><Field id="edit-other-need" label={t!("edit-other-need")} value={f.other_need.clone()} on_input={set(|f, v| f.other_need = v)} /></div>
                </div>
            </fieldset>
            <fieldset><legend>{t!("edit-comes-with")}</legend>
                { for f.attendants.iter().enumerate().map(|(i, (name, relation, phone))| html! {
                    <div class="edit-grid attendant">
                        <div><Field id={format!("edit-att-name-{i}")} label={t!("edit-att-name")} value={name.clone()} on_input={attendant(i, 0)} /></div>
                        <div><Field id={format!("edit-att-relation-{i}")} label={t!("edit-att-relation")} value={relation.clone()} on_input={attendant(i, 1)} /></div>
                        <div><Field id={format!("edit-att-phone-{i}")} label={t!("edit-att-phone")} value={phone.clone()} on_input={attendant(i, 2)} /></div>
                        <div><button type="button" class="quiet" onclick={remove_attendant(i)}>{t!("remove")}</button></div>
                    </div>
                }) }
                <button type="button" class="quiet" id="edit-add-attendant" onclick={add_attendant}>{t!("edit-add-attendant")}</button>
            </fieldset>
            if let Some(message) = (*error).clone() { <p class="error" role="alert" id="edit-error">{message}</p> }
            <div class="actions">
                <button class="primary" id="edit-save" disabled={*busy}>{t!("save")}</button>
                <button type="button" class="quiet" onclick={cancel}>{t!("cancel")}</button>
            </div>
        </form>
    }
}
