//! Rapport pointers: `pointer add|used|confirm|retract`.

use rapport_core::{NewPointer, Rapport, Session};

use crate::cli::PointerCommand;
use crate::context::{Failure, user_error};
use crate::output::{self, say};

pub(crate) fn pointer(app: &mut Rapport, s: &Session, cmd: PointerCommand) -> Result<(), Failure> {
    match cmd {
        PointerCommand::Add { patient_id, kind, text, event_date, source, json } => {
            let patient = app.resolve_patient(s, &patient_id)?;
            let p = app.add_pointer(s, patient, NewPointer { kind, text, event_date, source })?;
            if json {
                return output::json(&p);
            }
            say!("{}", p.id);
        }
        PointerCommand::Used { pointer_id: id, note } => {
            let p = app.mark_pointer_used(s, pointer_id(&id)?, note.as_deref())?;
            say!("{}", p.id);
        }
        PointerCommand::Confirm { pointer_id: id } => {
            let p = app.confirm_pointer(s, pointer_id(&id)?)?;
            say!("{}", p.id);
        }
        PointerCommand::Retract { pointer_id: id } => {
            let p = app.retract_pointer(s, pointer_id(&id)?)?;
            say!("{}", p.id);
        }
    }
    Ok(())
}

fn pointer_id(s: &str) -> Result<rapport_model::PointerId, Failure> {
    s.parse().map_err(|_| user_error("that is not a pointer id"))
}
