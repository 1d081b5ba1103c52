//! What stands before the desk: first-run set-up, the database passphrase, login, the lock.

use std::rc::Rc;

use rapport_model::ipc::{DeskState, KeyChoice, SetupArgs};
use rapport_model::staff::{MIN_PASSPHRASE_CHARS, MIN_PASSWORD_CHARS};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::components::{Field, use_focus_on};

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
                Err(e) => error.set(Some(e.message)),
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

#[component]
pub fn Setup(props: &GateProps) -> Html {
    let (clinic, set_clinic) = use_text();
    let (name, set_name) = use_text();
    let (login, set_login) = use_text();
    let (password, set_password) = use_text();
    let (passphrase, set_passphrase) = use_text();
    let key_choice =
        use_state(|| if props.state.keyring_available { KeyChoice::Keyring } else { KeyChoice::Passphrase });
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
    let choose = |choice: KeyChoice| {
        let key_choice = key_choice.clone();
        Callback::from(move |_: Event| key_choice.set(choice))
    };
    let keyring = props.state.keyring_available;
    html! {
        <div class="gate">
            <div class="brand"><h1><span class="brand-mark">{"Rapport"}</span>{" — first run"}</h1></div>
            <form class="card wide" aria-labelledby="setup-title">
                <h2 id="setup-title">{"Set up this front desk"}</h2>
                <div class="setup-grid"><div>
                <Field id="setup-clinic" label="Clinic name" value={(*clinic).clone()} on_input={set_clinic} node_ref={gate.first.clone()} />
                <Field id="setup-name" label="Your name" value={(*name).clone()} on_input={set_name} />
                <Field id="setup-login" label="Your login" value={(*login).clone()} on_input={set_login}
                    autocomplete="username" hint="Letters, digits, dots and dashes, e.g. anna.k" />
                <Field id="setup-password" label="Your password" kind="password" value={(*password).clone()}
                    on_input={set_password} autocomplete="new-password" hint={format!("At least {MIN_PASSWORD_CHARS} characters")} />
                </div><div>
                <fieldset>
                    <legend>{"Where the database key is kept"}</legend>
                    <label class="inline">
                        <input type="radio" name="key" id="key-keyring" checked={*key_choice == KeyChoice::Keyring}
                            disabled={!keyring} onchange={choose(KeyChoice::Keyring)} />
                        {"This computer's keyring (recommended)"}
                    </label>
                    <label class="inline">
                        <input type="radio" name="key" id="key-passphrase" checked={*key_choice == KeyChoice::Passphrase}
                            onchange={choose(KeyChoice::Passphrase)} />
                        {"A passphrase, typed when the app starts"}
                    </label>
                    if !keyring {
                        <p class="hint">{"No keyring answers on this computer, so the key is protected by a passphrase."}</p>
                    }
                    if *key_choice == KeyChoice::Passphrase {
                        <Field id="setup-passphrase" label="Database passphrase" kind="password"
                            value={(*passphrase).clone()} on_input={set_passphrase} autocomplete="new-password"
                            hint={format!(
                                "At least {MIN_PASSPHRASE_CHARS} characters. Without it the database cannot be opened: keep it safe."
                            )} />
                    }
                </fieldset>
                </div></div>
                {gate.refusal()}
                <div class="actions">
                    <button id="create-clinic" class="primary" disabled={*gate.busy} onclick={go(false)}>{"Create clinic"}</button>
                    <button id="explore-demo" disabled={*gate.busy} onclick={go(true)}>{"Explore with demo data"}</button>
                </div>
                <p class="hint">{"Demo data: a made-up clinic with synthetic patients, three doctors and four weeks of \
                    appointments. Demo staff (priya, sam, dr.mehta…) share the password you chose."}</p>
                if *gate.busy { <p class="hint" role="status">{"Creating the encrypted database…"}</p> }
            </form>
        </div>
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
                <h1 id="unlock-db-title">{"Open the clinic database"}</h1>
                <p class="hint">{"The database is protected by a passphrase."}</p>
                <Field id="db-passphrase" label="Database passphrase" kind="password" value={(*passphrase).clone()}
                    on_input={set_passphrase} node_ref={gate.first.clone()} />
                {gate.refusal()}
                <div class="actions"><button class="primary" disabled={*gate.busy}>{"Open"}</button></div>
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
                <h1 id="login-title">{props.state.clinic_name.clone().unwrap_or_else(|| "Log in".into())}</h1>
                <Field id="login-name" label="Login" value={(*login).clone()} on_input={set_login}
                    autocomplete="username" node_ref={gate.first.clone()} />
                <Field id="login-password" label="Password" kind="password" value={(*password).clone()}
                    on_input={set_password} autocomplete="current-password" />
                {gate.refusal()}
                <div class="actions"><button id="login-submit" class="primary" disabled={*gate.busy}>{"Log in"}</button></div>
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
                <h1 id="locked-title">{"Locked"}</h1>
                <p>{format!("{who}, type your password to carry on.")}</p>
                <p class="hint">{"The desk locks itself when nobody has used it for a while, so patient details are not left on screen."}</p>
                <Field id="unlock-password" label="Password" kind="password" value={(*password).clone()}
                    on_input={set_password} autocomplete="current-password" node_ref={gate.first.clone()} />
                {gate.refusal()}
                <div class="actions">
                    <button id="unlock-submit" class="primary" disabled={*gate.busy}>{"Unlock"}</button>
                    <button type="button" class="quiet" onclick={switch}>{"Someone else? Log in"}</button>
                </div>
            </form>
        </div>
    }
}
