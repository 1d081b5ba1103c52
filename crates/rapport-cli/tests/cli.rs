//! The `rapport` command as a new user runs it from the README: real processes, real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PASSPHRASE: &str = "a long clinic passphrase";
const PASSWORD: &str = "admin-password-1";
const STAFF_PASSWORD: &str = "staff-password-1";

struct Desk {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Desk {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("clinic.db");
        Self { _dir: dir, db }
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// `rapport --db <db> args…` as `user`, with the passphrase-wrapped key.
    fn cmd(&self, user: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rapport"));
        cmd.arg("--db").arg(&self.db).args(args);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TZ", "UTC")
            .env("RAPPORT_PASSPHRASE", PASSPHRASE)
            .env("RAPPORT_USER", user)
            .env("RAPPORT_PASSWORD", if user == "admin" { PASSWORD } else { STAFF_PASSWORD })
            .env("RAPPORT_NEW_PASSWORD", STAFF_PASSWORD);
        cmd
    }

    fn run(&self, user: &str, args: &[&str]) -> Output {
        self.cmd(user, args).output().expect("run rapport")
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, user: &str, args: &[&str]) -> String {
        let out = self.run(user, args);
        assert!(out.status.success(), "rapport {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn json(&self, user: &str, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(user, args)).expect("json output")
    }

    fn init(&self) {
        self.ok("admin", &["init", "--clinic", "Lakeside Clinic", "--admin", "admin"]);
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_readme_walkthrough_works() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["staff", "add", "dr.rao", "--name", "Dr. Rao", "--role", "clinician"]);
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);

    // The receptionist registers a patient and finds her again.
    let added = d.json(
        "priya",
        &[
            "patient",
            "add",
            "--given",
            "Asha",
            "--family",
            "Rao",
            "--preferred",
            "Ash",
            "--birth-date",
            "1990-06-15",
            "--phone",
            "+91 98450 12345",
            "--json",
        ],
    );
    let id = added["id"].as_str().expect("id").to_owned();
    assert_eq!(added["given"], "Asha");
    let plain_id = d.ok("priya", &["patient", "add", "--given", "Ben", "--family", "Lee"]);
    assert_eq!(plain_id.trim().len(), 36, "prints just the new id");

    let hits = d.json("priya", &["patient", "search", "rao as", "--json"]);
    let hit = &hits.as_array().expect("array")[0];
    for field in ["id", "given", "family", "preferred", "birth_date", "phone"] {
        assert!(hit.get(field).is_some(), "search JSON has {field}");
    }
    assert_eq!(hit["id"], id.as_str());
    assert_eq!(hit["preferred"], "Ash");
    assert_eq!(hit["birth_date"], "1990-06-15");
    assert_eq!(d.json("priya", &["patient", "search", "98450 12345", "--json"])[0]["id"], id.as_str());
    assert_eq!(
        d.json("priya", &["patient", "search", "a", "--limit", "1", "--json"]).as_array().map(Vec::len),
        Some(1)
    );

    d.ok("priya", &["patient", "edit", &id, "--family", "Rao-Menon"]);
    assert_eq!(d.json("priya", &["patient", "search", "menon", "--json"])[0]["family"], "Rao-Menon");

    // Pointers.
    let goa = d
        .ok("priya", &["pointer", "add", &id, "--kind", "travel", "--text", "Back from a holiday in Goa"])
        .trim()
        .to_owned();
    let wedding = d
        .ok(
            "priya",
            &[
                "pointer",
                "add",
                &id,
                "--kind",
                "life-event",
                "--text",
                "Daughter's wedding",
                "--event-date",
                "2099-12-12",
            ],
        )
        .trim()
        .to_owned();
    let wrong = d.ok("priya", &["pointer", "add", &id, "--kind", "work", "--text", "Typo pointer"]).trim().to_owned();
    d.ok("dr.rao", &["pointer", "used", &goa, "--note", "Loved it"]);
    d.ok("priya", &["pointer", "retract", &wrong]);
    let card = d.json("priya", &["patient", "show", &id, "--json"]);
    assert_eq!(card["id"], id.as_str());
    let texts: Vec<&str> = card["pointers"]
        .as_array()
        .expect("pointers")
        .iter()
        .map(|p| p["pointer"]["text"].as_str().expect("text"))
        .collect();
    assert!(texts.contains(&"Back from a holiday in Goa") && texts.contains(&"Daughter's wedding"), "{texts:?}");
    assert!(!texts.contains(&"Typo pointer"), "retracted pointers are not shown");
    let text_card = d.ok("priya", &["patient", "show", &id]);
    assert!(text_card.contains("Talk about:") && text_card.contains("Daughter's wedding"), "{text_card}");
    assert!(!wedding.is_empty());

