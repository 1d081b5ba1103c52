//! Rapport's front desk, in Yew. `app` holds the shell (stage, navigation, shortcuts, idle
//! lock); `pages/` the screens; `components/` what several screens share; `api` the typed
//! client for the desktop shell's commands.

mod api;
mod app;
mod components;
mod dom;
mod format;
mod i18n;
mod pages;
mod perf;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
