//! Reading patients from another system's CSV export (an HIS, an EMR, a spreadsheet): the
//! text's encoding, the delimiter, which column holds what (common headers recognised, or an
//! explicit mapping), dates in a stated or provable format, full names split, and each row
//! turned into a [`NewPatient`] or refused with the column and the reason — never the value.
//! No I/O: the desk's core reads the file and writes the records.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::appointment::AppointmentStatus;
use crate::patient::{Consent, NewPatient, Patient};

crate::words::word_enum! {
    /// What a column of an import holds (the names a mapping file uses).
    pub enum Column {
        /// The source's own record number (UHID, pubpid): kept as the patient's record number,
        /// so importing the same file again updates instead of duplicating.
        RecordNo = "record_no",
        Given = "given",
        Middle = "middle",
        Family = "family",
        /// "Asha K. Rao": split into given names and a family name.
        FullName = "full_name",
        BirthDate = "birth_date",
        /// Age in years ("42", "42 Y", "35Y 4M", "6 months"), on the day of the import: kept as
        /// an approximate birth year when the row has no birth date.
        Age = "age",
        /// An approximate birth year (Rapport's own export writes it).
        BirthYear = "birth_year",
        Sex = "sex",
        /// Several columns may hold phones (home, mobile).
        Phone = "phone",
        Email = "email",
        Address = "address",
        /// A pincode or postal code, kept with the address.
        PostalCode = "postal_code",
        City = "city",
        Area = "area",
        Language = "language",
        SmsConsent = "sms_consent",
        EmailConsent = "email_consent",
        ReferralSource = "referral_source",
        ReferringDoctor = "referring_doctor",
        /// Condition tags, separated by `;` or `|`.
        Conditions = "conditions",
        /// Read and left out.
        Ignore = "ignore",
    }
}

/// Headers other systems use, lower-cased with everything but letters and digits taken out:
/// OpenEMR's `patient_data`, Indian HIS exports, and plain English.
const KNOWN_HEADERS: &[(&str, Column)] = &[
    // OpenEMR
    ("pubpid", Column::RecordNo),
    ("fname", Column::Given),
    ("mname", Column::Middle),
    ("lname", Column::Family),
    ("dob", Column::BirthDate),
    ("age", Column::Age),
    ("sex", Column::Sex),
    ("street", Column::Address),
    ("postalcode", Column::PostalCode),
    ("city", Column::City),
    ("phonehome", Column::Phone),
    ("phonecell", Column::Phone),
    ("phonebiz", Column::Phone),
    ("email", Column::Email),
    ("hipaaallowsms", Column::SmsConsent),
    ("hipaaallowemail", Column::EmailConsent),
    ("referralsource", Column::ReferralSource),
    ("language", Column::Language),
    // Indian HIS exports
    ("uhid", Column::RecordNo),
    ("uhidno", Column::RecordNo),
    ("mrno", Column::RecordNo),
    ("mrn", Column::RecordNo),
    ("patientid", Column::RecordNo),
    ("regno", Column::RecordNo),
    ("patientname", Column::FullName),
    ("name", Column::FullName),
    ("gender", Column::Sex),
    ("mobileno", Column::Phone),
    ("mobile", Column::Phone),
    ("mobilenumber", Column::Phone),
    ("contactno", Column::Phone),
    ("phone", Column::Phone),
    ("phoneno", Column::Phone),
    ("pincode", Column::PostalCode),
    ("pin", Column::PostalCode),
    ("referredby", Column::ReferringDoctor),
    ("refdoctor", Column::ReferringDoctor),
    ("smsconsent", Column::SmsConsent),
    ("emailconsent", Column::EmailConsent),
    ("emailid", Column::Email),
    ("address", Column::Address),
    ("locality", Column::Area),
    ("area", Column::Area),
    // Plain English
    ("givenname", Column::Given),
    ("firstname", Column::Given),
    ("middlename", Column::Middle),
    ("familyname", Column::Family),
    ("lastname", Column::Family),
    ("surname", Column::Family),
    ("fullname", Column::FullName),
    ("birthdate", Column::BirthDate),
    ("dateofbirth", Column::BirthDate),
    ("ageyears", Column::Age),
    ("birthyear", Column::BirthYear),
    ("yearofbirth", Column::BirthYear),
    ("postcode", Column::PostalCode),
    ("zip", Column::PostalCode),
    ("conditions", Column::Conditions),
    ("tags", Column::Conditions),
    ("referringdoctor", Column::ReferringDoctor),
];

fn header_key(header: &str) -> String {
    header.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// A kind of column an import reads: a patient's ([`Column`]) or an appointment's
/// ([`VisitColumn`]). One [`Mapping`] reads either.
pub trait Field: Copy + PartialEq + FromStr<Err = String> + std::fmt::Display + 'static {
    const ALL: &'static [Self];
    /// Read and left out.
    const IGNORE: Self;
    /// Other systems' headers, lower-cased with everything but letters and digits taken out.
    const KNOWN: &'static [(&'static str, Self)];
    /// May several columns hold it (phones)?
    fn repeats(self) -> bool {
        false
    }
    /// What a file must have a column for, said when it has not.
    fn missing(columns: &[Option<Self>]) -> Option<&'static str>;
}