    // Appointments.
    let appt = d
        .ok(
            "priya",
            &[
                "appt",
                "book",
                &id,
                "--doctor",
                "dr.rao",
                "--at",
                "2030-03-04T10:00",
                "--minutes",
                "15",
                "--reason",
                "Check-up",
            ],
        )
        .trim()
        .to_owned();
    let clash = d.run(
        "priya",
        &["appt", "book", plain_id.trim(), "--doctor", "dr.rao", "--at", "2030-03-04T10:05", "--minutes", "15"],
    );
    assert_eq!(clash.status.code(), Some(1));
    assert!(stderr(&clash).contains("already has an appointment"), "{}", stderr(&clash));
    let other = d
        .ok(
            "priya",
            &["appt", "book", plain_id.trim(), "--doctor", "dr.rao", "--at", "2030-03-04T10:15", "--minutes", "15"],
        )
        .trim()
        .to_owned();
    let list = d.json("priya", &["appt", "list", "--date", "2030-03-04", "--doctor", "dr.rao", "--json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["id"], appt.as_str());
    assert_eq!(list[0]["status"], "booked");
    d.ok("priya", &["appt", "checkin", &appt]);
    d.ok("dr.rao", &["appt", "seen", &appt]);
    d.ok("dr.rao", &["appt", "done", &appt]);
    let illegal = d.run("priya", &["appt", "checkin", &appt]);
    assert_eq!(illegal.status.code(), Some(1), "{}", stderr(&illegal));
    d.ok("priya", &["appt", "no-show", &other]);
    let list = d.json("priya", &["appt", "list", "--date", "2030-03-04", "--json"]);
    assert_eq!(list[0]["status"], "done");
    assert_eq!(list[1]["status"], "no-show");
    let calls = d.json("priya", &["call-list", "--json"]);
    assert_eq!(calls[0]["patient"]["id"], plain_id.trim());
    assert_eq!(calls[0]["reason"], "no-show");

    // A manager's segment count (the JSON has the count; the filters narrow it).
    let all = d.json("admin", &["segment", "count", "--json"]);
    assert!(all["count"].as_u64().is_some_and(|n| n > 0), "{all}");
    let none = d.json("admin", &["segment", "count", "--tag", "no-such-tag", "--min-age", "18", "--json"]);
    assert_eq!(none["count"], 0);
    let csv = d.ok("admin", &["report", "no-shows", "--from", "2020-01-01", "--to", "2030-12-31", "--csv"]);
    assert!(csv.starts_with("dimension,key,visits,no_shows,rate\r\nall,all,"), "{csv}");
    let report = d.json("admin", &["report", "no-shows", "--from", "2020-01-01", "--to", "2030-12-31", "--json"]);
    assert!(report[0]["no_shows"].as_u64().is_some_and(|n| n >= 1), "{report}");
    let waiting = d.ok("admin", &["report", "waiting", "--from", "2020-01-01", "--to", "2030-12-31", "--csv"]);
    assert!(waiting.starts_with("dimension,key,visits,within_30_min,share,meets_standard,"), "{waiting}");
    assert!(waiting.contains("\r\ndistribution,"), "the distribution follows the groups: {waiting}");
    let log = d.json("admin", &["audit", "log", "--limit", "10", "--json"]);
    let exports = log.as_array().expect("entries").iter().filter(|e| e["action"] == "report.export").count();
    assert_eq!(exports, 2, "each export is audited: {log}");
    let refused = d.run("priya", &["segment", "count"]);
    assert_ne!(refused.status.code(), Some(0), "the front desk does not build segments");

    // The audit chain holds.
    let verify = d.ok("admin", &["audit", "verify"]);
    assert!(verify.starts_with("audit log intact:"), "{verify}");
    let count: u32 = verify.trim().rsplit(' ').nth(1).and_then(|n| n.parse().ok()).expect("count");
    assert!(count > 20, "{verify}");
}

#[test]
fn a_wrong_passphrase_exits_2_says_so_and_changes_nothing() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["patient", "add", "--given", "Asha", "--family", "Rao"]);
    let snapshot = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .map(|p| (p.clone(), std::fs::read(&p).expect("read")))
            .collect();
        files.sort();
        files
    };
    let before = snapshot(d.dir());
    let out = d
        .cmd("admin", &["patient", "search", "asha"])
        .env("RAPPORT_PASSPHRASE", "not the passphrase")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("wrong passphrase or key"), "{}", stderr(&out));
    assert_eq!(snapshot(d.dir()), before, "nothing on disk changed");
}

