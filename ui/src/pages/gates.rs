//! What stands before the desk: first-run set-up, the database passphrase, login, the lock,
//! and a new password after a manager reset one (also the form for changing one's own).

use std::rc::Rc;

use rapport_model::ipc::{DeskState, JoinArgs, KeyChoice, SetupArgs};
use rapport_model::staff::{MIN_PASSPHRASE_CHARS, MIN_PASSWORD_CHARS};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{EnrollFields, Enrollment, Field, use_focus_on};
use crate::{api, t};

#[derive(Properties, PartialEq)]
pub struct GateProps {
    pub state: Rc<DeskState>,
    pub on_done: Callback<DeskState>,
}

#[derive(Properties, PartialEq)]
pub struct DoneProps {
    pub on_done: Callback<DeskState>,
}

/// A text state and the callback that sets it.
#[hook]
fn use_text() -> (UseStateHandle<String>, Callback<String>) {
    let value = use_state(String::new);
    let set = {
        let value = value.clone();
        Callback::from(move |v: String| value.set(v))
    };
    (value, set)
}

/// What every gate form has: busy while its command runs, the refusal to show, and the field
/// that takes focus when the screen opens.
#[derive(Clone)]
struct Gate {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<String>>,
    first: NodeRef,
}

#[hook]
fn use_gate() -> Gate {
    let gate = Gate { busy: use_state(|| false), error: use_state(|| None::<String>), first: use_node_ref() };
    use_focus_on(gate.first.clone(), 0);
    gate
}

impl Gate {
    /// Runs a gate command and hands its new state on, or shows why it was refused.
    fn submit(
        &self,
        on_done: &Callback<DeskState>,
        command: impl std::future::Future<Output = api::Reply<DeskState>> + 'static,
    ) {
        let (busy, error, on_done) = (self.busy.clone(), self.error.clone(), on_done.clone());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = command.await;
            busy.set(false);
            match result {
                Ok(s) => on_done.emit(s),
                Err(e) => error.set(Some(crate::i18n::refusal(&e))),
            }
        });
    }

    fn refusal(&self) -> Html {
        match (*self.error).clone() {
            Some(message) => html! { <p class="error" role="alert">{message}</p> },
            None => html! {},
        }
    }

    /// A form submit handler that runs `command` (made fresh for each submit).
    fn on_submit<F>(&self, on_done: &Callback<DeskState>, command: impl Fn() -> F + 'static) -> Callback<SubmitEvent>
    where
        F: std::future::Future<Output = api::Reply<DeskState>> + 'static,
    {
        let gate = self.clone();
        let on_done = on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            gate.submit(&on_done, command());
        })
    }
}

/// First run: a new clinic of its own (or demo data), or a desk joining a clinic head office
/// knows already.
#[component]
pub fn Setup(props: &GateProps) -> Html {
    let joining = use_state(|| false);
    let pick = |join: bool| {
        let joining = joining.clone();
        Callback::from(move |_: MouseEvent| joining.set(join))
    };
    html! {
        <div class="gate">
            <div class="brand"><h1><span class="brand-mark">{"Rapport"}</span>{" "}{t!("gates-first-run")}</h1></div>
            <div class="choice" role="group" aria-label={t!("gates-how-desk-starts")}>
                <button id="start-new" aria-pressed={(!*joining).to_string()} onclick={pick(false)}>{t!("gates-new-clinic")}</button>
                <button id="start-join" aria-pressed={joining.to_string()} onclick={pick(true)}>{t!("gates-join-head-office")}</button>
            </div>
            if *joining {
                <Join state={props.state.clone()} on_done={props.on_done.clone()} />
            } else {
                <NewClinic state={props.state.clone()} on_done={props.on_done.clone()} />
            }
        </div>
    }
}

/// Where the new database's key is kept: the keyring, or a passphrase typed at every start.
#[derive(Properties, PartialEq)]
struct KeyFieldsProps {
    keyring: bool,
    choice: KeyChoice,
    on_choice: Callback<KeyChoice>,
    passphrase: String,
    on_passphrase: Callback<String>,
}