impl Field for Column {
    const ALL: &'static [Self] = Self::ALL;
    const IGNORE: Self = Self::Ignore;
    const KNOWN: &'static [(&'static str, Self)] = KNOWN_HEADERS;
    fn repeats(self) -> bool {
        self == Self::Phone
    }
    fn missing(columns: &[Option<Self>]) -> Option<&'static str> {
        let names = [Self::Given, Self::Family, Self::FullName];
        (!columns.iter().flatten().any(|c| names.contains(c)))
            .then_some("no column holds the patient's name (a full name, or given and family names)")
    }
}

/// The column a header names, if it is one Rapport knows: its own words (as Rapport's export
/// writes them) or another system's.
pub fn recognise<C: Field>(header: &str) -> Option<C> {
    if let Ok(column) = header.trim().to_lowercase().replace(' ', "_").parse::<C>() {
        return (column != C::IGNORE).then_some(column);
    }
    let key = header_key(header);
    C::KNOWN.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

/// Which column of the file holds what (`None`: a column left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping<C: Field = Column> {
    pub columns: Vec<Option<C>>,
    /// The file's headers, to name a column in a refusal.
    pub headers: Vec<String>,
}

impl<C: Field> Mapping<C> {
    /// From the headers alone, or from a mapping file's `Source header = column` lines
    /// (`#` starts a comment; columns not named there are left out).
    pub fn new(headers: &[String], map_file: Option<&str>) -> Result<Self, String> {
        let columns = match map_file {
            None => headers.iter().map(|h| recognise::<C>(h)).collect(),
            Some(text) => {
                let mut columns = vec![None; headers.len()];
                for (n, line) in text.lines().enumerate() {
                    let line = line.split('#').next().unwrap_or_default().trim();
                    if line.is_empty() {
                        continue;
                    }
                    let Some((source, column)) = line.rsplit_once('=') else {
                        return Err(format!("mapping line {}: write it as `Source header = column`", n + 1));
                    };
                    let column: C = column.trim().parse().map_err(|e| format!("mapping line {}: {e}", n + 1))?;
                    let source = source.trim().trim_matches('"');
                    let Some(i) = headers.iter().position(|h| h.trim() == source) else {
                        return Err(format!("mapping line {}: the file has no column headed {source:?}", n + 1));
                    };
                    columns[i] = (column != C::IGNORE).then_some(column);
                }
                columns
            }
        };
        if let Some(missing) = C::missing(&columns) {
            return Err(format!("{missing}: give a mapping with --map"));
        }
        for unique in C::ALL.iter().filter(|c| !c.repeats() && **c != C::IGNORE) {
            if columns.iter().flatten().filter(|c| *c == unique).count() > 1 {
                return Err(format!("two columns hold {unique}: give a mapping with --map that keeps one"));
            }
        }
        Ok(Self { columns, headers: headers.to_vec() })
    }

    /// The header of the column that holds `column` (empty if none does).
    pub fn header_of(&self, column: C) -> String {
        let i = self.columns.iter().position(|c| *c == Some(column));
        i.and_then(|i| self.headers.get(i)).cloned().unwrap_or_default()
    }

    /// The headers no field takes.
    pub fn left_out(&self) -> Vec<String> {
        self.headers
            .iter()
            .zip(&self.columns)
            .filter(|(h, c)| c.is_none() && !h.trim().is_empty())
            .map(|(h, _)| h.clone())
            .collect()
    }

    /// The cell of `column` in a row ("" when the file has no such column or the row is short).
    pub fn cell<'a>(&self, cells: &[&'a str], column: C) -> &'a str {
        let i = self.columns.iter().position(|c| *c == Some(column));
        i.and_then(|i| cells.get(i)).map_or("", |c| c.trim())
    }

    /// A refusal about `column`.
    pub fn refuse(&self, column: C, reason: &str) -> RowRefusal {
        RowRefusal { column: self.header_of(column), reason: reason.to_owned() }
    }

    /// A row with more fields than the header is refused whatever it holds.
    pub fn check_width(&self, cells: &[&str]) -> Result<(), RowRefusal> {
        if cells.len() > self.headers.len() {
            return Err(RowRefusal {
                column: String::new(),
                reason: format!("the row has {} fields, the header {}", cells.len(), self.headers.len()),
            });
        }
        Ok(())
    }
}

crate::words::word_enum! {
    /// What a column of an appointments import holds (the names a mapping file uses).
    pub enum VisitColumn {
        /// The patient's record number, as the patients' import kept it.
        PatientRecordNo = "patient_record_no",
        /// The doctor's name or login at this desk.
        Doctor = "doctor",
        Date = "date",
        /// `14:30`, `14:30:00` or `2:30 PM`.
        Time = "time",
        /// 15 unless said.
        Minutes = "minutes",
        /// Booked unless said: booked, confirmed, arrived, done, no-show, cancelled, and other
        /// systems' words for them.
        Status = "status",
        Reason = "reason",
        Ignore = "ignore",
    }
}