#[test]
fn user_errors_exit_1_with_a_clear_message() {
    let d = Desk::new();
    let missing = d.run("admin", &["patient", "search", "x"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("rapport init"), "{}", stderr(&missing));
    d.init();
    let again = d.run("admin", &["init", "--clinic", "Again", "--admin", "admin"]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    let bad_date = d.run("admin", &["patient", "add", "--given", "A", "--birth-date", "15/06/1990"]);
    assert_eq!(bad_date.status.code(), Some(1));
    assert!(stderr(&bad_date).contains("YYYY-MM-DD"), "{}", stderr(&bad_date));
    let bad_login =
        d.cmd("admin", &["patient", "search", "x"]).env("RAPPORT_PASSWORD", "wrong-password").output().expect("run");
    assert_eq!(bad_login.status.code(), Some(1));
    assert!(stderr(&bad_login).contains("unknown login or wrong password"));
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);
    let forbidden = d.run("priya", &["staff", "add", "mallory", "--name", "M", "--role", "admin"]);
    assert_eq!(forbidden.status.code(), Some(1));
    assert!(stderr(&forbidden).contains("may not manage staff"), "{}", stderr(&forbidden));
    let unknown = d.run("priya", &["patient", "show", "01900000-0000-7000-8000-000000000000"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("patient not found"));
}

#[test]
fn five_failed_logins_lock_the_account_with_exit_2() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);
    for _ in 0..5 {
        let out = d
            .cmd("priya", &["patient", "search", "x"])
            .env("RAPPORT_PASSWORD", "wrong-password")
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
    }
    let locked = d.run("priya", &["patient", "search", "x"]);
    assert_eq!(locked.status.code(), Some(2), "{}", stderr(&locked));
}

#[test]
fn demo_data_loads_and_is_searchable() {
    let d = Desk::new();
    d.init();
    let out = d.ok("admin", &["demo", "--patients", "300", "--seed", "42"]);
    assert!(out.contains("300 synthetic patients"), "{out}");
    let hits = d.json("priya", &["patient", "search", "a", "--limit", "5", "--json"]);
    assert_eq!(hits.as_array().map(Vec::len), Some(5), "demo staff log in with RAPPORT_NEW_PASSWORD");
    let today = d.json("dr.mehta", &["appt", "list", "--json"]);
    assert!(today.as_array().is_some_and(|a| !a.is_empty()), "appointments today");

    // A reader that goes away first (`rapport … --json | grep -q X`) ends the command quietly.
    let mut reader_gone = d
        .cmd("priya", &["patient", "search", "a", "--limit", "50", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rapport");
    drop(reader_gone.stdout.take());
    let out = reader_gone.wait_with_output().expect("wait");
    assert!(out.status.success(), "a closed pipe is not a failure: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "nothing on stderr (no panic, no backtrace): {}", stderr(&out));
}

#[test]
fn an_admin_can_change_the_passphrase_and_the_old_one_stops_working() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["patient", "add", "--given", "Asha", "--family", "Rao"]);
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);
    let new = "a brand new clinic passphrase";
    let refused = d.cmd("priya", &["key", "passphrase"]).env("RAPPORT_NEW_PASSPHRASE", new).output().expect("run");
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    let changed = d.cmd("admin", &["key", "passphrase"]).env("RAPPORT_NEW_PASSPHRASE", new).output().expect("run");
    assert!(changed.status.success(), "{}", stderr(&changed));
    let old = d.run("admin", &["patient", "search", "asha"]);
    assert_eq!(old.status.code(), Some(2), "the old passphrase no longer opens it");
    let with_new =
        d.cmd("admin", &["patient", "search", "asha", "--json"]).env("RAPPORT_PASSPHRASE", new).output().expect("run");
    assert!(with_new.status.success(), "{}", stderr(&with_new));
    assert!(String::from_utf8_lossy(&with_new.stdout).contains("Asha"));
}

