//! Writes patients in a loop and acknowledges each one on stdout only after its transaction
//! committed: `ack <n> <patient id>`. The durability test kills it with SIGKILL mid-stream.
//! Usage: durability-writer DB START (passphrase in RAPPORT_PASSPHRASE, admin password in
//! RAPPORT_PASSWORD).
#![allow(clippy::print_stdout)]

use std::io::Write as _;
use std::sync::Arc;

use rapport_core::{NewPointer, Rapport, Secret, SystemClock};
use rapport_model::{NewPatient, PointerKind, Source};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(start)) = (args.next(), args.next().and_then(|s| s.parse::<u64>().ok())) else {
        eprintln!("usage: durability-writer DB START");
        std::process::exit(1);
    };
    let passphrase = Secret::new(std::env::var("RAPPORT_PASSPHRASE").unwrap_or_default());
    let password = Secret::new(std::env::var("RAPPORT_PASSWORD").unwrap_or_default());
    let mut app = match Rapport::open(db.as_ref(), Some(&passphrase), Arc::new(SystemClock)) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("open: {e}");
            std::process::exit(2);
        }
    };
    let Ok(session) = app.login("admin", &password) else {
        eprintln!("login failed");
        std::process::exit(2);
    };
    let mut out = std::io::stdout().lock();
    for n in start.. {
        let new = NewPatient { given: format!("Durable{n}"), family: "Writer".into(), ..NewPatient::default() };
        let patient = match app.register_patient(&session, new) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("write {n}: {e}");
                std::process::exit(3);
            }
        };
        let pointer = NewPointer {
            kind: PointerKind::Hobby,
            text: format!("Hobby number {n}"),
            event_date: None,
            source: Source::Other,
        };
        if let Err(e) = app.add_pointer(&session, patient.id, pointer) {
            eprintln!("pointer {n}: {e}");
            std::process::exit(3);
        }
        // Both transactions committed (synchronous=FULL): only now is the write acknowledged.
        if writeln!(out, "ack {n} {}", patient.id).and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}
