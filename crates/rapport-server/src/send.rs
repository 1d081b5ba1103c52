//! The sending pass over the outbox: for each channel with a carrier (an SMS gateway, an SMTP
//! server), claim what is due for this process, hand each message over, record the answer.

use crate::office::{self, Attempt, Claimed};
use crate::{Backend, OfficeError};

/// Something that takes a message to a patient: an SMS gateway, a mail server.
pub trait Carrier: Send + Sync + std::fmt::Debug {
    /// Hands one message over; `Accepted` means the carrier has it (it may still fail later,
    /// which a delivery report says).
    fn carry(&self, m: &Claimed) -> Attempt;
}

/// What one sending pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
}

impl std::ops::AddAssign for SendReport {
    fn add_assign(&mut self, o: Self) {
        self.sent += o.sent;
        self.retrying += o.retrying;
        self.failed += o.failed;
    }
}

/// How long a carrier may take over one message before it is given up (and tried again later).
pub const CARRIER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Messages claimed at a time: each may take up to [`CARRIER_TIMEOUT`], and the batch must end
/// well inside the claim's lease ([`office::CLAIM_LEASE_MS`]); a batch is two transactions (the
/// claim, the answers), so larger batches send faster.
const BATCH: i64 = 20;
const _: () = assert!(BATCH as u64 * CARRIER_TIMEOUT.as_secs() * 1000 < office::CLAIM_LEASE_MS as u64 * 3 / 4);

/// Sends the messages due by `channel` (`sms`, `email`): claims a batch for this process
/// (`worker`), hands each to the carrier and records the answer, batch after batch until
/// nothing due is left, or until a batch had to be retried (the carrier struggles: the next
/// pass tries again).
pub fn send_due(
    backend: &Backend,
    channel: &str,
    carrier: &dyn Carrier,
    worker: &str,
) -> Result<SendReport, OfficeError> {
    let mut report = SendReport::default();
    loop {
        let now = crate::now_ms();
        let claimed = backend.tx(|db| office::claim_due(db, now, worker, channel, BATCH))?;
        if claimed.is_empty() {
            return Ok(report);
        }
        let mut answers = Vec::with_capacity(claimed.len());
        for m in &claimed {
            let attempt = carrier.carry(m);
            match &attempt {
                Attempt::Accepted(_) => report.sent += 1,
                Attempt::Retry(_) => report.retrying += 1,
                Attempt::Refused(_) | Attempt::Unknown(_) => report.failed += 1,
            }
            if let Attempt::Retry(why) | Attempt::Refused(why) | Attempt::Unknown(why) = &attempt {
                tracing::warn!(message = %m.id, channel, attempts = m.attempts, why = why.as_str(), "a message was not taken");
            }
            answers.push((m, attempt));
        }
        // The batch's answers in one transaction, in id order (the order the mirror locks
        // message rows in); tried again once if it fails (a process that cannot record them
        // leaves the batch claimed: uncertain once the lease lapses, never sent again).
        answers.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let record = |db: &mut dyn crate::db::Db| {
            answers
                .iter()
                .try_for_each(|(m, attempt)| office::record_attempt(db, &m.id, worker, attempt, crate::now_ms()))
        };
        if backend.tx(record).is_err() {
            backend.tx(record)?;
        }
        if report.retrying > 0 {
            return Ok(report);
        }
    }
}
