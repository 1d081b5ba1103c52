//! Segments at the desk: how many of the clinic's patients a set of conditions holds, counted
//! from the local database (offline), by the model's rule ([`SegmentFilter::matches`]).

use chrono::Local;
use rapport_model::Operation;
use rapport_model::segments::{MAX_SEGMENT_NAME, SavedSegment, SegmentFilter, SegmentSize};
use rapport_model::text::{self, TextRule};
use rapport_model::view::PatientHit;
use rapport_store::{messaging, records};

use crate::services::{log, uuid_from};
use crate::{Error, Rapport, Result, Session};

/// Patients shown to recognise a segment by.
pub const SEGMENT_SAMPLE: usize = 10;

impl Rapport {
    /// How many living patients `filter` holds, with a few of them (by name) to recognise it
    /// by (managers and admins; audited, as it shows names).
    pub fn segment_size(&mut self, s: &Session, filter: &SegmentFilter) -> Result<SegmentSize> {
        s.require(Operation::ChangeSettings)?;
        let today = self.today();
        let mut count = 0;
        let mut sample = Vec::new();
        for (p, last) in records::patients_with_last_visit(self.store.conn())? {
            let last_visit = last.map(|t| t.with_timezone(&Local).date_naive());
            if filter.matches(&p, last_visit, today) {
                count += 1;
                sample.push(PatientHit::from(&p));
            }
        }
        sample.sort_by(|a, b| (&a.family, &a.given).cmp(&(&b.family, &b.given)));
        sample.truncate(SEGMENT_SAMPLE);
        let now = self.clock.now();
        self.store.write(|tx| log(tx, now, s, "segment.count", None, None))?;
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
        text::check("the segment's name", &name, TextRule::Line, MAX_SEGMENT_NAME)
            .map_err(|e| Error::invalid(e.to_string()))?;
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
