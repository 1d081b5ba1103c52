//! Who may be the same patient twice: a Fellegi–Sunter-style match score and the blocking that
//! keeps a scan of a whole chain's patients fast.
//!
//! Each field that both records have adds a weight, roughly log₂ of how much likelier its
//! agreement (or disagreement) is between two records of one person than between two people:
//! names compared after folding case and accents, with Jaro–Winkler for typing slips; the birth
//! date, with day and month swapped (a DD/MM vs MM/DD import) counting nearly as much as equal;
//! phones by their last ten digits; email; the postcode at the end of the address. A field that
//! one side lacks adds nothing. The sum falls in a [`Band`]; nothing is ever merged on a score
//! alone, staff decide.
//!
//! A scan compares only records that share a block key (a phone, an email, a name with a birth
//! year, a birth date with an initial), so its work grows with the number of look-alikes, not
//! with the square of the patients. A block bigger than [`WIDE_BLOCK`] (a very common name) is
//! compared as a sorted window instead of all pairs.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::{NewPatient, phone};

/// How sure a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Possible,
    Probable,
    Certain,
}

impl Band {
    pub const WORDS: &[&str] = &["possible", "probable", "certain"];

    /// The lowest score in this band.
    pub const fn floor(self) -> i32 {
        match self {
            Self::Certain => 16,
            Self::Probable => 10,
            Self::Possible => 6,
        }
    }

    fn of(score: i32) -> Option<Self> {
        [Self::Certain, Self::Probable, Self::Possible].into_iter().find(|b| score >= b.floor())
    }

    pub fn as_str(self) -> &'static str {
        Self::WORDS[self as usize]
    }
}

impl std::str::FromStr for Band {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::Possible, Self::Probable, Self::Certain]
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| format!("unknown band (expected one of {})", Self::WORDS.join(", ")))
    }
}

/// What two records have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    SameName,
    SimilarName,
    /// Given and family name the other way round.
    NamesSwapped,
    SameBirthDate,
    /// Day and month the other way round.
    SwappedBirthDate,
    SameBirthYear,
    /// One record knows only an age: its birth year is within a year of the other's.
    AgeMatches,
    SamePhone,
    SameEmail,
    SamePostcode,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Self::SameName => "same name",
            Self::SimilarName => "similar name",
            Self::NamesSwapped => "names swapped",
            Self::SameBirthDate => "same birth date",
            Self::SwappedBirthDate => "birth day and month swapped",
            Self::SameBirthYear => "same birth year",
            Self::AgeMatches => "age matches",
            Self::SamePhone => "same phone",
            Self::SameEmail => "same email",
            Self::SamePostcode => "same postcode",
        }
    }
}

/// A scored match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Likeness {
    pub score: i32,
    pub band: Band,
    pub reasons: Vec<Reason>,
}

/// What of a patient the match compares, normalised once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    given: String,
    family: String,
    birth: Option<NaiveDate>,
    /// The approximate birth year of a record that knows only an age.
    born_about: Option<i32>,
    phones: Vec<String>,
    email: Option<String>,
    postcode: Option<String>,
}

impl Person {
    pub fn new(
        given: &str,
        family: &str,
        birth: Option<NaiveDate>,
        phones: &[String],
        email: Option<&str>,
        address: Option<&str>,
    ) -> Self {
        let mut phones: Vec<String> = phones.iter().map(|p| phone::last_ten(p)).filter(|p| p.len() >= 7).collect();
        phones.sort();
        phones.dedup();
        Self {
            given: fold(given),
            family: fold(family),
            birth,
            born_about: None,
            phones,
            email: email.map(|e| e.trim().to_lowercase()).filter(|e| e.contains('@')),
            postcode: address.and_then(postcode),
        }
    }

    /// A record with no birth date whose age gives about this birth year.
    #[must_use]
    pub fn born_about(mut self, year: Option<i32>) -> Self {
        self.born_about = year.filter(|_| self.birth.is_none());
        self
    }

