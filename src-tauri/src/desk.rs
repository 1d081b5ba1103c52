//! The desk: the open clinic database, who is logged in, and the idle lock. Commands reach
//! rapport-core only through [`Desk::with_session`], which refuses with [`ErrorCode::Locked`] once
//! the desk has been idle too long, so the lock holds even if the page's own timer did not fire.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rapport_core::{
    ClinicSetup, Error, ErrorCode, KdfCost, KeyProtection, KeyStorage, Rapport, Secret, Session, SystemClock,
};
use rapport_model::Says;
use rapport_model::ipc::ImportProgressView;
use rapport_model::ipc::{
    DeskState, EnrollArgs, ErrorReply, HeadOffice, JoinArgs, KeyChoice, Said, SetupArgs, StaffBadge, Stage,
};

/// Demo patients loaded by "explore with demo data".
const DEMO_PATIENTS: usize = 400;

pub struct Desk {
    db_path: PathBuf,
    /// Test knob (`RAPPORT_IDLE_LOCK_SECONDS`): an idle lock shorter than the one-minute minimum
    /// a manager can set, so the end-to-end test can watch the desk lock itself.
    idle_override: Option<Duration>,
    inner: Mutex<Inner>,
    /// Background sync with head office runs once the database is open (idle until enrolled).
    syncing: Arc<AtomicBool>,
    /// Set by the store when a write leaves changes for head office, and by enrolling: the
    /// background sync goes at once instead of at its next tick.
    local_changes: Arc<AtomicBool>,
    /// How far the import running now has got: read by the window while the import holds the
    /// database (outside `inner`, so asking never waits for it).
    pub import_progress: Mutex<Option<ImportProgressView>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").finish_non_exhaustive()
    }
}

struct Inner {
    app: Option<Rapport>,
    session: Option<Session>,
    /// Who was logged in when the desk locked; unlocking asks for their password.
    locked: Option<Session>,
    last_activity: Instant,
    /// The manager's idle lock (or the test override), read once when the database opens and
    /// again when it is changed, not on every command.
    idle_limit: Duration,
}

pub type Reply<T> = Result<T, ErrorReply>;

/// The idle lock until a database says otherwise (the core's default too).
const DEFAULT_IDLE_LIMIT: Duration = Duration::from_secs(10 * 60);

pub fn reply(e: Error) -> ErrorReply {
    ErrorReply { code: e.code, message: e.message, said: e.said }
}

/// Logs a staff member in (anew, after a lock) and starts the idle clock.
fn start_session(inner: &mut Inner, login: &str, password: String) -> Reply<()> {
    let app =
        inner.app.as_mut().ok_or_else(|| ErrorReply::new(ErrorCode::NotInitialized, "the database is not open"))?;
    let session = app.login(login, &Secret::new(password)).map_err(reply)?;
    inner.session = Some(session);
    inner.locked = None;
    inner.last_activity = Instant::now();
    Ok(())
}

/// Where a new database's key is kept. The core refuses a passphrase that is too short, before
/// it creates anything.
fn protection(choice: KeyChoice, passphrase: Option<&str>) -> KeyProtection {
    match choice {
        KeyChoice::Keyring => KeyProtection::Keyring,
        KeyChoice::Passphrase => {
            KeyProtection::Passphrase(Secret::new(passphrase.unwrap_or_default().to_owned()), KdfCost::default())
        }
    }
}

fn passphrase_of(protection: &KeyProtection) -> Option<&Secret> {
    match protection {
        KeyProtection::Passphrase(secret, _) => Some(secret),
        KeyProtection::Keyring => None,
    }
}

fn badge(app: Option<&Rapport>, s: &Session) -> StaffBadge {
    let staff = s.staff();
    StaffBadge {
        id: staff.id,
        login: staff.login.clone(),
        name: staff.display_name.clone(),
        role: staff.role,
        language: app.map(|a| a.staff_language(staff.id)).unwrap_or_default(),
    }
}

