//! The master patient file: who the patient is, how to reach them, what they need.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PatientId, StaffId};

/// "Given Family", or whichever of the two a patient has: how every screen writes a name.
pub fn full_name(given: &str, family: &str) -> String {
    match (given.is_empty(), family.is_empty()) {
        (false, false) => format!("{given} {family}"),
        (true, _) => family.to_owned(),
        (_, true) => given.to_owned(),
    }
}

/// A patient as the front desk knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub id: PatientId,
    /// The clinic's human-readable record number (e.g. `KX4P-1042`), unique on this device.
    pub record_no: String,
    pub given: String,
    pub family: String,
    /// What the patient likes to be called.
    pub preferred: Option<String>,
    /// How to say their name ("SHAH-nuh").
    pub pronunciation: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// About when the patient was born, when only their age is known (a clinic's old records
    /// often have an age and no date); never set beside a birth date.
    #[serde(default)]
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub gender: Option<String>,
    pub language: Option<String>,
    /// Phone numbers as entered; the first is the one to call.
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub area: Option<String>,
    pub consent: Consent,
    pub referral_source: Option<String>,
    pub referring_doctor: Option<String>,
    /// The doctor who usually sees this patient (continuity of care).
    pub usual_doctor: Option<StaffId>,
    pub practical_needs: Vec<PracticalNeed>,
    /// Condition tags such as `diabetes`, used for recalls and targeted messages.
    pub conditions: Vec<String>,
    pub attendants: Vec<Attendant>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the clinic last opened, booked or checked in this patient.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// A manager restricted the record (a colleague, a public figure, a patient who asked): it
    /// opens only with a stated reason, loudly audited.
    #[serde(default)]
    pub restricted: bool,
}

impl Patient {
    /// The name to greet the patient by: the preferred name if they gave one.
    pub fn greeting_name(&self) -> &str {
        self.preferred.as_deref().filter(|p| !p.trim().is_empty()).unwrap_or(&self.given)
    }

    /// "Given Family".
    pub fn full_name(&self) -> String {
        full_name(&self.given, &self.family)
    }

    /// Age in whole years on `today`: from the birth date, or about it from the birth year
    /// ([`Self::age_is_approximate`]).
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        age_from(self.birth_date, self.birth_year, today)
    }

    /// Is the age known only from a birth year?
    pub fn age_is_approximate(&self) -> bool {
        self.birth_date.is_none() && self.birth_year.is_some()
    }

    pub fn primary_phone(&self) -> Option<&str> {
        self.phones.first().map(String::as_str)
    }
}

/// Age on `today` from a birth date, or else about it from a birth year (the age the patient
/// turns this year).
pub fn age_from(birth_date: Option<NaiveDate>, birth_year: Option<i32>, today: NaiveDate) -> Option<u32> {
    match (birth_date, birth_year) {
        (Some(b), _) => age_between(b, today),
        (None, Some(y)) => u32::try_from(today.year() - y).ok(),
        (None, None) => None,
    }
}

/// The earliest birth date or year a record may hold.
pub const FIRST_BIRTH_YEAR: i32 = 1880;

/// Whole years from `birth` to `today`; `None` when `today` is before `birth`.
pub fn age_between(birth: NaiveDate, today: NaiveDate) -> Option<u32> {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// How the patient agreed to be contacted. Nothing recorded means no consent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Consent {
    pub sms: bool,
    pub email: bool,
    pub phone: bool,
    /// Opted out of everything that is not about their own care (greetings, campaigns).
    pub opted_out: bool,
    pub quiet_hours: Option<QuietHours>,
}

impl Consent {
    /// May the clinic use `channel` for a message at local time `at`?
    pub fn allows(&self, channel: Channel, at: NaiveTime, promotional: bool) -> bool {
        if promotional && self.opted_out {
            return false;
        }
        if self.quiet_hours.is_some_and(|q| q.contains(at)) {
            return false;
        }
        match channel {
            Channel::Sms => self.sms,
            Channel::Email => self.email,
            Channel::Phone => self.phone,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
    Phone,
}

/// A daily window in which the patient must not be contacted; may wrap past midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end { self.start <= t && t < self.end } else { t >= self.start || t < self.end }
    }
}