#[test]
fn everything_the_desktop_does_the_command_line_does_too() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["staff", "add", "dr.rao", "--name", "Dr. Rao", "--role", "clinician"]);
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);
    let id = d.ok(
        "priya",
        &[
            "patient",
            "add",
            "--given",
            "Zoë",
            "--family",
            "Ørsted",
            "--birth-date",
            "1980-01-02",
            "--phone",
            "98450 12345",
        ],
    );
    let id = id.trim();

    // The duplicate check at registration.
    let dupes = d.json(
        "priya",
        &["patient", "duplicates", "--given", "Zoe", "--family", "Orsted", "--birth-date", "1980-01-02", "--json"],
    );
    assert_eq!(dupes[0]["patient"]["id"], id);
    assert_eq!(dupes[0]["reasons"], serde_json::json!(["same_name", "same_birth_date"]));
    assert_eq!(dupes[0]["band"], "probable");
    let by_phone =
        d.ok("priya", &["patient", "duplicates", "--given", "Zoe", "--family", "Orsted", "--phone", "+91 98450-12345"]);
    assert!(by_phone.contains("same phone"), "{by_phone}");

    // Free slots, booking, moving.
    let slots = d.json("priya", &["appt", "slots", "--doctor", "dr.rao", "--date", "2031-03-04", "--json"]);
    assert_eq!(slots.as_array().map(Vec::len), Some(40), "08:00 to 18:00 in quarter hours");
    let a = d.ok("priya", &["appt", "book", id, "--doctor", "dr.rao", "--at", "2031-03-04T09:00", "--minutes", "15"]);
    let free = d.ok("priya", &["appt", "slots", "--doctor", "dr.rao", "--date", "2031-03-04"]);
    assert!(free.starts_with("08:00 08:15 08:30 08:45 09:15"), "{free}");
    let moved = d.ok("priya", &["appt", "move", a.trim(), "--at", "2031-03-04T11:30"]);
    assert!(moved.contains("2031-03-04 11:30"), "{moved}");

    // A no-show's call is made from the command line: nobody answers (it stays), then rebooked.
    let past =
        d.ok("priya", &["appt", "book", id, "--doctor", "dr.rao", "--at", "2020-01-06T10:00", "--minutes", "15"]);
    d.ok("priya", &["appt", "no-show", past.trim()]);
    let open = d.json("priya", &["call-list", "--json"]);
    assert_eq!(open[0]["patient"]["family"], "Ørsted", "each call names its patient");
    let call = open[0]["id"].as_str().expect("call id").to_owned();
    let tried = d.ok("priya", &["call-list", "done", &call, "--outcome", "no-answer"]);
    assert!(tried.contains("stays on the list"), "{tried}");
    assert!(d.ok("priya", &["call-list"]).contains("tried: no answer"));
    let bad = d.run("priya", &["call-list", "done", &call, "--outcome", "maybe"]);
    assert_eq!(bad.status.code(), Some(1), "an unknown outcome is a usage error");
    assert!(stderr(&bad).contains("no-answer"), "the error lists the outcomes: {}", stderr(&bad));
    d.ok("priya", &["call-list", "done", &call, "--outcome", "rebooked"]);
    assert!(d.ok("priya", &["call-list"]).contains("Nobody to call"));
    let again = d.run("priya", &["call-list", "done", &call, "--outcome", "reached"]);
    assert!(stderr(&again).contains("done already"), "{}", stderr(&again));

    // A finished visit asks for a follow-up call in three days: not on today's list.
    let seen =
        d.ok("priya", &["appt", "book", id, "--doctor", "dr.rao", "--at", "2020-01-07T10:00", "--minutes", "15"]);
    d.ok("priya", &["appt", "checkin", seen.trim()]);
    d.ok("dr.rao", &["appt", "seen", seen.trim()]);
    let asked = d.ok("dr.rao", &["appt", "done", seen.trim(), "--call-in-days", "3"]);
    assert!(asked.contains("follow-up call on"), "{asked}");
    assert!(d.ok("priya", &["call-list"]).contains("Nobody to call"));
    let early = d.run("priya", &["appt", "done", past.trim(), "--call-in-days", "3"]);
    assert_eq!(early.status.code(), Some(1), "a missed visit is not done: {}", stderr(&early));

    // The doctor's glance at a chosen patient.
    let glance = d.json("dr.rao", &["glance", "--doctor", "dr.rao", "--patient", id, "--json"]);
    assert_eq!(glance["card"]["patient"]["id"], id);
}

/// A fixture of `tests/fixtures/import`, shaped like real exports.
fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import").join(name).display().to_string()
}

/// An import report's refused rows as (line, column).
fn refused_rows(report: &Value) -> Vec<(u64, &str)> {
    let rows = report["refused"].as_array().expect("refused");
    rows.iter().map(|r| (r["line"].as_u64().unwrap_or(0), r["column"].as_str().unwrap_or(""))).collect()
}

fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Local::now().date_naive()))
}

fn living(d: &Desk) -> u64 {
    d.json("admin", &["segment", "count", "--json"])["count"].as_u64().expect("count")
}