impl Desk {
    pub fn new(db_path: PathBuf, idle_override: Option<Duration>) -> Self {
        Self {
            db_path,
            idle_override,
            inner: Mutex::new(Inner {
                app: None,
                session: None,
                locked: None,
                last_activity: Instant::now(),
                idle_limit: DEFAULT_IDLE_LIMIT,
            }),
            syncing: Arc::new(AtomicBool::new(false)),
            local_changes: Arc::new(AtomicBool::new(false)),
            import_progress: Mutex::new(None),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-written (the store is transactional).
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps the opened database, reads its idle lock setting and starts the background sync
    /// (`passphrase` opens the sync thread's own connection), which waits until the desk is
    /// enrolled.
    fn opened(&self, inner: &mut Inner, mut app: Rapport, passphrase: Option<&Secret>) {
        inner.idle_limit = self.idle_limit_of(&app);
        app.signal_local_changes(Arc::clone(&self.local_changes));
        self.start_sync(passphrase);
        inner.app = Some(app);
    }

    fn idle_limit_of(&self, app: &Rapport) -> Duration {
        self.idle_override.unwrap_or_else(|| {
            app.idle_lock_minutes().map_or(DEFAULT_IDLE_LIMIT, |m| Duration::from_secs(u64::from(m) * 60))
        })
    }

    /// Locks the desk if it has been idle too long.
    fn expire(inner: &mut Inner) {
        if inner.session.is_some() && inner.last_activity.elapsed() > inner.idle_limit {
            inner.locked = inner.session.take();
        }
    }

    /// Opens the database with the keyring-held key if it is not open yet.
    fn open_if_possible(&self, inner: &mut Inner) -> Reply<()> {
        if inner.app.is_some() || !self.db_path.exists() {
            return Ok(());
        }
        if rapport_core::key_storage(&self.db_path).map_err(|e| reply(e.into()))? == KeyStorage::Keyring {
            let app = Rapport::open(&self.db_path, None, Arc::new(SystemClock)).map_err(reply)?;
            self.opened(inner, app, None);
        }
        Ok(())
    }

    /// Syncs with head office in the background on its own connection (every 30 s, backing off
    /// while head office is away), so no front-desk command ever waits for the network.
    fn start_sync(&self, passphrase: Option<&Secret>) {
        if self.syncing.swap(true, Ordering::SeqCst) {
            return;
        }
        let (path, passphrase) = (self.db_path.clone(), passphrase.cloned());
        let (syncing, nudge) = (Arc::clone(&self.syncing), Arc::clone(&self.local_changes));
        // Opening derives the key again from a passphrase: done on the sync thread, so unlocking
        // the desk does not wait for it.
        std::thread::spawn(move || {
            let Ok(app) = Rapport::open(&path, passphrase.as_ref(), Arc::new(SystemClock)) else {
                syncing.store(false, Ordering::SeqCst);
                return;
            };
            drop(passphrase);
            // Runs for the life of the app; every step is transactional, so exiting mid-sync is safe.
            let stop = AtomicBool::new(false);
            rapport_core::sync::run_background(app, Duration::from_secs(30), &stop, &nudge, |_| {});
        });
    }

    /// What the head-office indicator says now.
    pub fn head_office(&self) -> HeadOffice {
        head_office(self.inner().app.as_ref())
    }

    pub fn state(&self) -> Reply<DeskState> {
        let mut inner = self.inner();
        self.open_if_possible(&mut inner)?;
        Self::expire(&mut inner);
        let stage = match (&inner.app, &inner.session, &inner.locked) {
            (None, ..) if !self.db_path.exists() => Stage::Setup,
            (None, ..) => Stage::UnlockDatabase,
            (Some(_), Some(s), _) if s.must_change_password() => Stage::ChangePassword,
            (Some(_), Some(_), _) => Stage::Ready,
            (Some(_), None, Some(_)) => Stage::Locked,
            (Some(_), None, None) => Stage::Login,
        };
        let app = inner.app.as_ref();
        let staff = inner.session.as_ref().or(inner.locked.as_ref()).map(|s| badge(app, s));
        let today = app.map_or_else(|| chrono::Local::now().date_naive(), Rapport::today);
        Ok(DeskState {
            stage,
            clinic_name: app.and_then(|a| a.clinic_name().ok()),
            staff,
            idle_lock_seconds: u32::try_from(inner.idle_limit.as_secs()).unwrap_or(u32::MAX),
            keyring_available: rapport_core::keyring_available(),
            today,
            head_office: head_office(app),
        })
    }

    /// Creates the clinic database (first run), optionally with demo data. The staff login
    /// screen follows: whoever sits at the desk logs in as themselves.
    pub fn setup(&self, args: SetupArgs) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            let protection = self.new_database(&inner, args.key_choice, args.passphrase.as_deref())?;
            let password = Secret::new(args.password);
            let setup = ClinicSetup {
                clinic_name: &args.clinic_name,
                admin_login: &args.admin_login,
                admin_name: &args.admin_name,
                admin_password: &password,
            };
            let (mut app, session) =
                Rapport::init(&self.db_path, &protection, &setup, Arc::new(SystemClock)).map_err(reply)?;
            if args.demo {
                app.load_demo(&session, DEMO_PATIENTS, 7, Some(&password)).map_err(reply)?;
            }
            self.opened(&mut inner, app, passphrase_of(&protection));
            inner.session = None;
            inner.locked = None;
        }
        self.state()
    }