const KNOWN_VISIT_HEADERS: &[(&str, VisitColumn)] = &[
    ("uhid", VisitColumn::PatientRecordNo),
    ("uhidno", VisitColumn::PatientRecordNo),
    ("mrno", VisitColumn::PatientRecordNo),
    ("mrn", VisitColumn::PatientRecordNo),
    ("pubpid", VisitColumn::PatientRecordNo),
    ("patientid", VisitColumn::PatientRecordNo),
    ("recordno", VisitColumn::PatientRecordNo),
    ("doctorname", VisitColumn::Doctor),
    ("consultant", VisitColumn::Doctor),
    ("provider", VisitColumn::Doctor),
    ("appointmentdate", VisitColumn::Date),
    ("visitdate", VisitColumn::Date),
    ("appointmenttime", VisitColumn::Time),
    ("slottime", VisitColumn::Time),
    ("duration", VisitColumn::Minutes),
    ("appointmentstatus", VisitColumn::Status),
    ("visittype", VisitColumn::Reason),
    ("purpose", VisitColumn::Reason),
];

impl Field for VisitColumn {
    const ALL: &'static [Self] = Self::ALL;
    const IGNORE: Self = Self::Ignore;
    const KNOWN: &'static [(&'static str, Self)] = KNOWN_VISIT_HEADERS;
    fn missing(columns: &[Option<Self>]) -> Option<&'static str> {
        let needed = [Self::PatientRecordNo, Self::Doctor, Self::Date, Self::Time];
        (!needed.iter().all(|n| columns.contains(&Some(*n)))).then_some(
            "an appointment needs columns for the patient's record number, the doctor, the date and the time",
        )
    }
}

/// A status as other systems write it (OpenEMR's one-character codes too).
pub fn visit_status(text: &str) -> Option<AppointmentStatus> {
    use AppointmentStatus as S;
    let word = text.trim().to_lowercase();
    Some(match word.as_str() {
        "" | "-" | "booked" | "scheduled" | "pending" | "open" => S::Booked,
        "confirmed" => S::Confirmed,
        "arrived" | "checked in" | "checked-in" | "@" | "~" | "waiting" => S::Arrived,
        "with doctor" | "with-doctor" | "in consultation" | "<" => S::WithDoctor,
        "done" | "completed" | "complete" | "checked out" | "checked-out" | "seen" | "visited" | ">" => S::Done,
        "no-show" | "no show" | "noshow" | "dna" | "did not attend" | "?" => S::NoShow,
        "cancelled" | "canceled" | "x" | "%" => S::Cancelled,
        _ => return None,
    })
}

fn visit_time(text: &str) -> Option<chrono::NaiveTime> {
    let t = text.trim();
    ["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I:%M:%S %p"]
        .iter()
        .find_map(|f| chrono::NaiveTime::parse_from_str(&t.to_uppercase(), f).ok())
}

/// One appointment row read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedVisit {
    pub record_no: String,
    pub doctor: String,
    /// In the clinic's time zone.
    pub starts: chrono::NaiveDateTime,
    pub minutes: u32,
    pub status: AppointmentStatus,
    pub reason: Option<String>,
}

impl Mapping<VisitColumn> {
    /// Reads one appointment row's cells.
    pub fn visit(&self, cells: &[&str], dates: DateFormat) -> Result<ImportedVisit, RowRefusal> {
        use VisitColumn as V;
        self.check_width(cells)?;
        let cell = |c| self.cell(cells, c);
        let needed = |c, what: &str| match cell(c) {
            "" => Err(self.refuse(c, &format!("no {what}"))),
            v => Ok(v),
        };
        let record_no = needed(V::PatientRecordNo, "record number")?.to_owned();
        let doctor = needed(V::Doctor, "doctor")?.to_owned();
        let date = dates
            .parse(needed(V::Date, "date")?)
            .ok_or_else(|| self.refuse(V::Date, "not a date in the file's format"))?;
        let time =
            visit_time(needed(V::Time, "time")?).ok_or_else(|| self.refuse(V::Time, "not a time (like 14:30)"))?;
        let minutes = match cell(V::Minutes) {
            "" => DEFAULT_VISIT_MINUTES,
            m => m
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=crate::schema::MAX_APPOINTMENT_MINUTES as u32).contains(m))
                .ok_or_else(|| self.refuse(V::Minutes, "not a length in minutes (1 to 480)"))?,
        };
        let status =
            visit_status(cell(V::Status)).ok_or_else(|| self.refuse(V::Status, "not a status Rapport knows"))?;
        let reason = Some(cell(V::Reason)).filter(|r| !r.is_empty()).map(str::to_owned);
        if reason.as_ref().is_some_and(|r| r.chars().count() > crate::appointment::MAX_REASON) {
            return Err(self.refuse(V::Reason, "too long"));
        }
        Ok(ImportedVisit { record_no, doctor, starts: date.and_time(time), minutes, status, reason })
    }
}

