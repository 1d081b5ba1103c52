//! The clinic's staff, for managers and admins (Settings): add a colleague, change a role,
//! reset a forgotten password (the colleague chooses a new one at the next login), deactivate
//! or reactivate an account. Only the roles the signed-in member may grant are offered; their
//! own row offers nothing (their password is the top bar's "Password").

use rapport_model::ipc::StaffAction;
use rapport_model::staff::MIN_PASSWORD_CHARS;
use rapport_model::{Role, Staff};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::Desk;
use crate::components::Field;
use crate::dom::select_value;
use crate::{api, i18n, t};

#[component]
pub fn StaffSection() -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let me = desk.state.staff.clone();
    let my_role = me.as_ref().map_or(Role::FrontDesk, |s| s.role);
    let staff = use_state(|| None::<Vec<Staff>>);
    let error = use_state(|| None::<String>);
    let done = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // The colleague whose password is being reset, and the new one typed.
    let resetting = use_state(|| None::<String>);
    let (name, login, password, temporary) =
        (use_state(String::new), use_state(String::new), use_state(String::new), use_state(String::new));
    {
        let (staff, error, desk) = (staff.clone(), error.clone(), desk.clone());
        use_effect_with((), move |()| {
            spawn_local(async move {
                match api::staff_list().await {
                    Ok(list) => staff.set(Some(list)),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        });
    }
    // Runs one action; on success shows `said` and the list as it now stands, and runs `then`
    // (a form is emptied only once what was typed went in).
    let act = {
        let (staff, error, done, busy, desk) = (staff.clone(), error.clone(), done.clone(), busy.clone(), desk.clone());
        Callback::from(move |(action, said, then): (StaffAction, String, Callback<()>)| {
            if *busy {
                return;
            }
            busy.set(true);
            let (staff, error, done, busy, desk) =
                (staff.clone(), error.clone(), done.clone(), busy.clone(), desk.clone());
            spawn_local(async move {
                match api::manage_staff(action).await {
                    Ok(list) => {
                        staff.set(Some(list));
                        error.set(None);
                        done.set(Some(said));
                        then.emit(());
                    }
                    Err(e) => {
                        done.set(None);
                        error.set(desk.message(e));
                    }
                }
                busy.set(false);
            });
        })
    };
    let typed = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |v: String| state.set(v))
    };
    let grantable: Vec<Role> = Role::ALL.into_iter().filter(|r| my_role.may_grant(*r)).collect();
    let add = {
        let (act, name, login, password) = (act.clone(), name.clone(), login.clone(), password.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(role) = select_value("staff-new-role").parse::<Role>() else { return };
            let said = t!("staff-added", name = name.trim(), login = login.trim());
            let clear = {
                let (name, login, password) = (name.clone(), login.clone(), password.clone());
                Callback::from(move |()| {
                    for field in [&name, &login, &password] {
                        field.set(String::new());
                    }
                })
            };
            act.emit((
                StaffAction::Add {
                    login: (*login).clone(),
                    name: (*name).clone(),
                    role,
                    password: (*password).clone(),
                },
                said,
                clear,
            ));
        })
    };
    let row = |s: &Staff| {
        let mine = me.as_ref().is_some_and(|m| m.id == s.id);
        let manageable = !mine && my_role.may_grant(s.role);
        let login = s.login.clone();
        let role_select = {
            let (act, login) = (act.clone(), login.clone());
            let id = format!("staff-role-{login}");
            let select_id = id.clone();
            let onchange = Callback::from(move |_: Event| {
                if let Ok(role) = select_value(&select_id).parse::<Role>() {
                    act.emit((
                        StaffAction::Role { login: login.clone(), role },
                        t!("staff-role-changed", login = login.as_str(), role = i18n::role(role).to_lowercase()),
                        Callback::noop(),
                    ));
                }
            });
            html! {
                <select {id} {onchange} aria-label={t!("staff-role-of", name = s.display_name.as_str())}>
                    { for Role::ALL.into_iter().filter(|r| my_role.may_grant(*r)).map(|r| html! {
                        <option value={r.as_str()} selected={r == s.role}>{i18n::role(r)}</option>
                    }) }
                </select>
            }
        };
        let toggle = {
            let (act, login, active) = (act.clone(), login.clone(), s.active);
            let said = if active {
                t!("staff-deactivated-said", login = login.as_str())
            } else {
                t!("staff-reactivated-said", login = login.as_str())
            };
            Callback::from(move |_: MouseEvent| {
                act.emit((
                    StaffAction::Active { login: login.clone(), active: !active },
                    said.clone(),
                    Callback::noop(),
                ));
            })
        };
        let open_reset = {
            let (resetting, temporary, login) = (resetting.clone(), temporary.clone(), login.clone());
            Callback::from(move |_: MouseEvent| {
                temporary.set(String::new());
                resetting.set(Some(login.clone()));
            })
        };
        let reset_here = (*resetting).as_deref() == Some(s.login.as_str());
        let reset_form = {
            let onsubmit = {
                let (act, resetting, temporary, login) =
                    (act.clone(), resetting.clone(), temporary.clone(), login.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let close = {
                        let (resetting, temporary) = (resetting.clone(), temporary.clone());
                        Callback::from(move |()| {
                            resetting.set(None);
                            temporary.set(String::new());
                        })
                    };
                    act.emit((
                        StaffAction::Reset { login: login.clone(), password: (*temporary).clone() },
                        t!("staff-reset-said", login = login.as_str()),
                        close,
                    ));
                })
            };
            html! {
                <form class="staff-reset" {onsubmit} id={format!("staff-reset-{}", s.login)}>
                    <Field id={format!("staff-temporary-{}", s.login)} label={t!("staff-temporary-password")} kind="password"
                        value={(*temporary).clone()} on_input={typed(&temporary)} autocomplete="new-password" />
                    <button class="primary" disabled={*busy}>{t!("staff-set-it")}</button>
                </form>
            }
        };
        html! {
            <tr id={format!("staff-row-{}", s.login)} class={classes!((!s.active).then_some("inactive"))}>
                <th scope="row">{s.display_name.clone()}{if mine { format!(" {}", t!("staff-you")) } else { String::new() }}</th>
                <td>{s.login.clone()}</td>
                <td>{ if manageable { role_select } else { html! { i18n::role(s.role) } } }</td>
                <td>{ if s.active { t!("staff-active") } else { t!("staff-deactivated") } }</td>
                <td class="actions">
                    if manageable {
                        if reset_here { {reset_form} } else {
                            <button type="button" class="quiet" onclick={open_reset} disabled={*busy}>{t!("staff-reset-password")}</button>
                        }
                        <button type="button" class="quiet" onclick={toggle} disabled={*busy}>
                            { if s.active { t!("staff-deactivate") } else { t!("staff-reactivate") } }
                        </button>
                    }
                </td>
            </tr>
        }
    };
    html! {
        <section class="card wide" aria-labelledby="staff-title" id="staff">
            <h2 id="staff-title">{t!("staff-title")}</h2>
            { match &*staff {
                None => html! { <p class="hint">{t!("loading")}</p> },
                Some(list) => html! {
                    <table id="staff-table">
                        <thead><tr>
                            <th scope="col">{t!("staff-name")}</th><th scope="col">{t!("staff-login")}</th><th scope="col">{t!("staff-role")}</th>
                            <th scope="col">{t!("staff-status")}</th><th scope="col"><span class="sr-only">{t!("actions")}</span></th>
                        </tr></thead>
                        <tbody>{ for list.iter().map(row) }</tbody>
                    </table>
                },
            } }
            if let Some(message) = (*done).clone() { <p class="success" role="status" id="staff-done">{message}</p> }
            if let Some(message) = (*error).clone() { <p class="error" role="alert" id="staff-error">{message}</p> }
            if !grantable.is_empty() {
                <form onsubmit={add} id="staff-add" aria-labelledby="staff-add-title">
                    <h3 id="staff-add-title">{t!("staff-add-title")}</h3>
                    <div class="staff-new">
                        <div><Field id="staff-new-name" label={t!("staff-name")} value={(*name).clone()} on_input={typed(&name)} required=true /></div>
                        <div><Field id="staff-new-login" label={t!("staff-login")} value={(*login).clone()} on_input={typed(&login)}
                            autocomplete="off" required=true /></div>
                        <label>{t!("staff-role")}
                            <select id="staff-new-role">
                                { for grantable.iter().map(|r| html! { <option value={r.as_str()}>{i18n::role(*r)}</option> }) }
                            </select>
                        </label>
                        <div><Field id="staff-new-password" label={t!("staff-first-password", count = MIN_PASSWORD_CHARS)}
                            kind="password" value={(*password).clone()} on_input={typed(&password)} autocomplete="new-password" /></div>
                    </div>
                    <div class="actions"><button class="primary" id="staff-add-submit" disabled={*busy}>{t!("staff-add")}</button></div>
                </form>
            }
        </section>
    }
}
