//! The audit chain's hash, the one rule the desk that writes a chain and head office that
//! verifies it share.

use sha2::{Digest, Sha256};

/// Row `seq`'s hash from its stored fields and the previous row's hash; desks write it, head office
/// verifies the chains devices send it with it.
pub fn chain_hash(
    seq: i64,
    at_ms: i64,
    staff: Option<&[u8]>,
    action: &[u8],
    patient: Option<&[u8]>,
    subject: Option<&[u8]>,
    prev: &[u8],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"rapport-audit-v1");
    h.update(seq.to_be_bytes());
    h.update(at_ms.to_be_bytes());
    let field = |h: &mut Sha256, bytes: Option<&[u8]>| match bytes {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
    };
    field(&mut h, staff);
    field(&mut h, Some(action));
    field(&mut h, patient);
    field(&mut h, subject);
    h.update(prev);
    h.finalize().into()
}