/// How long an imported appointment lasts when the file does not say.
pub const DEFAULT_VISIT_MINUTES: u32 = 15;

/// The text of a file: UTF-8 (a byte-order mark dropped), UTF-16 with its mark, or else
/// Windows-1252 (what spreadsheets on Windows save as "CSV"). Says which it read.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text, encoding.name());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), "UTF-8"),
        Err(_) => (encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0, "windows-1252"),
    }
}

/// The delimiter of a file, from its header line: the most frequent of `,`, `;`, tab and `|`.
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    [b',', b';', b'\t', b'|'].into_iter().max_by_key(|d| header.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

/// The line a record starts on (the first line is 1), from the byte offset the CSV reader
/// gives: its own line count is one short after a CRLF. Offsets must come in order.
#[derive(Debug)]
pub struct Lines<'a> {
    text: &'a str,
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text, at: 0, line: 1 }
    }

    pub fn of(&mut self, byte: u64) -> u64 {
        let bytes = self.text.as_bytes();
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        // A record starts after the line break the reader stopped at.
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.at {
            // A line ends at `\n`, `\r\n` or a lone `\r` (as the CSV reader ends records).
            let chunk = &bytes[self.at..start];
            let breaks = chunk
                .iter()
                .enumerate()
                .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && chunk.get(i + 1) != Some(&b'\n')))
                .count();
            self.line += breaks as u64;
            self.at = start;
        }
        self.line
    }
}

/// How the file writes its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `YYYY-MM-DD`.
    Iso,
    /// `DD/MM/YYYY` (or with `-` or `.`).
    DayFirst,
    /// `MM/DD/YYYY`.
    MonthFirst,
}

impl FromStr for DateFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_uppercase().replace(['-', '.'], "/").as_str() {
            "YYYY/MM/DD" => Ok(Self::Iso),
            "DD/MM/YYYY" => Ok(Self::DayFirst),
            "MM/DD/YYYY" => Ok(Self::MonthFirst),
            _ => Err("a date format is DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD".into()),
        }
    }
}

/// A date's three numbers in the order written, and whether it is year-first.
fn date_parts(text: &str) -> Option<(u32, u32, i32, bool)> {
    let parts: Vec<&str> = text.trim().split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    let (a, b, c) = (a.trim(), b.trim(), c.trim());
    // A time after the date (`1990-04-03 00:00:00`, as some exports write) is left out.
    let c = c.split([' ', 'T']).next().unwrap_or(c);
    if a.len() == 4 {
        return Some((b.parse().ok()?, c.parse().ok()?, a.parse().ok()?, true));
    }
    (c.len() == 4).then_some((a.parse().ok()?, b.parse().ok()?, c.parse().ok()?, false))
}

impl DateFormat {
    pub fn parse(self, text: &str) -> Option<NaiveDate> {
        let (a, b, year, year_first) = date_parts(text)?;
        let (month, day) = match (self, year_first) {
            (_, true) => (a, b),
            (Self::Iso, false) => return None,
            (Self::DayFirst, false) => (b, a),
            (Self::MonthFirst, false) => (a, b),
        };
        NaiveDate::from_ymd_opt(year, month, day)
    }

    /// The format a file's dates prove: ISO when every one is year-first; otherwise the order
    /// some date shows (a first number over 12 is a day, a second one a month) and none
    /// contradicts. Dates no order reads are left to be refused on their own rows. A file whose
    /// dates read both ways, or prove both orders, is refused, not guessed.
    pub fn detect<'a>(dates: impl Iterator<Item = &'a str>) -> Result<Self, String> {
        let (mut any, mut day_only, mut month_only, mut ambiguous) = (false, 0, 0, 0);
        for d in dates {
            let Some((a, b, _, year_first)) = date_parts(d) else { continue };
            if year_first {
                continue;
            }
            any = true;
            match (Self::DayFirst.parse(d).is_some(), Self::MonthFirst.parse(d).is_some()) {
                (true, false) => day_only += 1,
                (false, true) => month_only += 1,
                (true, true) if a != b => ambiguous += 1,
                _ => {}
            }
        }
        match (any, day_only, month_only) {
            (false, _, _) => Ok(Self::Iso),
            (true, 1.., 0) => Ok(Self::DayFirst),
            (true, 0, 1..) => Ok(Self::MonthFirst),
            (true, 0, 0) if ambiguous == 0 => Ok(Self::DayFirst),
            (true, 0, 0) => Err("the dates could be day-first or month-first (like 03/04/1990): \
                                 say which with --date-format DD/MM/YYYY or MM/DD/YYYY"
                .into()),
            _ => Err("some dates are day-first and some month-first: \
                      say which the file uses with --date-format DD/MM/YYYY or MM/DD/YYYY"
                .into()),
        }
    }
}