    /// A record not yet held (an imported row).
    pub fn of_new(p: &NewPatient) -> Self {
        Self::new(&p.given, &p.family, p.birth_date, &p.phones, p.email.as_deref(), p.address.as_deref())
            .born_about(p.birth_year)
    }

    /// The birth year, exact or from an age.
    fn year(&self) -> Option<i32> {
        self.birth.map(|b| b.year()).or(self.born_about)
    }

    /// The keys under which this record meets the records it is compared with in a scan.
    fn blocks(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.phones.iter().map(|p| format!("t{p}")).collect();
        keys.extend(self.email.iter().map(|e| format!("e{e}")));
        let start = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        if !self.given.is_empty() && !self.family.is_empty() {
            // Either order of the names, so swapped names meet.
            let (low, high) =
                if self.given <= self.family { (&self.given, &self.family) } else { (&self.family, &self.given) };
            keys.push(format!("n{low}|{}", start(high, 2)));
        }
        if let Some(b) = self.birth {
            // Day and month in either order, so a swapped date meets the right one.
            let (d, m) = (b.day().min(b.month()), b.day().max(b.month()));
            for name in [&self.given, &self.family].into_iter().filter(|n| !n.is_empty()) {
                keys.push(format!("d{}-{d}-{m}|{}", b.year(), start(name, 1)));
            }
        }
        keys
    }
}

/// Case, accents, punctuation and spacing out of a name: "D'Souza-Pérez " → "dsouza perez".
/// Scripts without Latin accents (Devanagari) keep their signs.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.nfkd() {
        if ('\u{300}'..='\u{36f}').contains(&c) || matches!(c, '\'' | '’' | '`' | '.') {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            // Vowel signs and viramas of other scripts are part of the letter.
            c if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) => {
                out.extend(c.to_lowercase());
            }
            _ if !out.ends_with(' ') && !out.is_empty() => out.push(' '),
            _ => {}
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// A postcode at the end of an address (4 to 6 digits, an Indian pincode or a European one).
fn postcode(address: &str) -> Option<String> {
    let last = address.rsplit(|c: char| !c.is_ascii_digit()).find(|w| !w.is_empty())?;
    let tail = address.trim_end_matches(|c: char| !c.is_alphanumeric());
    (tail.ends_with(last) && (4..=6).contains(&last.len())).then(|| last.to_owned())
}

/// How two names compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Agree {
    Differ,
    /// One is the other's initial.
    Initial,
    Close,
    Same,
}

fn agree(a: &str, b: &str) -> Option<Agree> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some(Agree::Same);
    }
    let initial = |short: &str, long: &str| short.chars().count() == 1 && long.starts_with(short);
    if initial(a, b) || initial(b, a) {
        return Some(Agree::Initial);
    }
    // A middle name on one side only ("ravi" and "ravi kumar") is a close match, and so is a
    // slip or another spelling that keeps the first letter (Fatima, Fathima): names that rhyme
    // (Arun, Varun) are siblings more often than typing slips.
    let words = |s: &str| s.split(' ').map(str::to_owned).collect::<HashSet<_>>();
    let (wa, wb) = (words(a), words(b));
    let same_start = a.chars().next() == b.chars().next();
    if wa.is_subset(&wb) || wb.is_subset(&wa) || (same_start && strsim::jaro_winkler(a, b) >= 0.92) {
        return Some(Agree::Close);
    }
    Some(Agree::Differ)
}

/// Weights, in whole bits.
const FAMILY: [i32; 4] = [-3, 0, 2, 4];
const GIVEN: [i32; 4] = [-4, 1, 3, 5];
const SWAPPED_NAMES: i32 = -1;
const BIRTH_SAME: i32 = 6;
const BIRTH_SWAPPED: i32 = 4;
const BIRTH_YEAR: i32 = 1;
const BIRTH_DIFFER: i32 = -5;
const PHONE_SAME: i32 = 5;
const PHONE_DIFFER: i32 = -1;
const EMAIL_SAME: i32 = 5;
const EMAIL_DIFFER: i32 = -1;
const POSTCODE_SAME: i32 = 2;
const POSTCODE_DIFFER: i32 = -1;