/// Something the clinic should arrange before the patient arrives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum PracticalNeed {
    Wheelchair,
    HearingImpaired,
    VisionImpaired,
    /// Needs an interpreter, for the language named.
    Interpreter(String),
    PrefersEarlySlots,
    PrefersLateSlots,
    Other(String),
}

impl PracticalNeed {
    /// A short label for a badge.
    pub fn label(&self) -> String {
        match self {
            Self::Wheelchair => "Wheelchair".to_owned(),
            Self::HearingImpaired => "Hearing".to_owned(),
            Self::VisionImpaired => "Vision".to_owned(),
            Self::Interpreter(lang) => format!("Interpreter: {lang}"),
            Self::PrefersEarlySlots => "Prefers early slots".to_owned(),
            Self::PrefersLateSlots => "Prefers late slots".to_owned(),
            Self::Other(text) => text.clone(),
        }
    }
}

/// A caregiver, attendant or family member who comes with or speaks for the patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendant {
    pub name: String,
    pub relation: String,
    pub phone: Option<String>,
}

/// What registration asks for; everything else can be added later.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPatient {
    pub given: String,
    pub family: String,
    pub preferred: Option<String>,
    pub pronunciation: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// When only the age is known (see [`Patient::birth_year`]).
    #[serde(default)]
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub gender: Option<String>,
    pub language: Option<String>,
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub area: Option<String>,
    pub consent: Consent,
    pub referral_source: Option<String>,
    pub referring_doctor: Option<String>,
    pub usual_doctor: Option<StaffId>,
    pub practical_needs: Vec<PracticalNeed>,
    pub conditions: Vec<String>,
    pub attendants: Vec<Attendant>,
}

/// Why a patient record was refused. Messages name the field, never its value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatientError {
    #[error("a patient needs a given or a family name")]
    NameMissing,
    #[error("the birth date is in the future")]
    BirthDateInFuture,
    #[error("the birth date is before 1880")]
    BirthDateTooOld,
    #[error("the birth year is not between 1880 and this year")]
    BirthYearOutOfRange,
    #[error("a phone number needs 3 to 15 digits")]
    PhoneTooShort,
    #[error("{0} is too long (at most {1} characters)")]
    TooLong(&'static str, usize),
    #[error("at most {max} {0}", max = crate::schema::MAX_LIST)]
    TooMany(&'static str),
    #[error(transparent)]
    Text(crate::text::TextError),
}

impl From<crate::text::TextError> for PatientError {
    fn from(e: crate::text::TextError) -> Self {
        match e {
            crate::text::TextError::TooLong(f, n) => Self::TooLong(f, n),
            crate::text::TextError::NoDigits(_) => Self::PhoneTooShort,
            other => Self::Text(other),
        }
    }
}

use crate::schema::MAX_NAME;
use crate::text::TextRule;

impl NewPatient {
    /// Trims names and checks the record against `today`.
    pub fn validated(mut self, today: NaiveDate) -> Result<Self, PatientError> {
        self.given = self.given.trim().to_owned();
        self.family = self.family.trim().to_owned();
        self.preferred = trimmed(self.preferred);
        validate_names(&self.given, &self.family, self.preferred.as_deref())?;
        self.birth_year = validate_birth(self.birth_date, self.birth_year, today)?;
        self.phones = validate_phones(self.phones)?;
        validate_details(&Details {
            pronunciation: self.pronunciation.as_deref(),
            email: self.email.as_deref(),
            address: self.address.as_deref(),
            city: self.city.as_deref(),
            area: self.area.as_deref(),
            language: self.language.as_deref(),
            referral_source: self.referral_source.as_deref(),
            referring_doctor: self.referring_doctor.as_deref(),
            conditions: &self.conditions,
            attendants: &self.attendants,
        })?;
        Ok(self)
    }

    /// The stored record, once the store has assigned id, record number and time.
    pub fn into_patient(self, id: PatientId, record_no: String, now: DateTime<Utc>) -> Patient {
        Patient {
            id,
            record_no,
            given: self.given,
            family: self.family,
            preferred: self.preferred,
            pronunciation: self.pronunciation,
            birth_date: self.birth_date,
            birth_year: self.birth_year,
            sex: self.sex,
            gender: self.gender,
            language: self.language,
            phones: self.phones,
            email: self.email,
            address: self.address,
            city: self.city,
            area: self.area,
            consent: self.consent,
            referral_source: self.referral_source,
            referring_doctor: self.referring_doctor,
            usual_doctor: self.usual_doctor,
            practical_needs: self.practical_needs,
            conditions: self.conditions,
            attendants: self.attendants,
            created_at: now,
            updated_at: now,
            last_seen_at: None,
            restricted: false,
        }
    }
}

/// A change to some fields of a patient; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatientEdit {
    pub given: Option<String>,
    pub family: Option<String>,
    /// `Some(None)` clears the preferred name.
    pub preferred: Option<Option<String>>,
    pub pronunciation: Option<Option<String>>,
    pub birth_date: Option<Option<NaiveDate>>,
    /// An approximate birth year (a birth date, once known, replaces it).
    pub birth_year: Option<Option<i32>>,
    /// Replaces the primary (first) phone number.
    pub primary_phone: Option<String>,
    /// Replaces every phone number (the first is the one to call); before `primary_phone`.
    pub phones: Option<Vec<String>>,
    pub sex: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub area: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub consent: Option<Consent>,
    pub usual_doctor: Option<Option<StaffId>>,
    pub referral_source: Option<Option<String>>,
    pub referring_doctor: Option<Option<String>>,
    pub practical_needs: Option<Vec<PracticalNeed>>,
    pub conditions: Option<Vec<String>>,
    pub attendants: Option<Vec<Attendant>>,
    /// Turn one channel's consent on or off, keeping the rest (after `consent`, if both).
    pub sms_consent: Option<bool>,
    pub email_consent: Option<bool>,
    pub phone_consent: Option<bool>,
    /// Condition tags to add and to remove (after `conditions`, if both); compared without
    /// case, so "Diabetes" is not added twice.
    pub add_conditions: Vec<String>,
    pub remove_conditions: Vec<String>,
}