/// Titles left out of a full name.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "shri",
    "sri",
    "smt",
    "kumari",
    "kum",
    "master",
    "baby",
    "prof",
    "श्री",
    "श्रीमती",
    "कुमारी",
    "डॉ",
    "सौ",
];

/// A full name as (given names, family name): the last word is the family name; titles go.
pub fn split_name(full: &str) -> (String, String) {
    let words: Vec<&str> = full
        .split_whitespace()
        .filter(|w| !TITLES.contains(&w.trim_end_matches('.').to_lowercase().as_str()))
        .collect();
    match words.as_slice() {
        [] => (String::new(), String::new()),
        [one] => ((*one).to_owned(), String::new()),
        [given @ .., family] => (given.join(" "), (*family).to_owned()),
    }
}

/// The year a patient of the age in `cell` was born in, about: the age as a clinic writes it —
/// years ("42", "42 Y", "42 yrs"), with months and days after ("35Y 4M 2D"), or months or days
/// alone for a baby ("6 M", "10 days"). `None` for anything else or over 130 years.
fn born_about(cell: &str, today: NaiveDate) -> Option<i32> {
    let (mut years, mut months, mut days) = (0u32, 0u32, 0u32);
    let text = cell.trim().to_lowercase();
    let mut rest = text.as_str();
    let mut seen = false;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let n: u32 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit = rest.find(|c: char| !c.is_alphabetic() && c != '.').unwrap_or(rest.len());
        match rest[..unit].trim_end_matches('.') {
            "" | "y" | "yr" | "yrs" | "year" | "years" if years == 0 && !seen => years = n,
            "m" | "mo" | "mon" | "month" | "months" if months == 0 => months = n,
            "d" | "day" | "days" if days == 0 => days = n,
            _ => return None,
        }
        seen = true;
        rest = rest[unit..].trim_start_matches([' ', ',']);
    }
    match years {
        _ if !seen => None,
        131.. => None,
        1.. => Some(today.year() - i32::try_from(years).ok()?),
        0 => {
            Some((today.checked_sub_months(chrono::Months::new(months))? - chrono::Duration::days(days.into())).year())
        }
    }
}

/// A yes/no cell: `yes`, `y`, `true`, `1`, `YES` (OpenEMR), `allowed`.
fn yes(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "allowed" | "allow" => Some(true),
        "no" | "n" | "false" | "0" | "denied" | "deny" => Some(false),
        _ => None,
    }
}

fn sex(text: &str) -> Option<&'static str> {
    match text.trim().to_lowercase().as_str() {
        "m" | "male" => Some("male"),
        "f" | "female" => Some("female"),
        "o" | "other" | "t" | "transgender" => Some("other"),
        "u" | "unknown" => Some("unknown"),
        _ => None,
    }
}

/// One row read: the source's record number (if the file has one) and the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPatient {
    pub record_no: Option<String>,
    pub patient: NewPatient,
}

/// Why a row was refused: the column (its header) and the reason, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRefusal {
    pub column: String,
    pub reason: String,
}

