//! Segments at the desk: how many of the clinic's patients a set of conditions holds, counted
//! from the local database (offline), by the model's rule ([`SegmentFilter::matches`]).

use chrono::Local;
use rapport_model::Operation;
use rapport_model::segments::{SegmentFilter, SegmentSize};
use rapport_model::view::PatientHit;
use rapport_store::records;

use crate::services::log;
use crate::{Rapport, Result, Session};

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
}