#[component]
fn KeyFields(props: &KeyFieldsProps) -> Html {
    let choose = |choice: KeyChoice| {
        let on_choice = props.on_choice.clone();
        Callback::from(move |_: Event| on_choice.emit(choice))
    };
    html! {
        <fieldset>
            <legend>{t!("gates-key-where")}</legend>
            <label class="inline">
                <input type="radio" name="key" id="key-keyring" checked={props.choice == KeyChoice::Keyring}
                    disabled={!props.keyring} onchange={choose(KeyChoice::Keyring)} />
                {t!("gates-key-keyring")}
            </label>
            <label class="inline">
                <input type="radio" name="key" id="key-passphrase" checked={props.choice == KeyChoice::Passphrase}
                    onchange={choose(KeyChoice::Passphrase)} />
                {t!("gates-key-passphrase")}
            </label>
            if !props.keyring {
                <p class="hint">{t!("gates-no-keyring")}</p>
            }
            if props.choice == KeyChoice::Passphrase {
                <Field id="setup-passphrase" label={t!("gates-database-passphrase")} kind="password"
                    value={props.passphrase.clone()} on_input={props.on_passphrase.clone()} autocomplete="new-password"
                    hint={t!("gates-passphrase-hint", count = MIN_PASSPHRASE_CHARS)} />
            }
        </fieldset>
    }
}

/// The key choice's state: the keyring when this computer has one.
#[hook]
fn use_key_choice(keyring: bool) -> (UseStateHandle<KeyChoice>, Callback<KeyChoice>) {
    let choice = use_state(|| if keyring { KeyChoice::Keyring } else { KeyChoice::Passphrase });
    let set = {
        let choice = choice.clone();
        Callback::from(move |c: KeyChoice| choice.set(c))
    };
    (choice, set)
}

#[component]
fn NewClinic(props: &GateProps) -> Html {
    let (clinic, set_clinic) = use_text();
    let (name, set_name) = use_text();
    let (login, set_login) = use_text();
    let (password, set_password) = use_text();
    let (passphrase, set_passphrase) = use_text();
    let keyring = props.state.keyring_available;
    let (key_choice, set_key_choice) = use_key_choice(keyring);
    let gate = use_gate();

    let go = |demo: bool| {
        let (clinic, name, login, password, passphrase) =
            (clinic.clone(), name.clone(), login.clone(), password.clone(), passphrase.clone());
        let (key_choice, gate, on_done) = (key_choice.clone(), gate.clone(), props.on_done.clone());
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let clinic_name = match (clinic.trim(), demo) {
                ("", true) => "Demo clinic".to_owned(),
                (c, _) => c.to_owned(),
            };
            let args = SetupArgs {
                clinic_name,
                admin_name: (*name).clone(),
                admin_login: (*login).clone(),
                password: (*password).clone(),
                key_choice: *key_choice,
                passphrase: (*key_choice == KeyChoice::Passphrase).then(|| (*passphrase).clone()),
                demo,
            };
            gate.submit(&on_done, async move { api::setup_clinic(&args).await });
        })
    };
    html! {
        <form class="card wide" aria-labelledby="setup-title">
            <h2 id="setup-title">{t!("gates-setup-title")}</h2>
            <div class="setup-grid"><div>
            <Field id="setup-clinic" label={t!("gates-clinic-name")} value={(*clinic).clone()} on_input={set_clinic} node_ref={gate.first.clone()} />
            <Field id="setup-name" label={t!("gates-your-name")} value={(*name).clone()} on_input={set_name} />
            <Field id="setup-login" label={t!("gates-your-login")} value={(*login).clone()} on_input={set_login}
                autocomplete="username" hint={t!("gates-login-hint")} />
            <Field id="setup-password" label={t!("gates-your-password")} kind="password" value={(*password).clone()}
                on_input={set_password} autocomplete="new-password" hint={t!("gates-password-hint", count = MIN_PASSWORD_CHARS)} />
            </div><div>
            <KeyFields {keyring} choice={*key_choice} on_choice={set_key_choice}
                passphrase={(*passphrase).clone()} on_passphrase={set_passphrase} />
            </div></div>
            {gate.refusal()}
            <div class="actions">
                <button id="create-clinic" class="primary" disabled={*gate.busy} onclick={go(false)}>{t!("gates-create-clinic")}</button>
                <button id="explore-demo" disabled={*gate.busy} onclick={go(true)}>{t!("gates-explore-demo")}</button>
            </div>
            <p class="hint">{t!("gates-demo-hint")}</p>
            if *gate.busy { <p class="hint" role="status">{t!("gates-creating")}</p> }
        </form>
    }
}

