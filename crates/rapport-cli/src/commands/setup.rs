//! The clinic's database and its people: `init`, `status`, `staff`, `demo`, `key`.

use std::path::Path;
use std::sync::Arc;

use rapport_core::{ClinicSetup, Error, ErrorCode, KeyProtection, Rapport, Secret, Session, SystemClock};

use crate::cli::{KeyCommand, StaffCommand};
use crate::context::{Failure, new_password, open, secret};
use crate::output::{self, say};

pub(crate) fn init(db: &Path, clinic: &str, admin: &str, admin_name: Option<&str>) -> Result<(), Failure> {
    let password = secret("RAPPORT_PASSWORD", &format!("New password for {admin}: "))?;
    let protection = rapport_core::protection_from_env();
    let setup = ClinicSetup {
        clinic_name: clinic,
        admin_login: admin,
        admin_name: admin_name.unwrap_or(admin),
        admin_password: &password,
    };
    Rapport::init(db, &protection, &setup, Arc::new(SystemClock)).map_err(|e| match e.code {
        ErrorCode::KeyringUnavailable => Failure {
            code: 2,
            message: format!("{}; to protect the key with a passphrase instead, set RAPPORT_PASSPHRASE", e.message),
        },
        _ => e.into(),
    })?;
    let kept = match protection {
        KeyProtection::Keyring => "in the OS keyring",
        KeyProtection::Passphrase(..) => "in the key file, wrapped by your passphrase (RAPPORT_PASSPHRASE)",
    };
    say!("Created {} for {clinic}.", db.display());
    say!("The database key is kept {kept}. Log in as {admin}.");
    Ok(())
}

pub(crate) fn status(db: &Path) -> Result<(), Failure> {
    if !db.exists() {
        say!("No database at {} yet: `rapport init --clinic NAME --admin LOGIN` creates one.", db.display());
        return Ok(());
    }
    let storage = rapport_core::key_storage(db).map_err(Error::from)?;
    say!("Database: {}", db.display());
    say!("Key file: {}", rapport_core::key_file_path(db).display());
    say!(
        "Key kept: {}",
        match storage {
            rapport_core::KeyStorage::Keyring => "OS keyring",
            rapport_core::KeyStorage::Passphrase => "passphrase-wrapped key file",
        }
    );
    let app = open(db)?;
    say!("Clinic: {}", app.clinic_name()?);
    say!("Schema version: {}", app.store().schema_version().map_err(Error::from)?);
    Ok(())
}

pub(crate) fn backup(db: &Path, out: &Path) -> Result<(), Failure> {
    let mut app = open(db)?;
    let made = app.backup(out)?;
    say!(
        "Backed up to {} ({} KiB, {} audit entries) with its key file {}.",
        made.file.display(),
        made.bytes / 1024,
        made.entries,
        made.key_file.display()
    );
    say!("Keep both together; the copy opens with this database's passphrase.");
    Ok(())
}

pub(crate) fn restore(db: &Path, file: &Path, force: bool) -> Result<(), Failure> {
    let passphrase = crate::context::passphrase_for(file)?;
    let (restored, mut app) = rapport_core::restore(db, file, passphrase.as_ref(), force, Arc::new(SystemClock))?;
    let taken =
        restored.taken_at.map(|t| t.with_timezone(&chrono::Local).format(" (taken %Y-%m-%d %H:%M)").to_string());
    say!("Restored {} from {}{}.", db.display(), file.display(), taken.unwrap_or_default());
    if let Some(aside) = &restored.set_aside {
        say!("The database it replaced is kept as {}.", aside.display());
    }
    if !restored.must_catch_up {
        return Ok(());
    }
    match app.sync_with_head_office() {
        Ok(r) => {
            say!(
                "Caught up with head office: {} audit entries came back, {} changes sent, {} received.",
                r.recovered,
                r.pushed,
                r.pulled
            );
            Ok(())
        }
        Err(e) => Err(Failure {
            code: 4,
            message: format!(
                "restored, but head office could not be reached ({}): this desk catches up at its next sync,                  and nobody can log in until it has",
                e.message
            ),
        }),
    }
}

pub(crate) fn staff(app: &mut Rapport, s: &Session, cmd: StaffCommand) -> Result<(), Failure> {
    match cmd {
        StaffCommand::Add { login, name, role } => {
            let password = secret("RAPPORT_NEW_PASSWORD", &format!("First password for {login}: "))?;
            let staff = app.add_staff(s, &login, &name, role, &password)?;
            say!("{}", staff.id);
        }
        StaffCommand::List { json } => {
            let staff = app.list_staff(s)?;
            if json {
                return output::json(&staff);
            }
            for m in staff {
                say!(
                    "{:<16} {:<12} {}{}",
                    m.login,
                    m.role.as_str(),
                    m.display_name,
                    if m.active { "" } else { " (disabled)" }
                );
            }
        }
        StaffCommand::Password => {
            let current = secret("RAPPORT_PASSWORD", "Current password: ")?;
            let new = new_password("New password: ")?;
            app.change_password(s, &current, &new)?;
            say!("password changed");
        }
        StaffCommand::Reset { login } => {
            let temporary = new_password(&format!("New password for {login}: "))?;
            let staff = app.reset_password(s, &login, &temporary)?;
            say!("{} must choose a new password at the next login", staff.login);
        }
        StaffCommand::Deactivate { login } => {
            let staff = app.set_staff_active(s, &login, false)?;
            say!("{} can no longer log in (the account and its history stay)", staff.login);
        }
        StaffCommand::Reactivate { login } => {
            let staff = app.set_staff_active(s, &login, true)?;
            say!("{} can log in again", staff.login);
        }
        StaffCommand::Role { login, role } => {
            let staff = app.set_staff_role(s, &login, role)?;
            say!("{} is now {}", staff.login, staff.role.as_str());
        }
    }
    Ok(())
}

pub(crate) fn demo(app: &mut Rapport, s: &Session, patients: usize, seed: u64) -> Result<(), Failure> {
    let staff_password = std::env::var("RAPPORT_NEW_PASSWORD").ok().map(Secret::new);
    let summary = app.load_demo(s, patients, seed, staff_password.as_ref())?;
    say!(
        "Loaded {} synthetic patients, {} pointers, {} appointments and {} staff accounts.",
        summary.patients,
        summary.pointers,
        summary.appointments,
        summary.staff_added
    );
    if summary.staff_added > 0 {
        if staff_password.is_some() {
            say!("Demo staff (dr.mehta, dr.alvarez, dr.okafor, priya, sam, manager) log in with RAPPORT_NEW_PASSWORD.");
        } else {
            say!("Demo staff got random passwords; set RAPPORT_NEW_PASSWORD before `rapport demo` to choose one.");
        }
    }
    Ok(())
}

pub(crate) fn key(app: &mut Rapport, s: &Session, cmd: KeyCommand) -> Result<(), Failure> {
    let current = std::env::var("RAPPORT_PASSPHRASE").ok().map(Secret::new);
    let protection = match cmd {
        KeyCommand::Passphrase => {
            let new = secret("RAPPORT_NEW_PASSPHRASE", "New database passphrase: ")?;
            KeyProtection::Passphrase(new, rapport_core::KdfCost::default())
        }
        KeyCommand::Keyring => KeyProtection::Keyring,
    };
    app.change_key_protection(s, current.as_ref(), &protection)?;
    say!(
        "The database key is now {}.",
        match protection {
            KeyProtection::Keyring => "in the OS keyring",
            KeyProtection::Passphrase(..) => "wrapped by the new passphrase",
        }
    );
    Ok(())
}