impl PatientEdit {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The edit that makes `before` into `after`: only the fields that differ, so a form sends
    /// what its user changed and not a stale copy of what another desk changed meanwhile.
    pub fn between(before: &Patient, after: &Patient) -> Self {
        fn changed<T: PartialEq + Clone>(a: &T, b: &T) -> Option<T> {
            (a != b).then(|| b.clone())
        }
        Self {
            given: changed(&before.given, &after.given),
            family: changed(&before.family, &after.family),
            preferred: changed(&before.preferred, &after.preferred),
            pronunciation: changed(&before.pronunciation, &after.pronunciation),
            birth_date: changed(&before.birth_date, &after.birth_date),
            birth_year: changed(&before.birth_year, &after.birth_year),
            phones: changed(&before.phones, &after.phones),
            sex: changed(&before.sex, &after.sex),
            email: changed(&before.email, &after.email),
            address: changed(&before.address, &after.address),
            city: changed(&before.city, &after.city),
            area: changed(&before.area, &after.area),
            language: changed(&before.language, &after.language),
            consent: changed(&before.consent, &after.consent),
            usual_doctor: changed(&before.usual_doctor, &after.usual_doctor),
            referral_source: changed(&before.referral_source, &after.referral_source),
            referring_doctor: changed(&before.referring_doctor, &after.referring_doctor),
            practical_needs: changed(&before.practical_needs, &after.practical_needs),
            conditions: changed(&before.conditions, &after.conditions),
            attendants: changed(&before.attendants, &after.attendants),
            ..Self::default()
        }
    }