fn weight(table: [i32; 4], a: Agree) -> i32 {
    table[a as usize]
}

/// The score of `a` and `b` as one person, if it reaches [`Band::Possible`].
pub fn likeness(a: &Person, b: &Person) -> Option<Likeness> {
    let mut reasons = Vec::new();
    let names = |g: &str, f: &str| {
        let (given, family) = (agree(&a.given, g), agree(&a.family, f));
        let score = given.map_or(0, |x| weight(GIVEN, x)) + family.map_or(0, |x| weight(FAMILY, x));
        (score, given.into_iter().chain(family).min())
    };
    let (straight, swapped) = (names(&b.given, &b.family), names(&b.family, &b.given));
    let (mut score, worst) = if swapped.0 + SWAPPED_NAMES > straight.0 {
        reasons.push(Reason::NamesSwapped);
        (swapped.0 + SWAPPED_NAMES, swapped.1)
    } else {
        straight
    };
    match worst {
        Some(Agree::Same) => reasons.push(Reason::SameName),
        Some(Agree::Close | Agree::Initial) => reasons.push(Reason::SimilarName),
        _ => {}
    }
    if let (Some(x), Some(y)) = (a.birth, b.birth) {
        let swapped = x.year() == y.year() && x.day() == y.month() && x.month() == y.day();
        score += if x == y {
            reasons.push(Reason::SameBirthDate);
            BIRTH_SAME
        } else if swapped {
            reasons.push(Reason::SwappedBirthDate);
            BIRTH_SWAPPED
        } else if x.year() == y.year() {
            reasons.push(Reason::SameBirthYear);
            BIRTH_YEAR
        } else {
            BIRTH_DIFFER
        };
    } else if let (Some(x), Some(y)) = (a.year(), b.year()) {
        // An age gives the year only to within one (has the birthday passed?), and an old
        // record's age may be some years stale: agreement counts a little, a wide gap against.
        match (x - y).abs() {
            0..=1 => {
                reasons.push(Reason::AgeMatches);
                score += BIRTH_YEAR;
            }
            2..=5 => {}
            _ => score += BIRTH_DIFFER,
        }
    }
    if !a.phones.is_empty() && !b.phones.is_empty() {
        score += if a.phones.iter().any(|p| b.phones.contains(p)) {
            reasons.push(Reason::SamePhone);
            PHONE_SAME
        } else {
            PHONE_DIFFER
        };
    }
    if let (Some(x), Some(y)) = (&a.email, &b.email) {
        score += if x == y {
            reasons.push(Reason::SameEmail);
            EMAIL_SAME
        } else {
            EMAIL_DIFFER
        };
    }
    if let (Some(x), Some(y)) = (&a.postcode, &b.postcode) {
        score += if x == y {
            reasons.push(Reason::SamePostcode);
            POSTCODE_SAME
        } else {
            POSTCODE_DIFFER
        };
    }
    Band::of(score).map(|band| Likeness { score, band, reasons })
}

/// A block with more members than this is compared as a sorted window of [`WINDOW`] neighbours.
pub const WIDE_BLOCK: usize = 64;
const WINDOW: usize = 16;

