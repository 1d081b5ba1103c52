//! Every word the front desk shows comes from one catalogue per language, in Fluent
//! (`ui/locales/<language>/*.ftl`, one file per screen and `common.ftl` for the words several
//! share): English and Hindi. The staff member's own choice picks the language
//! ([`set_language`], from the desk state); a message missing from Hindi falls back to English,
//! and a test checks that none is missing and that no text is left in the code.
//!
//! `t!("id")` and `t!("id", name = value, …)` look a message up; the helpers below name the
//! model's words (an appointment status, a role, a pointer's kind) in the current language.

use std::cell::{Cell, RefCell};

use chrono::Weekday;
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use rapport_model::calls::{CallOutcome, CallReason};
use rapport_model::duplicates::Reason;
use rapport_model::ipc::{ErrorReply, HeadOffice, SaidArg};
use rapport_model::outreach::{MessageKind, MessageStatus};
use rapport_model::reports::Report;
use rapport_model::schedule::DayOff;
use rapport_model::staff::Language;
use rapport_model::sync::OUTBOX_STUCK_MINUTES;
use rapport_model::{AppointmentStatus, Channel, PointerKind, PracticalNeed, Role, Says};

/// The catalogue's files, in the same order for every language.
macro_rules! catalogue {
    ($lang:literal: $($file:literal),+ $(,)?) => {
        &[$(include_str!(concat!("../locales/", $lang, "/", $file, ".ftl"))),+]
    };
}

const ENGLISH: &[&str] =
    catalogue!("en": "common", "app", "desk", "schedule", "people", "manage", "records", "refusals");
const HINDI: &[&str] = catalogue!("hi": "common", "app", "desk", "schedule", "people", "manage", "records", "refusals");

thread_local! {
    static CURRENT: Cell<Language> = const { Cell::new(Language::En) };
    static BUNDLES: RefCell<Option<[FluentBundle<FluentResource>; 2]>> = const { RefCell::new(None) };
}

fn bundle(language: Language, files: &[&str]) -> FluentBundle<FluentResource> {
    let id = language.as_str().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // Fluent wraps each argument in Unicode isolation marks by default; the desk's text is
    // laid out by the webview's bidi rules already, and tests read it as typed.
    bundle.set_use_isolating(false);
    for file in files {
        // A file that does not parse still gives the messages it could read; a test checks
        // that every file parses.
        let resource = FluentResource::try_new((*file).to_owned()).unwrap_or_else(|(partial, _)| partial);
        let _ = bundle.add_resource(resource);
    }
    bundle
}

/// Shows the desk in `language` from the next render on.
pub fn set_language(language: Language) {
    CURRENT.with(|c| c.set(language));
}

pub fn language() -> Language {
    CURRENT.with(Cell::get)
}

/// The message `id` in the current language (English if Hindi lacks it, the id itself if
/// both do).
pub fn tr(id: &str, args: Option<&FluentArgs<'_>>) -> String {
    BUNDLES.with(|cell| {
        let mut cell = cell.borrow_mut();
        let bundles = cell.get_or_insert_with(|| [bundle(Language::En, ENGLISH), bundle(Language::Hi, HINDI)]);
        let order: &[usize] = if language() == Language::Hi { &[1, 0] } else { &[0] };
        for &i in order {
            let b = &bundles[i];
            if let Some(pattern) = b.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return b.format_pattern(pattern, args, &mut errors).into_owned();
            }
        }
        id.to_owned()
    })
}

/// `t!("id")`, or `t!("id", name = value, …)` with the message's arguments (text or numbers).
#[macro_export]
macro_rules! t {
    ($id:literal) => {
        $crate::i18n::tr($id, None)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = fluent_bundle::FluentArgs::new();
        $( args.set(stringify!($name), $value); )+
        $crate::i18n::tr($id, Some(&args))
    }};
}

/// What a refused command says, in the current language: the core's sentence as a catalogue
/// message (`refusal-…`) with its arguments put in words, or its English sentence when it
/// has none.
pub fn refusal(e: &ErrorReply) -> String {
    let Some(said) = e.said.as_ref().filter(|s| s.what != Says::Other) else {
        return e.message.clone();
    };
    let mut args = FluentArgs::new();
    for (name, value) in &said.args {
        match value {
            SaidArg::Number(n) => args.set(name.clone(), *n),
            SaidArg::Text(text) => args.set(name.clone(), text.clone()),
            SaidArg::Field(field) => args.set(name.clone(), field_name(field)),
            SaidArg::Day(d) => args.set(name.clone(), crate::format::day(*d)),
            SaidArg::Role(r) => args.set(name.clone(), role(*r)),
            SaidArg::Status(s) => args.set(name.clone(), status(*s)),
            SaidArg::Away(off) => args.set(name.clone(), day_off(off)),
        }
    }
    tr(&format!("refusal-{}", said.what.as_str()), Some(&args))
}

/// A field a refusal names (the model's English name, `given name`), in the current language:
/// `field-given-name`, or the name as it came if the catalogue does not have it.
fn field_name(field: &str) -> String {
    let id = format!("field-{}", field.replace(' ', "-"));
    let words = tr(&id, None);
    if words == id { field.to_owned() } else { words }
}