    /// Applies the edit to `patient`, checking the result as registration would.
    pub fn apply(self, patient: &mut Patient, today: NaiveDate, now: DateTime<Utc>) -> Result<(), PatientError> {
        let mut p = patient.clone();
        if let Some(v) = self.given {
            p.given = v.trim().to_owned();
        }
        if let Some(v) = self.family {
            p.family = v.trim().to_owned();
        }
        if let Some(v) = self.preferred {
            p.preferred = trimmed(v);
        }
        if let Some(v) = self.pronunciation {
            p.pronunciation = trimmed(v);
        }
        if let Some(v) = self.birth_year {
            p.birth_year = v;
        }
        if let Some(v) = self.birth_date {
            p.birth_date = v;
        }
        if let Some(v) = self.phones {
            p.phones = v;
        }
        if let Some(v) = self.sex {
            p.sex = trimmed(v);
        }
        if let Some(v) = self.address {
            p.address = trimmed(v);
        }
        if let Some(v) = self.referral_source {
            p.referral_source = trimmed(v);
        }
        if let Some(v) = self.referring_doctor {
            p.referring_doctor = trimmed(v);
        }
        if let Some(v) = self.primary_phone {
            let v = v.trim().to_owned();
            match (p.phones.is_empty(), v.is_empty()) {
                (_, true) if !p.phones.is_empty() => {
                    p.phones.remove(0);
                }
                (_, true) => {}
                (true, false) => p.phones.push(v),
                (false, false) => p.phones[0] = v,
            }
        }
        if let Some(v) = self.email {
            p.email = trimmed(v);
        }
        if let Some(v) = self.city {
            p.city = trimmed(v);
        }
        if let Some(v) = self.area {
            p.area = trimmed(v);
        }
        if let Some(v) = self.language {
            p.language = trimmed(v);
        }
        if let Some(v) = self.consent {
            p.consent = v;
        }
        if let Some(v) = self.usual_doctor {
            p.usual_doctor = v;
        }
        if let Some(v) = self.practical_needs {
            p.practical_needs = v;
        }
        if let Some(v) = self.conditions {
            p.conditions = v;
        }
        p.consent.sms = self.sms_consent.unwrap_or(p.consent.sms);
        p.consent.email = self.email_consent.unwrap_or(p.consent.email);
        p.consent.phone = self.phone_consent.unwrap_or(p.consent.phone);
        let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
        p.conditions.retain(|c| !self.remove_conditions.iter().any(|r| same(c, r)));
        for tag in self.add_conditions.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if !p.conditions.iter().any(|c| same(c, tag)) {
                p.conditions.push(tag.to_owned());
            }
        }
        if let Some(v) = self.attendants {
            p.attendants = v;
        }
        validate_names(&p.given, &p.family, p.preferred.as_deref())?;
        p.birth_year = validate_birth(p.birth_date, p.birth_year, today)?;
        p.phones = validate_phones(p.phones)?;
        validate_details(&Details {
            pronunciation: p.pronunciation.as_deref(),
            email: p.email.as_deref(),
            address: p.address.as_deref(),
            city: p.city.as_deref(),
            area: p.area.as_deref(),
            language: p.language.as_deref(),
            referral_source: p.referral_source.as_deref(),
            referring_doctor: p.referring_doctor.as_deref(),
            conditions: &p.conditions,
            attendants: &p.attendants,
        })?;
        p.updated_at = now;
        *patient = p;
        Ok(())
    }
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn validate_names(given: &str, family: &str, preferred: Option<&str>) -> Result<(), PatientError> {
    if given.is_empty() && family.is_empty() {
        return Err(PatientError::NameMissing);
    }
    let check = |field, value| crate::text::check(field, value, TextRule::Name, MAX_NAME);
    check("given name", given)?;
    check("family name", family)?;
    check("preferred name", preferred.unwrap_or(""))?;
    Ok(())
}

/// Checks a birth date and an approximate birth year against `today`; the year kept (none once
/// the date is known).
fn validate_birth(birth: Option<NaiveDate>, year: Option<i32>, today: NaiveDate) -> Result<Option<i32>, PatientError> {
    match (birth, year) {
        (Some(b), _) if b > today => Err(PatientError::BirthDateInFuture),
        (Some(b), _) if b.year() < FIRST_BIRTH_YEAR => Err(PatientError::BirthDateTooOld),
        (Some(_), _) => Ok(None),
        (None, Some(y)) if !(FIRST_BIRTH_YEAR..=today.year()).contains(&y) => Err(PatientError::BirthYearOutOfRange),
        (None, year) => Ok(year),
    }
}

fn validate_phones(phones: Vec<String>) -> Result<Vec<String>, PatientError> {
    let phones: Vec<String> = phones.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
    if phones.len() > crate::schema::MAX_LIST {
        return Err(PatientError::TooMany("phone numbers"));
    }
    for p in &phones {
        crate::text::check_phone("phone number", p)?;
    }
    Ok(phones)
}

/// The free-text and list fields of a patient, checked as head office will check them.
struct Details<'a> {
    pronunciation: Option<&'a str>,
    email: Option<&'a str>,
    address: Option<&'a str>,
    city: Option<&'a str>,
    area: Option<&'a str>,
    language: Option<&'a str>,
    referral_source: Option<&'a str>,
    referring_doctor: Option<&'a str>,
    conditions: &'a [String],
    attendants: &'a [Attendant],
}