/// A desk for a clinic head office knows: enroll with a code, then the first sync brings the
/// clinic's staff (who log in as themselves), patients and schedule.
#[component]
fn Join(props: &GateProps) -> Html {
    let enrollment = use_state(Enrollment::default);
    let (passphrase, set_passphrase) = use_text();
    let keyring = props.state.keyring_available;
    let (key_choice, set_key_choice) = use_key_choice(keyring);
    let gate = use_gate();
    let on_enrollment = {
        let enrollment = enrollment.clone();
        Callback::from(move |e: Enrollment| enrollment.set(e))
    };
    let onsubmit = {
        let (enrollment, passphrase, key_choice) = (enrollment.clone(), passphrase.clone(), key_choice.clone());
        gate.on_submit(&props.on_done, move || {
            let args = JoinArgs {
                server: enrollment.server.trim().to_owned(),
                code: enrollment.code.trim().to_owned(),
                ca_pem: enrollment.ca(),
                key_choice: *key_choice,
                passphrase: (*key_choice == KeyChoice::Passphrase).then(|| (*passphrase).clone()),
            };
            async move { api::join_head_office(&args).await }
        })
    };
    html! {
        <form class="card wide" {onsubmit} aria-labelledby="join-title">
            <h2 id="join-title">{t!("gates-join-title")}</h2>
            <p class="hint">{t!("gates-join-hint")}</p>
            <div class="setup-grid"><div>
            <EnrollFields value={(*enrollment).clone()} on_change={on_enrollment} first={gate.first.clone()} />
            </div><div>
            <KeyFields {keyring} choice={*key_choice} on_choice={set_key_choice}
                passphrase={(*passphrase).clone()} on_passphrase={set_passphrase} />
            </div></div>
            {gate.refusal()}
            <div class="actions">
                <button id="join-submit" class="primary" disabled={*gate.busy}>{t!("gates-join-head-office")}</button>
            </div>
            if *gate.busy { <p class="hint" role="status">{t!("gates-joining")}</p> }
        </form>
    }
}

#[component]
pub fn UnlockDatabase(props: &DoneProps) -> Html {
    let (passphrase, set_passphrase) = use_text();
    let gate = use_gate();
    let onsubmit = {
        let passphrase = passphrase.clone();
        gate.on_submit(&props.on_done, move || api::unlock_database((*passphrase).clone()))
    };
    html! {
        <div class="gate">
            <form class="card" {onsubmit} aria-labelledby="unlock-db-title">
                <h1 id="unlock-db-title">{t!("gates-unlock-db-title")}</h1>
                <p class="hint">{t!("gates-unlock-db-hint")}</p>
                <Field id="db-passphrase" label={t!("gates-database-passphrase")} kind="password" value={(*passphrase).clone()}
                    on_input={set_passphrase} node_ref={gate.first.clone()} />
                {gate.refusal()}
                <div class="actions"><button class="primary" disabled={*gate.busy}>{t!("gates-open")}</button></div>
            </form>
        </div>
    }
}

#[component]
pub fn Login(props: &GateProps) -> Html {
    let (login, set_login) = use_text();
    let (password, set_password) = use_text();
    let gate = use_gate();
    let onsubmit = {
        let (login, password) = (login.clone(), password.clone());
        gate.on_submit(&props.on_done, move || api::login((*login).clone(), (*password).clone()))
    };
    html! {
        <div class="gate">
            <form class="card" {onsubmit} aria-labelledby="login-title">
                <p class="brand-mark">{"Rapport"}</p>
                <h1 id="login-title">{props.state.clinic_name.clone().unwrap_or_else(|| t!("gates-log-in"))}</h1>
                if props.state.head_office.enrolled {
                    <p class="hint" role="status" id="login-head-office">{crate::i18n::head_office(&props.state.head_office)}</p>
                }
                <Field id="login-name" label={t!("gates-login")} value={(*login).clone()} on_input={set_login}
                    autocomplete="username" node_ref={gate.first.clone()} />
                <Field id="login-password" label={t!("gates-password")} kind="password" value={(*password).clone()}
                    on_input={set_password} autocomplete="current-password" />
                {gate.refusal()}
                <div class="actions"><button id="login-submit" class="primary" disabled={*gate.busy}>{t!("gates-log-in")}</button></div>
            </form>
        </div>
    }
}