    /// First run on a desk of a clinic head office knows: a new database enrolled with the
    /// code and filled by a first sync, so the clinic's staff can log in. If that sync fails
    /// (head office went away after enrolling), the login screen shows why and the background
    /// sync keeps trying.
    pub fn join(&self, args: JoinArgs) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            let protection = self.new_database(&inner, args.key_choice, args.passphrase.as_deref())?;
            let mut app = Rapport::join_head_office(
                &self.db_path,
                &protection,
                Arc::new(SystemClock),
                &args.server,
                &args.code,
                args.ca_pem.as_deref(),
            )
            .map_err(reply)?;
            // Its outcome is kept in the sync status, which the login screen shows.
            let _ = app.sync_with_head_office();
            self.opened(&mut inner, app, passphrase_of(&protection));
        }
        self.state()
    }

    /// A manager enrolls the open desk (or enrolls it again after a revocation) and it syncs at
    /// once, so the answer says how that went; the background sync carries on from there.
    pub fn enroll(&self, args: EnrollArgs) -> Reply<HeadOffice> {
        self.with_session(|app, s| {
            app.enroll_here(s, &args.server, &args.code, args.ca_pem.as_deref(), args.again)?;
            // Its outcome is kept in the sync status, which the answer shows.
            let _ = app.sync_with_head_office();
            Ok(())
        })?;
        self.local_changes.store(true, Ordering::SeqCst);
        Ok(self.head_office())
    }

    /// Where a first run's new database goes: refused if this computer has one; its folder made,
    /// and its key's protection as chosen.
    fn new_database(&self, inner: &Inner, choice: KeyChoice, passphrase: Option<&str>) -> Reply<KeyProtection> {
        if inner.app.is_some() || self.db_path.exists() {
            return Err(ErrorReply::new(ErrorCode::AlreadyExists, "this computer already has a clinic database"));
        }
        if let Some(parent) = self.db_path.parent() {
            std::fs::create_dir_all(parent).map_err(|_| {
                ErrorReply::new(ErrorCode::Storage, "could not create the folder for the clinic database")
            })?;
        }
        Ok(protection(choice, passphrase))
    }

    pub fn unlock_database(&self, passphrase: String) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            if inner.app.is_none() {
                let secret = Secret::new(passphrase);
                let app = Rapport::open(&self.db_path, Some(&secret), Arc::new(SystemClock)).map_err(reply)?;
                self.opened(&mut inner, app, Some(&secret));
            }
        }
        self.state()
    }

    pub fn login(&self, login: &str, password: String) -> Reply<DeskState> {
        start_session(&mut self.inner(), login, password)?;
        self.state()
    }

    /// The logged-in member's new password; the session it gives back replaces the one that had
    /// to change it.
    pub fn change_password(&self, current: String, new: String) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            let Inner { app, session, last_activity, .. } = &mut *inner;
            let (Some(app), Some(old)) = (app.as_mut(), session.as_ref()) else {
                return Err(desk_locked());
            };
            let renewed = app.change_password(old, &Secret::new(current), &Secret::new(new)).map_err(reply)?;
            *session = Some(renewed);
            *last_activity = Instant::now();
        }
        self.state()
    }

    pub fn lock(&self) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            if let Some(s) = inner.session.take() {
                inner.locked = Some(s);
            }
        }
        self.state()
    }

    /// Unlocks for the staff member who was logged in, with their password.
    pub fn unlock(&self, password: String) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            let login = inner
                .locked
                .as_ref()
                .map(|s| s.staff().login.clone())
                .ok_or_else(|| ErrorReply::new(ErrorCode::NotFound, "the desk is not locked"))?;
            start_session(&mut inner, &login, password)?;
        }
        self.state()
    }

    /// From the lock screen: somebody else logs in instead.
    pub fn switch_user(&self) -> Reply<DeskState> {
        {
            let mut inner = self.inner();
            inner.session = None;
            inner.locked = None;
        }
        self.state()
    }

    /// A manager changes the idle lock; it applies from the next command.
    pub fn set_idle_lock(&self, minutes: u32) -> Reply<DeskState> {
        self.with_session(|app, s| app.set_idle_lock_minutes(s, minutes))?;
        {
            let mut inner = self.inner();
            if let Some(app) = inner.app.as_ref() {
                inner.idle_limit = self.idle_limit_of(app);
            }
        }
        self.state()
    }

    /// Runs a front-desk operation for the logged-in staff member; refuses when nobody is, or
    /// when the desk has been idle too long (and locks it).
    pub fn with_session<T>(&self, f: impl FnOnce(&mut Rapport, &Session) -> rapport_core::Result<T>) -> Reply<T> {
        let mut inner = self.inner();
        Self::expire(&mut inner);
        let Inner { app, session, last_activity, .. } = &mut *inner;
        let (Some(app), Some(session)) = (app.as_mut(), session.as_ref()) else {
            return Err(desk_locked());
        };
        *last_activity = Instant::now();
        f(app, session).map_err(reply)
    }
}

/// How sync stands, for the head-office indicator (the window puts it in words): when the
/// desk last synced, what waits to go up, and conflicts to look at.
fn head_office(app: Option<&Rapport>) -> HeadOffice {
    let status = app.and_then(|a| a.sync_status().ok()).filter(|s| s.enrolled);
    let Some(s) = status else {
        return HeadOffice {
            enrolled: false,
            connected: false,
            last_success: None,
            failing: false,
            pending: 0,
            conflicts: 0,
            quarantined: 0,
            outbox: None,
        };
    };
    HeadOffice {
        enrolled: true,
        connected: s.last_error.is_none() && s.last_success.is_some(),
        last_success: s.last_success,
        failing: s.last_error.is_some(),
        pending: s.pending,
        conflicts: s.conflicts,
        quarantined: s.quarantined,
        outbox: s.outbox,
    }
}

fn desk_locked() -> ErrorReply {
    ErrorReply::new(ErrorCode::Locked, "the desk is locked: log in again").saying(Said::new(Says::DeskLocked))
}