fn validate_details(d: &Details<'_>) -> Result<(), PatientError> {
    use crate::text::check;
    check("pronunciation", d.pronunciation.unwrap_or(""), TextRule::Line, 200)?;
    check("email", d.email.unwrap_or(""), TextRule::Line, 254)?;
    check("address", d.address.unwrap_or(""), TextRule::Lines, 500)?;
    check("city", d.city.unwrap_or(""), TextRule::Line, 100)?;
    check("area", d.area.unwrap_or(""), TextRule::Line, 100)?;
    check("language", d.language.unwrap_or(""), TextRule::Line, 40)?;
    check("referral source", d.referral_source.unwrap_or(""), TextRule::Line, 200)?;
    check("referring doctor", d.referring_doctor.unwrap_or(""), TextRule::Line, 200)?;
    if d.conditions.len() > crate::schema::MAX_LIST {
        return Err(PatientError::TooMany("condition tags"));
    }
    if d.attendants.len() > crate::schema::MAX_LIST {
        return Err(PatientError::TooMany("attendants"));
    }
    for c in d.conditions {
        check("condition tag", c, TextRule::Line, 60)?;
    }
    for a in d.attendants {
        crate::schema::check_attendant("attendant", a)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn patient(given: &str, family: &str) -> Patient {
        let new = NewPatient { given: given.into(), family: family.into(), ..NewPatient::default() };
        new.into_patient(PatientId::from_parts(1, [0; 10]), "T-1".into(), DateTime::UNIX_EPOCH)
    }

    #[test]
    fn age_counts_whole_years_and_waits_for_the_birthday() {
        assert_eq!(age_between(date("1990-06-15"), date("2026-06-14")), Some(35));
        assert_eq!(age_between(date("1990-06-15"), date("2026-06-15")), Some(36));
        assert_eq!(age_between(date("2030-01-01"), date("2026-06-15")), None);
    }

    #[test]
    fn an_age_alone_gives_an_approximate_birth_year_that_a_birth_date_replaces() {
        let today = date("2026-11-23");
        let aged = NewPatient { given: "A".into(), birth_year: Some(1984), ..NewPatient::default() };
        let mut p = aged.validated(today).expect("valid").into_patient(
            PatientId::from_parts(1, [0; 10]),
            "T-1".into(),
            DateTime::UNIX_EPOCH,
        );
        assert_eq!((p.age_on(today), p.age_is_approximate()), (Some(42), true));
        let edit = PatientEdit { birth_date: Some(Some(date("1984-12-30"))), ..PatientEdit::default() };
        edit.apply(&mut p, today, DateTime::UNIX_EPOCH).expect("dated");
        assert_eq!((p.birth_year, p.age_on(today), p.age_is_approximate()), (None, Some(41), false));
        for year in [1879, 2027] {
            let wrong = NewPatient { given: "A".into(), birth_year: Some(year), ..NewPatient::default() };
            assert_eq!(wrong.validated(today), Err(PatientError::BirthYearOutOfRange), "{year}");
        }
    }

    #[test]
    fn a_form_sends_only_what_its_user_changed_and_the_change_applies() {
        let today = date("2026-11-23");
        let before = patient("Asha", "Rao");
        let mut after = before.clone();
        after.phones = vec!["98450 12345".into(), "020 2555 1234".into()];
        after.referring_doctor = Some("Dr Kulkarni".into());
        after.consent.sms = true;
        after.attendants = vec![Attendant { name: "Ravi Rao".into(), relation: "son".into(), phone: None }];
        let edit = PatientEdit::between(&before, &after);
        assert_eq!((edit.given.as_ref(), edit.family.as_ref(), edit.email.as_ref()), (None, None, None));
        let mut applied = before.clone();
        edit.apply(&mut applied, today, DateTime::UNIX_EPOCH).expect("valid");
        applied.updated_at = after.updated_at;
        assert_eq!(applied, after);
        assert!(PatientEdit::between(&before, &before).is_empty());
        let mut long = before.clone();
        long.referral_source = Some("x".repeat(201));
        let refused = PatientEdit::between(&before, &long).apply(&mut before.clone(), today, DateTime::UNIX_EPOCH);
        assert!(refused.expect_err("too long").to_string().contains("referral source"));
    }

    #[test]
    fn a_patient_is_greeted_by_their_preferred_name() {
        let mut p = patient("Venkataraman", "Iyer");
        assert_eq!(p.greeting_name(), "Venkataraman");
        p.preferred = Some("Venky".into());
        assert_eq!(p.greeting_name(), "Venky");
    }

    #[test]
    fn registration_needs_a_name_and_a_past_birth_date() {
        let today = date("2026-11-23");
        assert_eq!(NewPatient::default().validated(today), Err(PatientError::NameMissing));
        let future = NewPatient { given: "A".into(), birth_date: Some(date("2027-01-01")), ..NewPatient::default() };
        assert_eq!(future.validated(today), Err(PatientError::BirthDateInFuture));
        let short_phone = NewPatient { given: "A".into(), phones: vec!["12".into()], ..NewPatient::default() };
        assert_eq!(short_phone.validated(today), Err(PatientError::PhoneTooShort));
        let ok = NewPatient { given: "  Asha ".into(), family: "Rao".into(), ..NewPatient::default() };
        assert_eq!(ok.validated(today).map(|p| p.given), Ok("Asha".into()));
    }

    #[test]
    fn a_name_of_zero_width_spaces_or_an_escape_sequence_is_refused() {
        let today = date("2026-11-23");
        let invisible = NewPatient { given: "\u{200B}\u{200C}".into(), ..NewPatient::default() };
        assert!(matches!(invisible.validated(today), Err(PatientError::Text(_))));
        let escape = NewPatient { given: "Asha".into(), family: "\u{1b}[31mRao".into(), ..NewPatient::default() };
        assert!(matches!(escape.validated(today), Err(PatientError::Text(_))));
        let ancient = NewPatient { given: "A".into(), birth_date: Some(date("0001-01-01")), ..NewPatient::default() };
        assert_eq!(ancient.validated(today), Err(PatientError::BirthDateTooOld));
        let long_phone = NewPatient { given: "A".into(), phones: vec!["9".repeat(40)], ..NewPatient::default() };
        assert!(long_phone.validated(today).is_err());
    }

    #[test]
    fn an_edit_that_would_break_the_record_changes_nothing() {
        let mut p = patient("Asha", "Rao");
        let before = p.clone();
        let edit = PatientEdit { given: Some(" ".into()), family: Some("".into()), ..PatientEdit::default() };
        assert_eq!(edit.apply(&mut p, date("2026-11-23"), DateTime::UNIX_EPOCH), Err(PatientError::NameMissing));
        assert_eq!(p, before);
    }

    #[test]
    fn editing_the_phone_replaces_the_primary_number() {
        let mut p = patient("Asha", "Rao");
        p.phones = vec!["111 222".into(), "333 444".into()];
        let edit = PatientEdit { primary_phone: Some("555 666".into()), ..PatientEdit::default() };
        edit.apply(&mut p, date("2026-11-23"), DateTime::UNIX_EPOCH).expect("valid");
        assert_eq!(p.phones, vec!["555 666".to_owned(), "333 444".to_owned()]);
    }

    #[test]
    fn quiet_hours_may_wrap_past_midnight_and_block_messages() {
        let night = QuietHours {
            start: NaiveTime::from_hms_opt(21, 0, 0).expect("t"),
            end: NaiveTime::from_hms_opt(8, 0, 0).expect("t"),
        };
        assert!(night.contains(NaiveTime::from_hms_opt(23, 30, 0).expect("t")));
        assert!(night.contains(NaiveTime::from_hms_opt(7, 59, 0).expect("t")));
        assert!(!night.contains(NaiveTime::from_hms_opt(12, 0, 0).expect("t")));
        let consent = Consent { sms: true, quiet_hours: Some(night), ..Consent::default() };
        assert!(consent.allows(Channel::Sms, NaiveTime::from_hms_opt(12, 0, 0).expect("t"), false));
        assert!(!consent.allows(Channel::Sms, NaiveTime::from_hms_opt(22, 0, 0).expect("t"), false));
        assert!(!consent.allows(Channel::Email, NaiveTime::from_hms_opt(12, 0, 0).expect("t"), false));
    }

    #[test]
    fn an_opt_out_stops_greetings_but_not_reminders() {
        let noon = NaiveTime::from_hms_opt(12, 0, 0).expect("t");
        let consent = Consent { sms: true, opted_out: true, ..Consent::default() };
        assert!(consent.allows(Channel::Sms, noon, false));
        assert!(!consent.allows(Channel::Sms, noon, true));
    }
}