impl Mapping<Column> {
    /// Reads one row's cells. `today` checks birth dates.
    pub fn patient(&self, cells: &[&str], dates: DateFormat, today: NaiveDate) -> Result<ImportedPatient, RowRefusal> {
        let refuse = |i: usize, reason: &str| RowRefusal {
            column: self.headers.get(i).cloned().unwrap_or_default(),
            reason: reason.to_owned(),
        };
        self.check_width(cells)?;
        let mut p = NewPatient { consent: Consent::default(), ..NewPatient::default() };
        let (mut record_no, mut middle, mut postal, mut street) = (None, None, None, None);
        let mut name_column = self
            .columns
            .iter()
            .position(|c| matches!(c, Some(Column::Given | Column::Family | Column::FullName)))
            .unwrap_or(0);
        for (i, column) in self.columns.iter().enumerate() {
            let Some(column) = column else { continue };
            let cell = cells.get(i).map_or("", |c| c.trim());
            if cell.is_empty() {
                continue;
            }
            let text = || Some(cell.to_owned());
            match column {
                Column::RecordNo => record_no = text(),
                Column::Given => (p.given, name_column) = (cell.to_owned(), i),
                Column::Middle => middle = text(),
                Column::Family => p.family = cell.to_owned(),
                Column::FullName => ((p.given, p.family), name_column) = (split_name(cell), i),
                Column::BirthDate => {
                    p.birth_date = Some(dates.parse(cell).ok_or_else(|| refuse(i, "not a date in the file's format"))?);
                }
                Column::Age => {
                    let born =
                        born_about(cell, today).ok_or_else(|| refuse(i, "not an age (e.g. 42, 42 Y or 6 months)"))?;
                    p.birth_year = p.birth_year.or(Some(born));
                }
                Column::BirthYear => {
                    p.birth_year = Some(cell.parse().map_err(|_| refuse(i, "not a year"))?);
                }
                Column::Sex => {
                    p.sex = Some(sex(cell).ok_or_else(|| refuse(i, "not a sex Rapport knows (M, F, O)"))?.into())
                }
                Column::Phone => {
                    p.phones.extend(cell.split([';', ',']).map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned))
                }
                Column::Email => p.email = text(),
                Column::Address => street = text(),
                Column::PostalCode => postal = text(),
                Column::City => p.city = text(),
                Column::Area => p.area = text(),
                Column::Language => p.language = text(),
                Column::SmsConsent => p.consent.sms = yes(cell).ok_or_else(|| refuse(i, "not yes or no"))?,
                Column::EmailConsent => p.consent.email = yes(cell).ok_or_else(|| refuse(i, "not yes or no"))?,
                Column::ReferralSource => p.referral_source = text(),
                Column::ReferringDoctor => p.referring_doctor = text(),
                Column::Conditions => {
                    p.conditions =
                        cell.split([';', '|']).map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect();
                }
                Column::Ignore => {}
            }
        }
        if let Some(m) = middle {
            p.given = [p.given.as_str(), m.as_str()].join(" ").trim().to_owned();
        }
        p.address = match (street, postal) {
            (Some(s), Some(pin)) => Some(format!("{s} {pin}")),
            (s, pin) => s.or(pin),
        };
        p.phones.dedup();
        let patient = p.validated(today).map_err(|e| {
            let column = match e {
                crate::patient::PatientError::NameMissing => name_column,
                _ => self.column_of(&e),
            };
            refuse(column, &e.to_string())
        })?;
        Ok(ImportedPatient { record_no, patient })
    }

    /// Puts what this file's columns say of a patient onto the one held; true if that changed
    /// anything. Fields the file has no column for are kept.
    pub fn update(&self, held: &mut Patient, new: NewPatient) -> bool {
        let before = held.clone();
        for column in self.columns.iter().flatten() {
            match column {
                Column::Given | Column::Middle => held.given.clone_from(&new.given),
                Column::Family => held.family.clone_from(&new.family),
                Column::FullName => (held.given, held.family) = (new.given.clone(), new.family.clone()),
                Column::BirthDate => held.birth_date = new.birth_date,
                Column::Age | Column::BirthYear => held.birth_year = new.birth_year,
                Column::Sex => held.sex.clone_from(&new.sex),
                Column::Phone => held.phones.clone_from(&new.phones),
                Column::Email => held.email.clone_from(&new.email),
                Column::Address | Column::PostalCode => held.address.clone_from(&new.address),
                Column::City => held.city.clone_from(&new.city),
                Column::Area => held.area.clone_from(&new.area),
                Column::Language => held.language.clone_from(&new.language),
                Column::SmsConsent => held.consent.sms = new.consent.sms,
                Column::EmailConsent => held.consent.email = new.consent.email,
                Column::ReferralSource => held.referral_source.clone_from(&new.referral_source),
                Column::ReferringDoctor => held.referring_doctor.clone_from(&new.referring_doctor),
                Column::Conditions => held.conditions.clone_from(&new.conditions),
                Column::RecordNo | Column::Ignore => {}
            }
        }
        if held.birth_date.is_some() {
            held.birth_year = None;
        }
        *held != before
    }

    /// The column a validation error is about, as well as it can be told.
    fn column_of(&self, e: &crate::patient::PatientError) -> usize {
        use crate::patient::PatientError as E;
        let wanted: &[Column] = match e {
            E::BirthDateInFuture | E::BirthDateTooOld => &[Column::BirthDate],
            E::BirthYearOutOfRange => &[Column::Age, Column::BirthYear],
            E::PhoneTooShort => &[Column::Phone],
            _ => &[],
        };
        self.columns.iter().position(|c| c.is_some_and(|c| wanted.contains(&c))).unwrap_or(usize::MAX)
    }
}

crate::words::word_enum! {
    /// What a CSV export of the desk holds.
    pub enum Exported {
        Patients = "patients",
        Appointments = "appointments",
    }
}

/// A patient as Rapport's CSV export writes them: the columns named by their [`Column`] words,
/// so the file imports again as it is (phones and condition tags joined with `; `).
#[derive(Debug)]
pub struct PatientRow<'a>(pub &'a Patient);