/// Each block key with the indexes of the `people` under it.
fn block_index(people: &[Person]) -> HashMap<String, Vec<u32>> {
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        for key in p.blocks() {
            blocks.entry(key).or_default().push(u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
    blocks
}

/// The records a desk holds, indexed by block key: who a new record may be, found without a
/// search per record (an import checks each of its rows against it).
#[derive(Debug)]
pub struct Held {
    people: Vec<Person>,
    blocks: HashMap<String, Vec<u32>>,
}

impl Held {
    pub fn new(people: Vec<Person>) -> Self {
        let blocks = block_index(&people);
        Self { people, blocks }
    }

    /// The best likeness of `p` to a held record, if one reaches `band`. A block wider than
    /// [`WIDE_BLOCK`] (a very common name) is left out: its members meet `p` by a phone, an
    /// email or a birth date, which any probable match has.
    pub fn best(&self, p: &Person, band: Band) -> Option<Likeness> {
        let mut seen = HashSet::new();
        p.blocks()
            .iter()
            .filter_map(|key| self.blocks.get(key))
            .filter(|members| members.len() <= WIDE_BLOCK)
            .flatten()
            .filter(|&&i| seen.insert(i))
            .filter_map(|&i| likeness(p, &self.people[i as usize]).filter(|l| l.band >= band))
            .max_by_key(|l| l.score)
    }
}

/// Every pair of `people` (by index, lower first) that scores at least `band`, best first.
pub fn scan(people: &[Person], band: Band) -> Vec<(usize, usize, Likeness)> {
    let blocks = block_index(people);
    let mut seen: HashSet<(u32, u32)> = HashSet::new();
    let mut found = Vec::new();
    let mut compare = |i: u32, j: u32| {
        let pair = (i.min(j), i.max(j));
        if i == j || !seen.insert(pair) {
            return;
        }
        let (a, b) = (pair.0 as usize, pair.1 as usize);
        if let Some(l) = likeness(&people[a], &people[b]).filter(|l| l.band >= band) {
            found.push((a, b, l));
        }
    };
    for mut members in blocks.into_values().filter(|m| m.len() > 1) {
        if members.len() <= WIDE_BLOCK {
            for (n, &i) in members.iter().enumerate() {
                for &j in &members[n + 1..] {
                    compare(i, j);
                }
            }
        } else {
            members.sort_by(|&i, &j| {
                let (a, b) = (&people[i as usize], &people[j as usize]);
                (&a.family, &a.given, a.birth, i).cmp(&(&b.family, &b.given, b.birth, j))
            });
            for (n, &i) in members.iter().enumerate() {
                for &j in members.iter().skip(n + 1).take(WINDOW) {
                    compare(i, j);
                }
            }
        }
    }
    found.sort_by(|x, y| y.2.score.cmp(&x.2.score).then((x.0, x.1).cmp(&(y.0, y.1))));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(given: &str, family: &str, birth: &str, phone: &str) -> Person {
        Person::new(
            given,
            family,
            birth.parse().ok(),
            &[phone.to_owned()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>(),
            None,
            None,
        )
    }

    #[test]
    fn names_fold_to_plain_lower_case() {
        assert_eq!(fold("  D'Souza-Pérez "), "dsouza perez");
        assert_eq!(fold("ØSTERGÅRD"), "ostergard");
        assert_eq!(fold("प्रिया"), "प्रिया");
    }

    #[test]
    fn a_postcode_is_the_number_that_ends_an_address() {
        assert_eq!(postcode("12 MG Road, Bengaluru 560001").as_deref(), Some("560001"));
        assert_eq!(postcode("Flat 4, 12 MG Road").as_deref(), None);
        assert_eq!(postcode("Rua Augusta 3, 1100-048 Lisboa").as_deref(), None);
    }

    #[test]
    fn an_age_alone_counts_a_little_when_it_fits_and_against_when_far() {
        let dated = person("Ramesh", "Kumar", "1971-08-02", "98450 11111");
        let aged = |year| person("Ramesh", "Kumar", "", "98450 11111").born_about(Some(year));
        let none = likeness(&dated, &person("Ramesh", "Kumar", "", "98450 11111")).expect("alike").score;
        let near = likeness(&dated, &aged(1972)).expect("alike");
        assert!(near.reasons.contains(&Reason::AgeMatches) && near.score > none, "{near:?}");
        assert_eq!(likeness(&dated, &aged(1975)).map(|l| l.score), Some(none), "a stale age is no evidence");
        assert!(likeness(&dated, &aged(1996)).is_none_or(|l| l.score < none), "twenty-five years apart");
        assert_eq!(person("A", "B", "1971-08-02", "").born_about(Some(1990)).year(), Some(1971), "a date wins");
    }

    #[test]
    fn the_same_person_typed_twice_is_certain() {
        let a = person("Priya", "Sharma", "1988-04-12", "+91 98450 12345");
        let b = person("priya", "SHARMA", "1988-04-12", "098450 12345");
        let l = likeness(&a, &b).expect("a match");
        assert_eq!(l.band, Band::Certain);
        assert_eq!(l.reasons, vec![Reason::SameName, Reason::SameBirthDate, Reason::SamePhone]);
    }

    #[test]
    fn swapped_day_and_month_and_swapped_names_still_match() {
        let a = person("Priya", "Sharma", "1988-04-12", "9845012345");
        let b = person("Sharma", "Priya", "1988-12-04", "9845012345");
        let l = likeness(&a, &b).expect("a match");
        assert!(l.reasons.contains(&Reason::NamesSwapped) && l.reasons.contains(&Reason::SwappedBirthDate));
        assert!(l.band >= Band::Probable, "{l:?}");
    }

    #[test]
    fn a_mother_and_child_sharing_a_phone_are_not_a_match() {
        let mother = person("Lakshmi", "Iyer", "1979-02-01", "9845012345");
        let child = person("Anu", "Iyer", "2012-06-30", "9845012345");
        assert_eq!(likeness(&mother, &child), None);
    }

    #[test]
    fn twins_are_never_certain() {
        let a = person("Ram", "Verma", "2001-05-05", "9845012345");
        let b = person("Shyam", "Verma", "2001-05-05", "9845012345");
        assert!(likeness(&a, &b).is_none_or(|l| l.band < Band::Certain));
    }

    #[test]
    fn a_scan_finds_the_pairs_that_share_a_block() {
        let people = vec![
            person("Priya", "Sharma", "1988-04-12", "9845012345"),
            person("Arjun", "Mehta", "1990-01-01", "9000000001"),
            person("Priyaa", "Sharma", "1988-04-12", ""),
            person("Mehta", "Arjun", "1990-01-01", ""),
        ];
        let pairs: Vec<(usize, usize)> = scan(&people, Band::Possible).into_iter().map(|(a, b, _)| (a, b)).collect();
        assert_eq!(pairs.len(), 2, "{pairs:?}");
        assert!(pairs.contains(&(0, 2)) && pairs.contains(&(1, 3)));
    }

    #[test]
    fn a_new_record_finds_its_best_match_among_the_held_ones_by_block() {
        let mut people: Vec<Person> =
            (0..500).map(|i| person("Rahul", "Kumar", &format!("19{:02}-01-01", i % 90), "")).collect();
        people.push(person("Priya", "Sharma", "1988-04-12", "9845012345"));
        people.push(person("Priya", "Sharma", "", "9845012345"));
        let held = Held::new(people);
        let best = held.best(&person("Priyaa", "Sharma", "1988-04-12", "+91 98450 12345"), Band::Probable);
        assert!(
            best.as_ref().is_some_and(|l| l.reasons.contains(&Reason::SameBirthDate)),
            "the better of two: {best:?}"
        );
        assert!(held.best(&person("Anil", "Rao", "1970-01-01", "9000000001"), Band::Possible).is_none());
        // A common name meets its match by birth date, not by comparing all 500 Kumars.
        let rahul = held.best(&person("Rahul", "Kumar", "1933-01-01", ""), Band::Probable);
        assert!(rahul.as_ref().is_some_and(|l| l.reasons.contains(&Reason::SameBirthDate)), "{rahul:?}");
    }

    #[test]
    fn a_very_common_name_is_compared_by_window() {
        let mut people: Vec<Person> =
            (0..500).map(|i| person("Rahul", "Kumar", &format!("19{:02}-01-01", i % 90), "")).collect();
        people.push(person("Rahul", "Kumar", "1950-01-01", "9845012345"));
        let pairs = scan(&people, Band::Probable);
        assert!(!pairs.is_empty());
        assert!(pairs.len() < 500 * WINDOW, "compared as a window, not every pair: {}", pairs.len());
    }
}