/// What the head-office indicator says: when the desk last synced, what waits to go up,
/// conflicts (and those from head office not applied here), and head office's sending of the
/// clinic's messages when it is late or unsure.
pub fn head_office(h: &HeadOffice) -> String {
    if !h.enrolled {
        return t!("sync-not-connected");
    }
    let when = match h.last_success {
        Some(at) => t!("sync-synced-at", time = crate::format::time(at)),
        None => t!("sync-not-synced"),
    };
    let mut parts =
        vec![if h.failing { t!("sync-unreachable", when = when) } else { t!("sync-reachable", when = when) }];
    if h.pending > 0 {
        parts.push(t!("sync-waiting", count = h.pending));
    }
    if h.conflicts > 0 {
        let mut conflicts = t!("sync-conflicts", count = h.conflicts);
        if h.quarantined > 0 {
            conflicts = t!("sync-not-applied", conflicts = conflicts, count = h.quarantined);
        }
        parts.push(conflicts);
    }
    if let Some(outbox) = h.outbox {
        if let Some(late) = outbox.late_minutes.filter(|m| *m >= OUTBOX_STUCK_MINUTES) {
            parts.push(t!("sync-messages-late", minutes = late));
        }
        if outbox.uncertain > 0 {
            parts.push(t!("sync-messages-unsure", count = outbox.uncertain));
        }
    }
    parts.join(" · ")
}

/// A message whose id is made of a kind and one of the model's words (`status-booked`).
fn word(kind: &str, word: &str) -> String {
    tr(&format!("{kind}-{word}"), None)
}

pub fn status(s: AppointmentStatus) -> String {
    word("status", s.as_str())
}

pub fn role(r: Role) -> String {
    word("role", r.as_str())
}

pub fn pointer_kind(k: PointerKind) -> String {
    word("pointer-kind", k.as_str())
}

pub fn message_kind(k: MessageKind) -> String {
    word("message-kind", k.as_str())
}

pub fn message_status(s: MessageStatus) -> String {
    word("message-status", s.as_str())
}

pub fn outcome(o: CallOutcome) -> String {
    word("outcome", o.as_str())
}

pub fn report(r: Report) -> String {
    word("report", r.as_str())
}

pub fn channel(c: Channel) -> String {
    word("channel", rapport_model::outreach::channel_word(c))
}

pub fn weekday(d: Weekday) -> String {
    word("weekday", &d.num_days_from_monday().to_string())
}

/// A practical need, as its badge shows it.
pub fn need(n: &PracticalNeed) -> String {
    match n {
        PracticalNeed::Wheelchair => t!("need-wheelchair"),
        PracticalNeed::HearingImpaired => t!("need-hearing"),
        PracticalNeed::VisionImpaired => t!("need-vision"),
        PracticalNeed::Interpreter(language) => t!("need-interpreter", language = language.as_str()),
        PracticalNeed::PrefersEarlySlots => t!("need-early"),
        PracticalNeed::PrefersLateSlots => t!("need-late"),
        PracticalNeed::Other(text) => text.clone(),
    }
}

/// Why two records look like one person.
pub fn likeness(r: Reason) -> String {
    let id = match r {
        Reason::SameName => "likeness-same-name",
        Reason::SimilarName => "likeness-similar-name",
        Reason::NamesSwapped => "likeness-names-swapped",
        Reason::SameBirthDate => "likeness-same-birth-date",
        Reason::SwappedBirthDate => "likeness-swapped-birth-date",
        Reason::SameBirthYear => "likeness-same-birth-year",
        Reason::AgeMatches => "likeness-age-matches",
        Reason::SamePhone => "likeness-same-phone",
        Reason::SameEmail => "likeness-same-email",
        Reason::SamePostcode => "likeness-same-postcode",
    };
    tr(id, None)
}

/// Why a doctor does not work on a day: "on leave (conference)".
pub fn day_off(off: &DayOff) -> String {
    match off {
        DayOff::Leave(Some(note)) => t!("day-off-leave-why", why = note.as_str()),
        DayOff::Leave(None) => t!("day-off-leave"),
        DayOff::Holiday(Some(note)) => t!("day-off-holiday-why", why = note.as_str()),
        DayOff::Holiday(None) => t!("day-off-holiday"),
        DayOff::NoHours => t!("day-off-no-hours"),
    }
}

/// Why a patient is on the call list.
pub fn call_reason(reason: CallReason) -> String {
    match reason {
        CallReason::NoShow => t!("calls-reason-no-show"),
        CallReason::FollowUp => t!("calls-reason-follow-up"),
        CallReason::Recall => t!("calls-reason-recall"),
        CallReason::Reminder => t!("calls-reason-reminder"),
        CallReason::Undelivered => t!("calls-reason-undelivered"),
        CallReason::CallBack => t!("calls-reason-call-back"),
        CallReason::CannotCome => t!("calls-reason-cannot-come"),
        CallReason::ReplyUnclear => t!("calls-reason-reply-unclear"),
    }
}