impl crate::csv::CsvRow for PatientRow<'_> {
    const HEADER: &'static [&'static str] = &[
        "record_no",
        "given",
        "family",
        "birth_date",
        "birth_year",
        "sex",
        "phone",
        "email",
        "address",
        "city",
        "area",
        "language",
        "sms_consent",
        "email_consent",
        "referral_source",
        "referring_doctor",
        "conditions",
    ];
    fn cells(&self) -> Vec<String> {
        let p = self.0;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        vec![
            p.record_no.clone(),
            p.given.clone(),
            p.family.clone(),
            p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            text(&p.sex),
            p.phones.join("; "),
            text(&p.email),
            text(&p.address),
            text(&p.city),
            text(&p.area),
            text(&p.language),
            yes_no(p.consent.sms),
            yes_no(p.consent.email),
            text(&p.referral_source),
            text(&p.referring_doctor),
            p.conditions.join("; "),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn openemr_and_indian_his_headers_are_recognised() {
        let emr = Mapping::<Column>::new(
            &headers(&["pubpid", "fname", "mname", "lname", "DOB", "phone_cell", "hipaa_allowsms"]),
            None,
        )
        .expect("mapping");
        assert_eq!(emr.columns[0], Some(Column::RecordNo));
        assert_eq!(emr.columns[6], Some(Column::SmsConsent));
        let his = Mapping::<Column>::new(
            &headers(&["UHID", "Patient Name", "Gender", "Mobile No", "Pincode", "Referred By"]),
            None,
        )
        .expect("mapping");
        assert_eq!(his.columns[1], Some(Column::FullName));
        assert_eq!(his.columns[5], Some(Column::ReferringDoctor));
        assert!(Mapping::<Column>::new(&headers(&["Col A", "Col B"]), None).expect_err("refused").contains("--map"));
        let mapped =
            Mapping::<Column>::new(&headers(&["Col A", "Col B"]), Some("# ours\nCol A = full_name\nCol B=phone\n"))
                .expect("explicit mapping");
        assert_eq!(mapped.columns, vec![Some(Column::FullName), Some(Column::Phone)]);
        assert!(
            Mapping::<Column>::new(&headers(&["Col A"]), Some("Col Z = given"))
                .expect_err("refused")
                .contains("no column headed")
        );
        assert!(
            Mapping::<Column>::new(&headers(&["Col A"]), Some("Col A = shoe_size"))
                .expect_err("refused")
                .contains("line 1")
        );
    }

    #[test]
    fn dates_are_read_in_the_format_the_file_proves_or_refused() {
        assert_eq!(DateFormat::detect(["1990-04-03", ""].into_iter()), Ok(DateFormat::Iso));
        assert_eq!(DateFormat::detect(["25/12/1980", "03/04/1990"].into_iter()), Ok(DateFormat::DayFirst));
        assert_eq!(DateFormat::detect(["12/25/1980", "03/04/1990"].into_iter()), Ok(DateFormat::MonthFirst));
        assert!(DateFormat::detect(["03/04/1990", "05/06/1970"].into_iter()).is_err(), "ambiguous: refused");
        assert!(DateFormat::detect(["15/05/1986", "12/13/1987"].into_iter()).is_err(), "both orders: refused");
        assert_eq!(
            DateFormat::detect(["15/05/1986", "31/02/1974"].into_iter()),
            Ok(DateFormat::DayFirst),
            "a bad date is its row's"
        );
        assert_eq!(DateFormat::detect(["01/01/1990"].into_iter()), Ok(DateFormat::DayFirst), "same either way");
        assert_eq!(DateFormat::DayFirst.parse("03/04/1990"), NaiveDate::from_ymd_opt(1990, 4, 3));
        assert_eq!(DateFormat::MonthFirst.parse("03-04-1990"), NaiveDate::from_ymd_opt(1990, 3, 4));
        assert_eq!(DateFormat::Iso.parse("1990-04-03 00:00:00"), NaiveDate::from_ymd_opt(1990, 4, 3));
        assert_eq!(DateFormat::Iso.parse("03/04/1990"), None);
        assert_eq!(DateFormat::DayFirst.parse("31/02/1990"), None);
        assert_eq!("dd/mm/yyyy".parse(), Ok(DateFormat::DayFirst));
    }

    #[test]
    fn full_names_split_with_titles_left_out() {
        assert_eq!(split_name("Dr. Asha K. Rao"), ("Asha K.".into(), "Rao".into()));
        assert_eq!(split_name("Smt Lakshmi"), ("Lakshmi".into(), String::new()));
        assert_eq!(split_name("  राजेश   कुमार शर्मा "), ("राजेश कुमार".into(), "शर्मा".into()));
        assert_eq!(split_name("श्री राजेश शर्मा"), ("राजेश".into(), "शर्मा".into()), "Devanagari titles go too");
    }

    #[test]
    fn records_are_numbered_by_the_line_they_start_on() {
        let text = "a;b\r\nx;1\r\ny;\"2\r\n3\"\r\n\r\nz;4\n";
        let mut lines = Lines::new(text);
        let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
        let found: Vec<u64> =
            r.records().map(|x| lines.of(x.expect("record").position().map_or(0, csv::Position::byte))).collect();
        assert_eq!(found, vec![2, 3, 6], "a quoted line break and a blank line counted");
        // Old Mac files end lines with a lone CR, as the reader does (found by fuzzing: the
        // second record was said to be on line 1).
        let text = "a;b\rx;1\r\ry;2\n";
        let mut lines = Lines::new(text);
        let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
        let found: Vec<u64> =
            r.records().map(|x| lines.of(x.expect("record").position().map_or(0, csv::Position::byte))).collect();
        assert_eq!(found, vec![2, 4]);
    }

    #[test]
    fn an_appointment_row_is_read_or_refused_by_column() {
        let m = Mapping::<VisitColumn>::new(
            &headers(&["UHID", "Doctor Name", "Appointment Date", "Appointment Time", "Status", "Visit Type"]),
            None,
        )
        .expect("mapping");
        let v = m.visit(&["U-1", "Dr Rao", "03/04/2026", "2:30 pm", "Completed", "Follow-up"], DateFormat::DayFirst);
        let v = v.expect("a visit");
        assert_eq!(v.starts.to_string(), "2026-04-03 14:30:00");
        assert_eq!((v.status, v.minutes), (AppointmentStatus::Done, DEFAULT_VISIT_MINUTES));
        let bad = m.visit(&["U-1", "Dr Rao", "03/04/2026", "25:00", "", ""], DateFormat::DayFirst);
        assert_eq!(bad.expect_err("refused").column, "Appointment Time");
        let odd = m.visit(&["U-1", "Dr Rao", "03/04/2026", "10:00", "maybe", ""], DateFormat::DayFirst);
        assert_eq!(odd.expect_err("refused").column, "Status");
        assert_eq!(visit_status("?"), Some(AppointmentStatus::NoShow), "OpenEMR's code");
        assert!(Mapping::<VisitColumn>::new(&headers(&["UHID", "Doctor Name"]), None).is_err());
    }

    #[test]
    fn text_in_any_of_the_usual_encodings_is_read() {
        assert_eq!(decode(b"\xEF\xBB\xBFname\n").0, "name\n");
        assert_eq!(decode(b"Jos\xE9\n"), (Cow::Owned("José\n".to_owned()), "windows-1252"));
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0, b'b', 0]).0, "ab");
        assert_eq!(delimiter("UHID;Patient Name;Mobile No\n1;2;3"), b';');
    }

    #[test]
    fn a_row_becomes_a_patient_or_a_refusal_naming_the_column_not_the_value() {
        let m = Mapping::<Column>::new(&headers(&["UHID", "Patient Name", "DOB", "Mobile No", "SMS Consent"]), None)
            .expect("m");
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("day");
        let ok = m.patient(&["U-1", "Mrs Meena Iyer", "03/04/1990", "98450 12345", "Y"], DateFormat::DayFirst, today);
        let ok = ok.expect("a patient");
        assert_eq!(ok.record_no.as_deref(), Some("U-1"));
        assert_eq!((ok.patient.given.as_str(), ok.patient.family.as_str()), ("Meena", "Iyer"));
        assert_eq!(ok.patient.birth_date, NaiveDate::from_ymd_opt(1990, 4, 3));
        assert!(ok.patient.consent.sms);
        let bad = m.patient(&["U-2", "Ravi", "31/02/1990", "", ""], DateFormat::DayFirst, today).expect_err("refused");
        assert_eq!(bad.column, "DOB");
        assert!(!bad.reason.contains("31"), "{}", bad.reason);
        let future =
            m.patient(&["U-3", "Ravi", "01/01/2090", "", ""], DateFormat::DayFirst, today).expect_err("refused");
        assert_eq!(future.column, "DOB");
        let nameless = m.patient(&["U-4", "  ", "", "", ""], DateFormat::DayFirst, today).expect_err("refused");
        assert_eq!(nameless.column, "Patient Name");
        let consent = m.patient(&["U-5", "Ravi", "", "", "maybe"], DateFormat::DayFirst, today).expect_err("refused");
        assert_eq!(consent.column, "SMS Consent");
        let wide = m.patient(&["U-6", "Ravi", "", "", "", "extra"], DateFormat::DayFirst, today).expect_err("refused");
        assert!(wide.reason.contains("6 fields"));
    }

    #[test]
    fn an_age_without_a_birth_date_is_kept_as_about_a_birth_year() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("day");
        for (cell, year) in
            [("42", 1984), ("42 Y", 1984), ("42yrs", 1984), ("35Y 4M 2D", 1991), ("6 M", 2026), ("10 days", 2026)]
        {
            assert_eq!(born_about(cell, today), Some(year), "{cell}");
        }
        assert_eq!(born_about("11 months", NaiveDate::from_ymd_opt(2026, 10, 3).expect("day")), Some(2025));
        for cell in ["forty", "42 Y 3 Y", "-3", "200", "Y", "4.5"] {
            assert_eq!(born_about(cell, today), None, "{cell}");
        }
        let m = Mapping::<Column>::new(&headers(&["Patient Name", "Age", "DOB"]), None).expect("m");
        let aged = m.patient(&["Ravi Rao", "42 Y", ""], DateFormat::DayFirst, today).expect("aged");
        assert_eq!((aged.patient.birth_year, aged.patient.birth_date), (Some(1984), None));
        let dated = m.patient(&["Ravi Rao", "42", "03/04/1985"], DateFormat::DayFirst, today).expect("dated");
        assert_eq!(dated.patient.birth_year, None, "a birth date is better than an age");
        let bad = m.patient(&["Ravi Rao", "about forty", ""], DateFormat::DayFirst, today).expect_err("refused");
        assert_eq!((bad.column.as_str(), bad.reason.contains("forty")), ("Age", false));
    }
}
