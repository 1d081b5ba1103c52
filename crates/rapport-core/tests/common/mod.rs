//! A fresh clinic in a temp dir for each test: real SQLCipher files, a passphrase-wrapped key
//! (cheap Argon2 cost so tests stay fast), a clock the test controls.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use rapport_core::sync::WireError;
use rapport_core::{ClinicSetup, FixedClock, KdfCost, KeyProtection, NewPointer, Rapport, Secret, Session};
use rapport_model::sync::{
    EnrollRequest, EnrollResponse, PullRequest, PullResponse, PushRequest, PushResponse, RemotePatient, SearchRequest,
    TakeOnRequest,
};
use rapport_model::{NewPatient, PatientId, PointerKind, Role, Source};

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const PASSWORD: &str = "test-password-1";
pub const CHEAP: KdfCost = KdfCost { memory_kib: 1024, iterations: 1, parallelism: 1 };

pub struct Clinic {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub app: Rapport,
    pub admin: Session,
    pub clock: Arc<FixedClock>,
}

pub fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().expect("valid time")
}

pub fn protection() -> KeyProtection {
    KeyProtection::Passphrase(Secret::new(PASSPHRASE), CHEAP)
}

/// Lakeside Clinic with its admin `admin`, whose password is `password`.
pub fn lakeside(password: &Secret) -> ClinicSetup<'_> {
    ClinicSetup { clinic_name: "Lakeside Clinic", admin_login: "admin", admin_name: "Admin", admin_password: password }
}

pub fn clinic() -> Clinic {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("clinic.db");
    let clock = Arc::new(FixedClock::new(noon()));
    let (app, admin) =
        Rapport::init(&db, &protection(), &lakeside(&Secret::new(PASSWORD)), clock.clone()).expect("init");
    Clinic { dir, db, app, admin, clock }
}

/// [`clinic`], enrolled with a head office it never reaches again: from here on every write
/// leaves a change in its outbox.
pub fn enrolled_clinic() -> Clinic {
    let mut c = clinic();
    c.app.enroll(&EnrollOnly, "https://office.invalid", "code", None, false).expect("enroll");
    c
}

/// A head office that answers an enrollment and nothing else.
pub struct EnrollOnly;

impl rapport_core::sync::Transport for EnrollOnly {
    fn enroll(&self, _: &EnrollRequest) -> Result<EnrollResponse, WireError> {
        Ok(EnrollResponse {
            device_id: uuid::Uuid::from_u128(1),
            token: "token".into(),
            clinic_id: uuid::Uuid::from_u128(2),
            clinic_name: "Lakeside Clinic".into(),
            organisation: "Lakeside".into(),
        })
    }
    fn push(&self, _: &PushRequest) -> Result<PushResponse, WireError> {
        Err(WireError::Unreachable("offline".into()))
    }
    fn pull(&self, _: &PullRequest) -> Result<PullResponse, WireError> {
        Err(WireError::Unreachable("offline".into()))
    }
    fn search(&self, _: &SearchRequest) -> Result<Vec<RemotePatient>, WireError> {
        Err(WireError::Unreachable("offline".into()))
    }
    fn take_on(&self, _: &TakeOnRequest) -> Result<(), WireError> {
        Err(WireError::Unreachable("offline".into()))
    }
    fn chain(&self, _: &rapport_model::sync::ChainRequest) -> Result<rapport_model::sync::ChainResponse, WireError> {
        Err(WireError::Unreachable("offline".into()))
    }
}

impl Clinic {
    pub fn staff(&mut self, login: &str, role: Role) -> Session {
        let name = format!("{login} ({})", role.label());
        self.app.add_staff(&self.admin, login, &name, role, &Secret::new(PASSWORD)).expect("add staff");
        self.app.login(login, &Secret::new(PASSWORD)).expect("login")
    }

    pub fn patient(&mut self, given: &str, family: &str) -> PatientId {
        let new = NewPatient { given: given.into(), family: family.into(), ..NewPatient::default() };
        self.app.register_patient(&self.admin, new).expect("register").id
    }

    pub fn patient_with(&mut self, new: NewPatient) -> PatientId {
        self.app.register_patient(&self.admin, new).expect("register").id
    }

    pub fn reopen(self) -> Self {
        let Clinic { dir, db, app, admin, clock } = self;
        drop(app);
        let app = Rapport::open(&db, Some(&Secret::new(PASSPHRASE)), clock.clone()).expect("reopen");
        Clinic { dir, db, app, admin, clock }
    }
}

pub fn pointer(kind: PointerKind, text: &str) -> NewPointer {
    NewPointer { kind, text: text.into(), event_date: None, source: Source::CheckIn }
}

/// Every file under `dir`, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                out.push((path, bytes));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
