//! A freed slot offered to the waitlist: the patients it suits, first come first, each with
//! their phone to call and a button that gives them the slot (their booked appointment moves
//! there, or a new one is booked).

use rapport_model::view::{FreeSlot, WaitlistView};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::app::Desk;
use crate::{api, format, t};

#[derive(Properties, PartialEq)]
pub struct OffersProps {
    pub slot: FreeSlot,
    /// Someone took the slot.
    #[prop_or_default]
    pub on_taken: Callback<()>,
}

#[component]
pub fn WaitlistOffers(props: &OffersProps) -> Html {
    let Some(desk) = use_context::<Desk>() else { return html! {} };
    let offers = use_state(Vec::<WaitlistView>::new);
    let taken = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    {
        let (offers, error, desk) = (offers.clone(), error.clone(), desk.clone());
        use_effect_with(props.slot, move |&slot| {
            spawn_local(async move {
                match api::waitlist_offers(slot).await {
                    Ok(o) => offers.set(o),
                    Err(e) => error.set(desk.message(e)),
                }
            });
        });
    }
    if let Some(message) = (*error).clone() {
        return html! { <p class="error" role="alert">{message}</p> };
    }
    if let Some(who) = (*taken).clone() {
        return html! { <p class="success" role="status" id="waitlist-taken">{t!("offers-taken", name = who)}</p> };
    }
    if offers.is_empty() {
        return html! {};
    }
    let slot = props.slot;
    html! {
        <section class="offers" id="waitlist-offers" aria-labelledby="offers-title">
            <h2 id="offers-title">{t!("offers-title", when = format::when(slot.starts_at, desk.state.today), minutes = slot.minutes)}</h2>
            <ol>
                { for offers.iter().map(|o| {
                    let take = {
                        let (taken, error, desk, on_taken) = (taken.clone(), error.clone(), desk.clone(), props.on_taken.clone());
                        let (entry, name) = (o.entry.id, o.patient.full_name());
                        Callback::from(move |_: MouseEvent| {
                            let (taken, error, desk, on_taken, name) = (taken.clone(), error.clone(), desk.clone(), on_taken.clone(), name.clone());
                            spawn_local(async move {
                                match api::take_slot(entry, slot).await {
                                    Ok(_) => {
                                        taken.set(Some(name));
                                        on_taken.emit(());
                                    }
                                    Err(e) => error.set(desk.message(e)),
                                }
                            });
                        })
                    };
                    html! {
                        <li data-patient={o.patient.id.to_string()}>
                            <strong>{o.patient.full_name()}</strong>
                            { for o.patient.phone.iter().map(|p| html! { <span class="hint">{format!(" · {p}")}</span> }) }
                            if let Some(held) = o.holds {
                                <span class="hint">{" · "}{t!("offers-now-booked", when = format::when(held, desk.state.today))}</span>
                            }
                            {" "}<button class="primary" onclick={take}>{t!("offers-give-slot")}</button>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