#[test]
fn patients_come_in_from_his_and_emr_exports_once_and_a_broken_file_changes_nothing() {
    let d = Desk::new();
    d.init();
    // OpenEMR's patient_data: a dry run counts and writes nothing; the import writes all four
    // (the blank line skipped); the same file again changes nothing and duplicates no one.
    let emr = fixture("openemr_patient_data.csv");
    let dry = d.json("admin", &["import", "patients", &emr, "--dry-run", "--json"]);
    assert_eq!((dry["created"].as_u64(), dry["written"].as_bool()), (Some(4), Some(false)), "{dry}");
    assert_eq!(living(&d), 0);
    let first = d.json("admin", &["import", "patients", &emr, "--json"]);
    assert_eq!(first["created"], 4, "{first}");
    assert_eq!(first["left_out"], serde_json::json!(["title", "ss"]), "OpenEMR's columns Rapport has no field for");
    assert_eq!(first["date_format"], "YYYY-MM-DD");
    let again = d.json("admin", &["import", "patients", &emr, "--json"]);
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(4)), "{again}");
    assert_eq!(living(&d), 4);
    // Another system's numbers for people held: Zoë (same birth date and mobile) is counted as a
    // likely duplicate, a stranger is not; nothing is merged.
    let other = d.dir().join("other_system.csv");
    std::fs::write(
        &other,
        "UHID,Patient Name,DOB,Mobile No\nX-1,Zoe Fernandes,29/02/1984,98220 11111\nX-2,Kavya Iyer,08/08/2001,9222222222\n",
    )
    .expect("write");
    let flagged = d.json("admin", &["import", "patients", &other.display().to_string(), "--dry-run", "--json"]);
    assert_eq!((flagged["created"].as_u64(), flagged["duplicates"].as_u64()), (Some(2), Some(1)), "{flagged}");
    let zoe = d.json("admin", &["patient", "search", "zoe fern", "--json"]);
    assert_eq!(zoe.as_array().map(Vec::len), Some(1), "accents fold for search: {zoe}");
    let card = d.json("admin", &["patient", "show", "EMR-1001", "--json"]);
    assert_eq!(card["birth_date"], "1984-02-29");
    assert_eq!(card["phones"].as_array().map(Vec::len), Some(2), "home and cell");
    assert_eq!(card["consent"]["sms"], true);
    let jose = d.json("admin", &["patient", "show", "EMR-1002", "--json"]);
    assert_eq!(jose["given"], "José Antonio", "the middle name stays with the given names");
    assert_eq!(jose["address"], "Flat 3, \"Sea View\" 403002");

    // An Indian HIS export: a byte-order mark, `;`, DD/MM/YYYY proved by its dates, Devanagari
    // full names with titles.
    let his = d.json("admin", &["import", "patients", &fixture("his_patients.csv"), "--json"]);
    assert_eq!((his["created"].as_u64(), his["delimiter"].as_str()), (Some(6), Some(";")), "{his}");
    assert_eq!((his["date_format"].as_str(), his["blank"].as_u64()), (Some("DD/MM/YYYY"), Some(1)), "{his}");
    let rajesh = d.json("admin", &["patient", "show", "UH-20001", "--json"]);
    assert_eq!((rajesh["given"].as_str(), rajesh["family"].as_str()), (Some("राजेश कुमार"), Some("शर्मा")));
    assert_eq!(rajesh["birth_date"], "1978-08-14");
    assert_eq!(rajesh["referring_doctor"], "Dr Kulkarni");
    assert!(rajesh["birth_year"].is_null(), "a birth date, not an age, when the row has both");
    // A row with an age ("67 Y") and no birth date: about the year the patient turns 67.
    let ramesh = d.json("admin", &["patient", "show", "UH-20006", "--json"]);
    assert_eq!((ramesh["birth_date"].is_null(), ramesh["birth_year"].as_i64()), (true, Some(this_year() - 67)));

    // Broken rows: each reported with its line and column, never its value; nothing written.
    let broken = fixture("his_patients_broken.csv");
    let refused = d.run("admin", &["import", "patients", &broken]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--date-format"), "its dates prove both orders: {}", stderr(&refused));
    let out = d.run("admin", &["import", "patients", &broken, "--date-format", "DD/MM/YYYY", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let lines = refused_rows(&report);
    assert_eq!(
        lines,
        vec![(3, "DOB"), (4, "Patient Name"), (5, "SMS Consent"), (6, ""), (7, "UHID"), (8, "DOB")],
        "{report}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for value in ["31/02/1974", "maybe", "12/13/1987", "Sunita", "98450"] {
        assert!(!text.contains(value), "a refusal names no value: {value} in {text}");
    }
    assert_eq!(report["written"], false);
    assert_eq!(living(&d), 10, "the good row of a refused file is not written either");

    // Dates that read both ways are refused until the format is said.
    let amb = fixture("ambiguous_dates.csv");
    let out = d.run("admin", &["import", "patients", &amb]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("day-first or month-first"), "{}", stderr(&out));
    let said = d.json("admin", &["import", "patients", &amb, "--date-format", "MM/DD/YYYY", "--json"]);
    assert_eq!(said["created"], 2);

    // A spreadsheet saved by Windows (not UTF-8) with its own headers, through a mapping file.
    let custom = fixture("custom_headers.csv");
    let unmapped = d.run("admin", &["import", "patients", &custom]);
    assert!(stderr(&unmapped).contains("--map"), "{}", stderr(&unmapped));
    let mapped = d.json("admin", &["import", "patients", &custom, "--map", &fixture("custom_headers.map"), "--json"]);
    assert_eq!((mapped["created"].as_u64(), mapped["encoding"].as_str()), (Some(2), Some("windows-1252")));
    assert_eq!(mapped["left_out"], serde_json::json!(["Remarque"]), "{mapped}");
    let helene = d.json("admin", &["patient", "show", "C-1", "--json"]);
    assert_eq!(helene["given"], "Hélène");

    // Only managers and admins import; every import is audited.
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);
    let out = d.run("priya", &["import", "patients", &emr]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("role may not"), "{}", stderr(&out));
    let log = d.json("admin", &["audit", "log", "--limit", "200", "--json"]);
    let imports = log.as_array().expect("log").iter().filter(|e| e["action"] == "import.patients").count();
    assert_eq!(imports, 5, "each written import once: {log}");
}

#[test]
fn an_export_of_the_patients_imports_into_another_desk_as_it_was() {
    let (a, b) = (Desk::new(), Desk::new());
    a.init();
    b.init();
    a.ok("admin", &["import", "patients", &fixture("openemr_patient_data.csv")]);
    a.ok("admin", &["import", "patients", &fixture("his_patients.csv")]);
    let first = a.dir().join("patients.csv");
    let out = a.run("admin", &["export", "csv", "patients", "--out", &first.display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("wrote 10 patients to {}", first.display()));
    assert!(stderr(&out).contains("not encrypted"), "the command says the file is not encrypted");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&first).expect("file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only its owner reads it");
    }
    // Never over a file: the same name again is refused and the file is as it was.
    let before = std::fs::read(&first).expect("export");
    let again = a.run("admin", &["export", "csv", "appointments", "--out", &first.display().to_string()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&first).expect("export"), before);

    // Into an empty desk, and out again: the same file.
    let summary = b.json("admin", &["import", "patients", &first.display().to_string(), "--json"]);
    assert_eq!((summary["created"].as_u64(), summary["left_out"].as_array().map(Vec::len)), (Some(10), Some(0)));
    let second = b.dir().join("patients.csv");
    b.ok("admin", &["export", "csv", "patients", "--out", &second.display().to_string()]);
    let (one, two) = (std::fs::read_to_string(&first).expect("1"), std::fs::read_to_string(&second).expect("2"));
    assert_eq!(one, two, "a round trip keeps every exported column");
    assert!(one.contains("UH-20001,राजेश कुमार,शर्मा,1978-08-14,,male,98450 10001,"), "{one}");
    assert!(one.contains(&format!("UH-20006,Ramesh,Patil,,{},male,", this_year() - 67)), "the approximate year: {one}");

    let appointments = a.dir().join("appointments.csv");
    a.ok("admin", &["export", "csv", "appointments", "--out", &appointments.display().to_string()]);
    let text = std::fs::read_to_string(&appointments).expect("appointments");
    assert!(text.starts_with("patient_record_no,patient,doctor,date,time,minutes,status,reason,booked_at\r\n"));
    let log = a.json("admin", &["audit", "log", "--limit", "50", "--json"]);
    let actions: Vec<&str> = log.as_array().expect("log").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"export.patients") && actions.contains(&"export.appointments"), "{actions:?}");
    front_desk_exports_nothing(&a, &appointments);
}

