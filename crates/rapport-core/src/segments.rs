//! Segments at the desk: how many of the clinic's patients a set of conditions holds, counted
//! from the local database (offline), by the model's rule ([`SegmentFilter::matches`]).

use std::collections::HashMap;

use chrono::{Local, NaiveDate};
use rapport_model::outreach;
use rapport_model::segments::{Conditions, MAX_SEGMENT_NAME, PatientFacts, SavedSegment, SegmentFilter, SegmentSize};
use rapport_model::text::{self, TextRule};
use rapport_model::view::PatientHit;
use rapport_model::{Consent, Operation, PatientId, StaffId};
use rapport_store::{messaging, records};

use crate::services::{log, uuid_from};
use crate::{Error, Rapport, Result, Session};

/// Patients shown to recognise a segment by.
pub const SEGMENT_SAMPLE: usize = 10;
/// Segment counts by one person within this many seconds are audited once.
const SEGMENT_AUDIT_EVERY_SECS: i64 = 60;

/// Every living patient as segments see them, in name order, with the database's change stamp
/// when they were read. Places and languages are held once each (`names`).
pub(crate) struct SegmentFacts {
    stamp: (i64, u64),
    names: Vec<String>,
    /// Condition tags held once (at most 64: bit `i` of a patient's `tags` is `tags[i]`).
    tags: Vec<String>,
    patients: Vec<Facts>,
}

struct Facts {
    id: PatientId,
    /// Bits over `SegmentFacts::tags`; tags past the 64th in `more_tags` (rarely any).
    tags: u64,
    more_tags: Option<Box<[String]>>,
    birth_date: Option<NaiveDate>,
    birth_year: Option<i32>,
    /// Indexes into `names`.
    sex: Option<u32>,
    city: Option<u32>,
    area: Option<u32>,
    language: Option<u32>,
    usual_doctor: Option<StaffId>,
    consent: Consent,
    last_visit: Option<NaiveDate>,
}

/// Says how many, never who (a `Debug` print must not carry patient data).
impl std::fmt::Debug for SegmentFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentFacts").field("patients", &self.patients.len()).finish_non_exhaustive()
    }
}

impl SegmentFacts {
    fn read(conn: &rapport_store::rusqlite::Connection) -> Result<Self> {
        let stamp = records::change_stamp(conn)?;
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut names = Vec::new();
        let mut patients = Vec::new();
        let mut tags: Vec<String> = Vec::new();
        let mut intern = |text: Option<String>| {
            text.map(|t| {
                *index.entry(t).or_insert_with_key(|t| {
                    names.push(t.clone());
                    u32::try_from(names.len() - 1).unwrap_or(u32::MAX)
                })
            })
        };
        records::segment_rows(conn, |r| {
            let (mut bits, mut more) = (0u64, Vec::new());
            for c in r.conditions {
                let found = tags.iter().position(|t| outreach::same_text(t, &c));
                match found.or_else(|| {
                    (tags.len() < 64).then(|| {
                        tags.push(outreach::normalize_tag(&c));
                        tags.len() - 1
                    })
                }) {
                    Some(i) => bits |= 1 << i,
                    None => more.push(c),
                }
            }
            patients.push(Facts {
                id: r.id,
                tags: bits,
                more_tags: (!more.is_empty()).then(|| more.into_boxed_slice()),
                birth_date: r.birth_date,
                birth_year: r.birth_year,
                sex: intern(r.sex),
                city: intern(r.city),
                area: intern(r.area),
                language: intern(r.language),
                usual_doctor: r.usual_doctor,
                consent: r.consent,
                last_visit: r.last_visit.map(|t| t.with_timezone(&Local).date_naive()),
            });
        })?;
        Ok(Self { stamp, names, tags, patients })
    }

