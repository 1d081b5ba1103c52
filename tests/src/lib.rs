//! Workspace-level end-to-end tests of Rapport: real processes against real encrypted files,
//! with faults injected (processes killed mid-write). The helper binaries live in `src/bin/`.

pub mod browser;
pub mod desktop;
pub mod fuzz;
pub mod head_office;
pub mod kannel;
pub mod mailbox;
pub mod proxy;
pub mod screen;
pub mod twilio;
