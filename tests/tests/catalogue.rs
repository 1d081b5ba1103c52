//! The front desk's words (`ui/locales/<language>/*.ftl`, read by `ui/src/i18n.rs`): every file
//! parses, English and Hindi hold the same messages, every message the code asks for exists and
//! every message is asked for, and no text a person reads is left in the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_bundle::FluentResource;
use rapport_model::calls::CallOutcome;
use rapport_model::outreach::{MessageKind, MessageStatus};
use rapport_model::reports::Report;
use rapport_model::{AppointmentStatus, PointerKind, Role, Says};

const LANGUAGES: [&str; 2] = ["en", "hi"];

/// Messages named at run time from one of the model's words (`i18n.rs`, `format.rs`), or from
/// what a refusal says (`refusal-`, [`Says`]) and the field it names (`field-`).
const FAMILIES: &[&str] = &[
    "status-",
    "role-",
    "pointer-kind-",
    "message-kind-",
    "message-status-",
    "outcome-",
    "report-",
    "channel-",
    "weekday-",
    "month-short-",
    "likeness-",
    "refusal-",
    "field-",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_owned()
}

/// Each file of a language's catalogue: its name and its messages' ids, in order.
fn catalogue(language: &str) -> BTreeMap<String, Vec<String>> {
    let dir = root().join("ui/locales").join(language);
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("catalogue folder") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        if let Err((_, errors)) = FluentResource::try_new(text.clone()) {
            panic!("{} does not parse: {errors:?}", path.display());
        }
        let ids = text
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect();
        files.insert(path.file_name().expect("name").to_string_lossy().into_owned(), unique_ids(ids, &path));
    }
    files
}

fn unique_ids(ids: Vec<String>, path: &Path) -> Vec<String> {
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{} names a message twice", path.display());
    ids
}

/// The Rust files under `dir` (relative to the workspace), with their text.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.clone(), std::fs::read_to_string(&path).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), &mut out);
    out
}

fn ui_sources() -> Vec<(PathBuf, String)> {
    sources("ui/src")
}

/// The fields the model's and the core's checks name in a refusal (`check("given name", …)`,
/// `TooMany("attendants")`), which the window words through `field-<name>` (tests left out).
fn refused_fields() -> BTreeSet<String> {
    const CALLS: [&str; 4] = ["check(\"", "check_phone(\"", "check_attendant(\"", "TooMany(\""];
    let mut fields = BTreeSet::new();
    for (_, text) in sources("crates/rapport-model/src").into_iter().chain(sources("crates/rapport-core/src")) {
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for call in CALLS {
            for (i, _) in code.match_indices(call) {
                let field = code[i + call.len()..].split('"').next().unwrap_or_default();
                fields.insert(field.to_owned());
            }
        }
    }
    fields
}

/// The ids in `t!("…"` and `tr("…"` calls (comments left out).
fn asked_for(text: &str) -> Vec<String> {
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).flat_map(|l| [l, "\n"]).collect();
    let text = code.as_str();
    let mut ids = Vec::new();
    for marker in ["t!(", "tr("] {
        for (i, _) in text.match_indices(marker) {
            // `format!(` ends in `t!(` too.
            if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            // rustfmt may put the id on the next line.
            let Some(rest) = text[i + marker.len()..].trim_start().strip_prefix('"') else { continue };
            if let Some(end) = rest.find('"') {
                ids.push(rest[..end].to_owned());
            }
        }
    }
    ids
}

#[test]
fn english_and_hindi_hold_the_same_messages_and_every_file_parses() {
    let english = catalogue("en");
    assert!(english.len() >= 5, "the catalogue has its files: {:?}", english.keys());
    for language in &LANGUAGES[1..] {
        let other = catalogue(language);
        assert_eq!(english.keys().collect::<Vec<_>>(), other.keys().collect::<Vec<_>>(), "{language}: the same files");
        for (file, ids) in &english {
            let theirs: BTreeSet<&String> = other[file].iter().collect();
            let ours: BTreeSet<&String> = ids.iter().collect();
            let missing: Vec<_> = ours.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&ours).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{language}/{file}: missing {missing:?}, extra {extra:?}");
        }
    }
    let all: Vec<&String> = english.values().flatten().collect();
    let unique: BTreeSet<&&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a message id is used by two files");
}

#[test]
fn every_message_asked_for_exists_and_every_message_is_asked_for() {
    let english: BTreeSet<String> = catalogue("en").into_values().flatten().collect();
    let mut asked = BTreeSet::new();
    for (path, text) in ui_sources() {
        for id in asked_for(&text) {
            assert!(english.contains(&id), "{} asks for `{id}`, which the catalogue lacks", path.display());
            asked.insert(id);
        }
    }
    // The model's words, each one.
    let words: Vec<String> = AppointmentStatus::ALL
        .iter()
        .map(|s| format!("status-{}", s.as_str()))
        .chain(Role::ALL.iter().map(|r| format!("role-{}", r.as_str())))
        .chain(PointerKind::ALL.iter().map(|k| format!("pointer-kind-{}", k.as_str())))
        .chain(MessageKind::ALL.iter().map(|k| format!("message-kind-{}", k.as_str())))
        .chain(MessageStatus::ALL.iter().map(|s| format!("message-status-{}", s.as_str())))
        .chain(CallOutcome::ALL.iter().map(|o| format!("outcome-{}", o.as_str())))
        .chain(Report::ALL.iter().map(|r| format!("report-{}", r.as_str())))
        .chain(["sms", "email", "phone"].iter().map(|c| format!("channel-{c}")))
        .chain((0..7).flat_map(|d| [format!("weekday-{d}"), format!("weekday-short-{d}")]))
        .chain((1..=12).map(|m| format!("month-short-{m}")))
        .chain(Says::ALL.iter().filter(|s| **s != Says::Other).map(|s| format!("refusal-{}", s.as_str())))
        .chain(refused_fields().iter().map(|f| format!("field-{}", f.replace(' ', "-"))))
        .collect();
    for id in &words {
        assert!(english.contains(id), "the catalogue lacks `{id}`");
    }
    let unused: Vec<&String> =
        english.iter().filter(|id| !asked.contains(*id) && !FAMILIES.iter().any(|f| id.starts_with(f))).collect();
    assert!(unused.is_empty(), "messages nothing asks for: {unused:?}");
}

/// Text in `html!` (`{"…"}`) or in an attribute a person reads (`title`, `aria-label`,
/// `placeholder`, `alt`), with a word in it, belongs in the catalogue. Kept in code: the brand,
/// keyboard keys (`Alt+I`), format codes in capitals (`DD/MM/YYYY`) and example values.
#[test]
fn no_text_a_person_reads_is_left_in_the_ui_code() {
    const KEPT: &[&str] = &["Rapport", "Asia/Kolkata", "en", "-----BEGIN CERTIFICATE-----"];
    let kept = |literal: &str| {
        KEPT.contains(&literal)
            || literal.starts_with("Alt+")
            || literal.starts_with("Ctrl+")
            || !literal.chars().any(|c| c.is_ascii_lowercase())
    };
    let mut found = Vec::new();
    for (path, text) in ui_sources() {
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for marker in ["{\"", "title=\"", "aria-label=\"", "placeholder=\"", "alt=\""] {
                for (i, _) in line.match_indices(marker) {
                    let rest = &line[i + marker.len()..];
                    let literal = rest.split('"').next().unwrap_or_default();
                    let wordy =
                        literal.as_bytes().windows(2).any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic());
                    if wordy && !kept(literal) {
                        found.push(format!("{}:{}: {literal:?}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "text left in the code:\n{}", found.join("\n"));
}