    /// The patients in the segment on `today`, in name order.
    fn matching<'a>(&'a self, filter: &'a SegmentFilter, today: NaiveDate) -> impl Iterator<Item = PatientId> + 'a {
        let name = |i: Option<u32>| i.and_then(|i| self.names.get(i as usize)).map(String::as_str);
        self.patients.iter().filter_map(move |p| {
            let facts = PatientFacts {
                conditions: Conditions::Bits {
                    bits: p.tags,
                    table: &self.tags,
                    more: p.more_tags.as_deref().unwrap_or_default(),
                },
                birth_date: p.birth_date,
                birth_year: p.birth_year,
                sex: name(p.sex),
                city: name(p.city),
                area: name(p.area),
                language: name(p.language),
                usual_doctor: p.usual_doctor,
                consent: &p.consent,
            };
            filter.matches_facts(&facts, p.last_visit, today).then_some(p.id)
        })
    }
}

impl Rapport {
    /// How many living patients `filter` holds, with a few of them (by name) to recognise it
    /// by (managers and admins; audited, as it shows names). The patients are read once and
    /// kept while the database is unchanged, so a count that follows typing is a pass over
    /// memory.
    pub fn segment_size(&mut self, s: &Session, filter: &SegmentFilter) -> Result<SegmentSize> {
        s.require(Operation::ChangeSettings)?;
        let today = self.today();
        let stamp = records::change_stamp(self.store.conn())?;
        if self.segment_facts.as_ref().is_none_or(|f| f.stamp != stamp) {
            self.segment_facts = Some(SegmentFacts::read(self.store.conn())?);
        }
        let Some(facts) = &self.segment_facts else { return Ok(SegmentSize { count: 0, sample: Vec::new() }) };
        let mut count = 0;
        let mut first = Vec::with_capacity(SEGMENT_SAMPLE);
        for id in facts.matching(filter, today) {
            count += 1;
            if first.len() < SEGMENT_SAMPLE {
                first.push(id);
            }
        }
        let mut sample = Vec::with_capacity(first.len());
        for id in first {
            if let Some(p) = records::get_patient(self.store.conn(), id)? {
                sample.push(PatientHit::from(&p));
            }
        }
        // Audited once a minute while a manager keeps typing: the log says who saw names, not
        // every keystroke.
        let now = self.clock.now();
        let due = self.segment_audited.is_none_or(|(who, at)| {
            who != s.staff().id || now - at >= chrono::Duration::seconds(SEGMENT_AUDIT_EVERY_SECS)
        });
        if due {
            self.store.write(|tx| log(tx, now, s, "segment.count", None, None))?;
            self.segment_audited = Some((s.staff().id, now));
            // The audit row just written changes no patient: the facts stay current.
            if let Some(facts) = &mut self.segment_facts {
                facts.stamp = records::change_stamp(self.store.conn())?;
            }
        }
        Ok(SegmentSize { count, sample })
    }

    /// Saves a segment under `name` (managers and admins; a name saved before takes the new
    /// conditions). It syncs to head office, where campaigns evaluate it when they run.
    pub fn save_segment(&mut self, s: &Session, name: &str, filter: &SegmentFilter) -> Result<SavedSegment> {
        s.require(Operation::ChangeSettings)?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::invalid("a segment needs a name"));
        }
        text::check("segment name", &name, TextRule::Line, MAX_SEGMENT_NAME)?;
        let (ms, rnd) = self.id_parts()?;
        let now = self.clock.now();
        self.store.write(|tx| -> Result<SavedSegment> {
            let id = messaging::segment_id(tx, &name)?.unwrap_or_else(|| uuid_from(ms, rnd));
            let saved =
                SavedSegment { id, name: name.clone(), filter: filter.clone(), set_by: s.staff().id, updated_at: now };
            messaging::save_segment(tx, &saved)?;
            log(tx, now, s, "segment.save", None, Some(&name))?;
            Ok(saved)
        })
    }

    /// The clinic's saved segments, by name.
    pub fn segments(&self, s: &Session) -> Result<Vec<SavedSegment>> {
        s.require(Operation::ChangeSettings)?;
        Ok(messaging::segments(self.store.conn())?)
    }
}
