//! The clinic's doctors, as the screens that list or choose one read them.

use rapport_model::StaffId;
use rapport_model::view::DoctorView;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::app::Desk;

/// The clinic's doctors, read once when the screen opens. `chosen`, the screen's doctor when it
/// picks one, becomes the first of them unless it names one already; a refusal is shown in
/// `error` when the screen has a place for it.
#[hook]
pub fn use_doctors(
    chosen: Option<UseStateHandle<Option<StaffId>>>,
    error: Option<UseStateHandle<Option<String>>>,
) -> UseStateHandle<Vec<DoctorView>> {
    let doctors = use_state(Vec::<DoctorView>::new);
    let desk = use_context::<Desk>();
    {
        let doctors = doctors.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                match api::doctors().await {
                    Ok(d) => {
                        if let Some(chosen) = chosen
                            && chosen.is_none_or(|id| !d.iter().any(|x| x.id == id))
                        {
                            chosen.set(d.first().map(|d| d.id));
                        }
                        doctors.set(d);
                    }
                    Err(e) => {
                        if let (Some(error), Some(desk)) = (error, desk) {
                            error.set(desk.message(e));
                        }
                    }
                }
            });
        });
    }
    doctors
}