#[component]
pub fn Locked(props: &GateProps) -> Html {
    let (password, set_password) = use_text();
    let gate = use_gate();
    let onsubmit = {
        let password = password.clone();
        gate.on_submit(&props.on_done, move || api::unlock((*password).clone()))
    };
    let switch = {
        let (gate, on_done) = (gate.clone(), props.on_done.clone());
        Callback::from(move |_: MouseEvent| gate.submit(&on_done, api::switch_user()))
    };
    let who = props.state.staff.as_ref().map(|s| s.name.clone()).unwrap_or_default();
    html! {
        <div class="gate">
            <form class="card" {onsubmit} aria-labelledby="locked-title" id="lock-screen">
                <p class="brand-mark">{"Rapport"}</p>
                <h1 id="locked-title">{t!("gates-locked")}</h1>
                <p>{t!("gates-locked-carry-on", name = who.as_str())}</p>
                <p class="hint">{t!("gates-locked-hint")}</p>
                <Field id="unlock-password" label={t!("gates-password")} kind="password" value={(*password).clone()}
                    on_input={set_password} autocomplete="current-password" node_ref={gate.first.clone()} />
                {gate.refusal()}
                <div class="actions">
                    <button id="unlock-submit" class="primary" disabled={*gate.busy}>{t!("gates-unlock")}</button>
                    <button type="button" class="quiet" onclick={switch}>{t!("gates-someone-else")}</button>
                </div>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChangePasswordProps {
    /// A manager reset the password: nothing else until it is changed.
    pub forced: bool,
    pub on_done: Callback<DeskState>,
}

/// The logged-in member's new password: the current one typed again, the new one twice.
#[component]
pub fn ChangePassword(props: &ChangePasswordProps) -> Html {
    let (current, set_current) = use_text();
    let (new, set_new) = use_text();
    let (again, set_again) = use_text();
    let gate = use_gate();
    let onsubmit = {
        let (current, new, again, gate, on_done) =
            (current.clone(), new.clone(), again.clone(), gate.clone(), props.on_done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *new != *again {
                gate.error.set(Some(t!("gates-passwords-differ")));
                return;
            }
            gate.submit(&on_done, api::change_password((*current).clone(), (*new).clone()));
        })
    };
    let (title, hint) = if props.forced {
        (t!("gates-forced-title"), t!("gates-forced-hint"))
    } else {
        (t!("gates-change-title"), t!("gates-change-hint"))
    };
    html! {
        <div class="gate">
            <form class="card" {onsubmit} aria-labelledby="password-title" id="password-form">
                <p class="brand-mark">{"Rapport"}</p>
                <h1 id="password-title">{title}</h1>
                <p class="hint">{hint}</p>
                <Field id="password-current" label={if props.forced { t!("gates-password-given") } else { t!("gates-password-current") }}
                    kind="password" value={(*current).clone()} on_input={set_current}
                    autocomplete="current-password" node_ref={gate.first.clone()} />
                <Field id="password-new" label={t!("gates-password-new", count = MIN_PASSWORD_CHARS)}
                    kind="password" value={(*new).clone()} on_input={set_new} autocomplete="new-password" />
                <Field id="password-again" label={t!("gates-password-again")} kind="password" value={(*again).clone()}
                    on_input={set_again} autocomplete="new-password" />
                {gate.refusal()}
                <div class="actions"><button id="password-submit" class="primary" disabled={*gate.busy}>{t!("gates-password-save")}</button></div>
            </form>
        </div>
    }
}