/// The front desk exports nothing.
fn front_desk_exports_nothing(d: &Desk, existing: &Path) {
    d.ok("admin", &["staff", "add", "priya", "--name", "Priya", "--role", "front-desk"]);
    let out = existing.with_file_name("front-desk.csv");
    let refused = d.run("priya", &["export", "csv", "patients", "--out", &out.display().to_string()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(!out.exists());
}

#[test]
fn appointments_come_in_after_their_patients_once_and_a_clash_changes_nothing() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["import", "patients", &fixture("his_patients.csv")]);
    d.ok("admin", &["staff", "add", "dr.kulkarni", "--name", "Dr Kulkarni", "--role", "clinician"]);
    let file = fixture("his_appointments.csv");
    let first = d.json("admin", &["import", "appointments", &file, "--json"]);
    assert_eq!((first["created"].as_u64(), first["date_format"].as_str()), (Some(4), Some("DD/MM/YYYY")), "{first}");
    let again = d.json("admin", &["import", "appointments", &file, "--json"]);
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(4)), "{again}");
    let missed = d.json("admin", &["appt", "list", "--date", "2025-08-15", "--json"]);
    assert_eq!(missed.as_array().map(Vec::len), Some(1));
    assert_eq!(missed[0]["status"], "no-show");
    let afternoon = d.json("admin", &["appt", "list", "--date", "2025-08-16", "--json"]);
    assert_eq!(afternoon[0]["status"], "cancelled");

    // Broken rows: an unknown record number, an unknown doctor, a clash with an earlier row, a
    // time that is none; the good row is not written either.
    let out = d.run("admin", &["import", "appointments", &fixture("his_appointments_broken.csv"), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let lines = refused_rows(&report);
    assert_eq!(
        lines,
        vec![(3, "UHID"), (4, "Doctor Name"), (5, "Appointment Time"), (6, "Appointment Time")],
        "{report}"
    );
    let day = d.json("admin", &["appt", "list", "--date", "2030-12-21", "--json"]);
    assert_eq!(day.as_array().map(Vec::len), Some(0), "nothing of a refused file is written");
    let log = d.json("admin", &["audit", "log", "--limit", "50", "--json"]);
    let imports = log.as_array().expect("log").iter().filter(|e| e["action"] == "import.appointments").count();
    assert_eq!(imports, 2);
}

#[test]
fn a_second_import_updates_the_columns_it_has_and_keeps_what_the_desk_added() {
    let d = Desk::new();
    d.init();
    let his = fixture("his_patients.csv");
    d.ok("admin", &["import", "patients", &his]);
    // At the desk: an email (the file has no email column) and a tag.
    d.ok("admin", &["patient", "edit", "UH-20002", "--email", "lakshmi@example.org", "--tag", "asthma"]);
    // The HIS exports again: Lakshmi moved to Nashik and now takes texts.
    let text = std::fs::read_to_string(&his).expect("fixture");
    assert!(text.contains(";Pune;411004;;N"), "the fixture row this test changes");
    let moved = d.dir().join("his_again.csv");
    std::fs::write(&moved, text.replace(";Pune;411004;;N", ";Nashik;422001;;Y")).expect("write");
    let again = d.json("admin", &["import", "patients", &moved.display().to_string(), "--json"]);
    assert_eq!(
        (again["updated"].as_u64(), again["unchanged"].as_u64(), again["created"].as_u64()),
        (Some(1), Some(5), Some(0)),
        "{again}"
    );
    let lakshmi = d.json("admin", &["patient", "show", "UH-20002", "--json"]);
    assert_eq!((lakshmi["city"].as_str(), lakshmi["consent"]["sms"].as_bool()), (Some("Nashik"), Some(true)));
    assert_eq!(lakshmi["email"], "lakshmi@example.org", "a column the file lacks is kept");
    assert_eq!(lakshmi["conditions"], serde_json::json!(["asthma"]));
}

#[test]
fn the_duplicate_queue_pairs_look_alikes_by_band_for_managers_only() {
    let d = Desk::new();
    d.init();
    let add = |given: &str, family: &str, birth: &str, phone: &str| {
        let args = ["patient", "add", "--given", given, "--family", family, "--birth-date", birth, "--phone", phone];
        d.ok("admin", &args).trim().to_owned()
    };
    let priya = add("Priya", "Sharma", "1988-04-12", "+91 98450 12345");
    let again = add("Priyaa", "Sharma", "1988-04-12", "098450 12345");
    let arjun = add("Arjun", "Mehta", "1990-01-15", "9000000001");
    let swapped = add("Mehta", "Arjun", "1990-01-15", "9111111111");
    // A daughter on her mother's phone, and a stranger: neither is anyone's duplicate.
    let daughter = add("Anu", "Sharma", "2012-06-30", "+91 98450 12345");
    let stranger = add("Kavya", "Iyer", "2001-08-08", "9222222222");

    let pairs = d.json("admin", &["duplicates", "list", "--json"]);
    let pairs = pairs.as_array().expect("a list");
    let pair_of = |x: &str, y: &str| {
        pairs.iter().find(|p| {
            let (a, b) = (p["a"].as_str(), p["b"].as_str());
            (a == Some(x) && b == Some(y)) || (a == Some(y) && b == Some(x))
        })
    };
    let typo = pair_of(&priya, &again).expect("the typo pair");
    assert_eq!(typo["band"], "certain");
    assert_eq!(typo["reasons"], serde_json::json!(["similar_name", "same_birth_date", "same_phone"]));
    assert!(typo["score"].as_i64() > pair_of(&arjun, &swapped).expect("swapped names")["score"].as_i64());
    assert_eq!(pairs.len(), 2, "nobody else: {pairs:#?}");
    for lone in [&daughter, &stranger] {
        assert!(pairs.iter().all(|p| p["a"] != lone.as_str() && p["b"] != lone.as_str()));
    }

    let certain = d.json("admin", &["duplicates", "list", "--band", "certain", "--json"]);
    assert_eq!(certain.as_array().map(Vec::len), Some(1));
    let text = d.ok("admin", &["duplicates", "list"]);
    assert!(text.contains("certain") && text.contains("Priyaa Sharma"), "{text}");

    // Merged: the pair leaves the queue, the kept record takes the typo's phone, and the
    // merge id undoes it.
    let merge = d.json("admin", &["patient", "merge", &priya, &again, "--take", "given=keep", "--json"]);
    let merge_id = merge["id"].as_str().expect("merge id").to_owned();
    assert_eq!(merge["changes"]["given"], serde_json::Value::Null, "the kept name stays: {merge}");
    let left = d.json("admin", &["duplicates", "list", "--json"]);
    assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
    let shown = d.json("admin", &["patient", "show", &again, "--json"]);
    assert_eq!(shown["id"], priya.as_str(), "the merged-away record shows as the kept one");
    let refused = d.run("admin", &["patient", "merge", &priya, &again]);
    assert_eq!(refused.status.code(), Some(1), "merged already");
    assert!(stderr(&refused).contains("merged into another already"), "{}", stderr(&refused));
    d.ok("admin", &["patient", "unmerge", &merge_id]);
    assert_eq!(d.json("admin", &["duplicates", "list", "--json"]).as_array().map(Vec::len), Some(2));
    let bad_take = d.run("admin", &["patient", "merge", &priya, &again, "--take", "record_no=other"]);
    assert_eq!(bad_take.status.code(), Some(1));

    let bad = d.run("admin", &["duplicates", "list", "--band", "maybe"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("possible, probable, certain"), "{}", stderr(&bad));
    d.ok("admin", &["staff", "add", "ravi", "--name", "Ravi", "--role", "front-desk"]);
    let refused = d.run("ravi", &["duplicates", "list"]);
    assert_eq!(refused.status.code(), Some(1), "the front desk does not review duplicates");
}

#[test]
fn a_fhir_bundle_goes_out_and_comes_into_another_desk_once() {
    let d = Desk::new();
    d.init();
    let id = d.ok("admin", &["patient", "add", "--given", "Asha", "--family", "Rao", "--birth-date", "1975-02-03"]);
    d.ok("admin", &["pointer", "add", id.trim(), "--kind", "travel", "--text", "Back from Goa"]);
    let out = d.dir().join("bundle.json");
    let path = out.display().to_string();
    let said = d.run("admin", &["export", "fhir", "--out", &path]);
    assert!(said.status.success(), "{}", stderr(&said));
    assert!(stderr(&said).contains("not encrypted"));
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("bundle")).expect("json");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(d.run("admin", &["export", "fhir", "--out", &path]).status.code(), Some(1), "never over a file");
    let one = d.dir().join("one.json");
    d.ok("admin", &["export", "fhir", "--out", &one.display().to_string(), "--patient", id.trim()]);

    let other = Desk::new();
    other.init();
    let dry = other.json("admin", &["import", "fhir", &path, "--dry-run", "--json"]);
    assert_eq!((dry["created"].as_u64(), dry["written"].as_bool()), (Some(1), Some(false)), "{dry}");
    assert_eq!(other.json("admin", &["patient", "search", "Rao", "--json"]).as_array().map(Vec::len), Some(0));
    let done = other.json("admin", &["import", "fhir", &path, "--json"]);
    assert_eq!((done["created"].as_u64(), done["pointers"].as_u64()), (Some(1), Some(1)), "{done}");
    let again = other.json("admin", &["import", "fhir", &path, "--json"]);
    assert_eq!((again["created"].as_u64(), again["pointers"].as_u64()), (Some(0), Some(0)), "{again}");
    let card = other.json("admin", &["patient", "show", id.trim(), "--json"]);
    assert_eq!(card["family"], "Rao", "the same id on the other desk: {card}");

    let broken = other.dir().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"x"}}]}"#,
    )
    .expect("write");
    let refused = other.run("admin", &["import", "fhir", &broken.display().to_string(), "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&refused.stdout).expect("json");
    assert_eq!(report["refused"][0]["position"], "entry[0] Patient", "{report}");
}

#[test]
fn staff_are_reset_given_roles_and_deactivated_from_the_command_line() {
    let d = Desk::new();
    d.init();
    d.ok("admin", &["staff", "add", "meera", "--name", "Meera", "--role", "front-desk"]);
    // An admin resets Meera's password to a temporary one; she must change it before anything.
    let reset = d.cmd("admin", &["staff", "reset", "meera"]).env("RAPPORT_NEW_PASSWORD", "temporary-pass-9").output();
    assert!(reset.expect("run").status.success());
    let as_meera = |args: &[&str], password: &str, new: &str| {
        d.cmd("meera", args).env("RAPPORT_PASSWORD", password).env("RAPPORT_NEW_PASSWORD", new).output().expect("run")
    };
    let blocked = as_meera(&["patient", "search", "anyone"], "temporary-pass-9", "");
    assert_eq!(blocked.status.code(), Some(2));
    assert!(stderr(&blocked).contains("rapport staff password"), "{}", stderr(&blocked));
    let changed = as_meera(&["staff", "password"], "temporary-pass-9", "chosen-by-her-77");
    assert!(changed.status.success(), "{}", stderr(&changed));
    assert!(as_meera(&["patient", "search", "anyone"], "chosen-by-her-77", "").status.success());

    d.ok("admin", &["staff", "role", "meera", "--role", "clinician"]);
    let listed = d.json("admin", &["staff", "list", "--json"]);
    let meera = listed.as_array().expect("list").iter().find(|s| s["login"] == "meera").cloned().expect("meera");
    assert_eq!(meera["role"], "clinician");
    d.ok("admin", &["staff", "deactivate", "meera"]);
    let refused = as_meera(&["patient", "search", "anyone"], "chosen-by-her-77", "");
    assert_eq!(refused.status.code(), Some(2), "a deactivated account cannot log in");
    d.ok("admin", &["staff", "reactivate", "meera"]);
    assert!(as_meera(&["patient", "search", "anyone"], "chosen-by-her-77", "").status.success());
    // Nobody manages their own account here.
    assert_eq!(d.run("admin", &["staff", "deactivate", "admin"]).status.code(), Some(1));
}
