//! Clinics, one-time enrollment codes, device tokens, and the site each device is bound to.
//!
//! A device enrolls with a code (stored hashed, spent in the transaction that creates the
//! device) and its site id; every change it sends must carry that site. A device that was
//! revoked can enroll again with a new code for the same clinic and keep its site, so its
//! unsent work still goes up.

use rapport_model::RefusalCode;
use rapport_model::sync::{EnrollRequest, EnrollResponse};
use uuid::Uuid;

use super::{OfficeResult, random_bytes, random_uuid, refused, sha256_hex};
use crate::db::{Db, Row, rows};

pub fn add_clinic(db: &mut dyn Db, name: &str, now_ms: i64) -> OfficeResult<Uuid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return refused(400, RefusalCode::Invalid, "a clinic name is 1 to 120 printable characters");
    }
    if db.query_one("SELECT id FROM clinic WHERE name = $1", &[name.into()])?.is_some() {
        return refused(409, RefusalCode::Exists, "a clinic of that name exists already");
    }
    let id = random_uuid();
    db.exec(
        "INSERT INTO clinic (id, name, created_at) VALUES ($1, $2, $3)",
        &[id.to_string().into(), name.into(), now_ms.into()],
    )?;
    Ok(id)
}

/// How long an enrollment code stays usable.
const CODE_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

/// Makes a one-time enrollment code for a clinic; only its hash is stored.
pub fn new_enroll_code(db: &mut dyn Db, clinic: &str, now_ms: i64) -> OfficeResult<String> {
    let Some(row) = db.query_one("SELECT id FROM clinic WHERE name = $1", &[clinic.trim().into()])? else {
        return refused(
            404,
            RefusalCode::NoClinic,
            "no clinic of that name; add it with `rapport-server clinic add NAME`",
        );
    };
    let clinic_id = Row::new(row, "clinic").text()?;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 12] = random_bytes();
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    let code = format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]);
    db.exec(
        "INSERT INTO enroll_code (code_hash, clinic_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[code_hash(&code).into(), clinic_id.into(), now_ms.into(), (now_ms + CODE_LIFETIME_MS).into()],
    )?;
    Ok(code)
}

fn code_hash(code: &str) -> String {
    let normal: String = code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    sha256_hex(&format!("rapport-enroll:{normal}"))
}

/// An enrolled device, as its token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub clinic: Uuid,
    pub clinic_name: String,
    /// The site every change of this device carries.
    pub site: Uuid,
}

/// Spends a code: the device gets its id and token, and its site is bound to it.
pub fn enroll(db: &mut dyn Db, req: &EnrollRequest, now_ms: i64) -> OfficeResult<EnrollResponse> {
    let hash = code_hash(&req.code);
    let row = db.query_one(
        "SELECT e.clinic_id, c.name, e.used_at, e.expires_at FROM enroll_code e JOIN clinic c ON c.id = e.clinic_id
         WHERE e.code_hash = $1",
        &[hash.clone().into()],
    )?;
    let Some(row) = row else {
        return refused(403, RefusalCode::BadCode, "that enrollment code is not known to head office");
    };
    let mut row = Row::new(row, "enrollment code");
    let (clinic, clinic_name, used_at, expires_at) = (row.uuid()?, row.text()?, row.opt_int()?, row.int()?);
    if used_at.is_some() {
        return refused(
            403,
            RefusalCode::CodeUsed,
            "that enrollment code was used already; ask head office for a new one",
        );
    }
    if expires_at < now_ms {
        return refused(
            403,
            RefusalCode::CodeExpired,
            "that enrollment code has expired; ask head office for a new one",
        );
    }
    // A site belongs to one device at a time; a revoked device may come back with its site
    // (and its unsent changes), but only to its own clinic.
    for mut holder in rows(
        db.query("SELECT clinic_id, revoked_at FROM device WHERE site = $1", &[req.site.to_string().into()])?,
        "device",
    ) {
        let (holder_clinic, revoked) = (holder.uuid()?, holder.opt_int()?);
        if revoked.is_none() {
            return refused(
                409,
                RefusalCode::SiteInUse,
                "another enrolled device uses this desk's site; revoke it at head office before enrolling this desk again",
            );
        }
        if holder_clinic != clinic {
            return refused(
                403,
                RefusalCode::OtherClinic,
                "this desk belonged to another clinic; it cannot join this one",
            );
        }
    }
    let device = random_uuid();
    let token = format!("rpt_{}", hex::encode(random_bytes::<32>()));
    // The code is spent in the same transaction, and only if nobody spent it meanwhile.
    let spent = db.exec(
        "UPDATE enroll_code SET used_at = $1, used_by = $2 WHERE code_hash = $3 AND used_at IS NULL",
        &[now_ms.into(), device.to_string().into(), hash.into()],
    )?;
    if spent != 1 {
        return refused(
            403,
            RefusalCode::CodeUsed,
            "that enrollment code was used already; ask head office for a new one",
        );
    }
    let name: String = req.device_name.chars().filter(|c| !c.is_control()).take(80).collect();
    db.exec(
        "INSERT INTO device (id, clinic_id, token_hash, name, created_at, site) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            device.to_string().into(),
            clinic.to_string().into(),
            sha256_hex(&token).into(),
            name.into(),
            now_ms.into(),
            req.site.to_string().into(),
        ],
    )?;
    let organisation =
        Row::expect(db.query_one("SELECT organisation FROM head_office WHERE id = 1", &[])?, "head office")?.text()?;
    Ok(EnrollResponse { device_id: device, token, clinic_id: clinic, clinic_name, organisation })
}

/// Checks a bearer token; a revoked device is told so.
pub fn authenticate(db: &mut dyn Db, token: Option<&str>, now_ms: i64) -> OfficeResult<Device> {
    let Some(token) = token else {
        return refused(401, RefusalCode::NoToken, "this request needs a device token; enroll the device first");
    };
    let row = db.query_one(
        "SELECT d.id, d.clinic_id, c.name, d.revoked_at, d.site FROM device d JOIN clinic c ON c.id = d.clinic_id
         WHERE d.token_hash = $1",
        &[sha256_hex(token).into()],
    )?;
    let Some(row) = row else {
        return refused(401, RefusalCode::BadToken, "head office does not know this device's token; enroll it again");
    };
    let mut row = Row::new(row, "device");
    let (id, clinic, clinic_name, revoked, site) =
        (row.uuid()?, row.uuid()?, row.text()?, row.opt_int()?, row.opt_uuid()?);
    if revoked.is_some() {
        return refused(
            401,
            RefusalCode::Revoked,
            "head office revoked this device's access; enroll it again with a new code (`rapport sync enroll --again`)",
        );
    }
    let Some(site) = site else {
        return refused(
            401,
            RefusalCode::NoSite,
            "this device was enrolled by an older head office; enroll it again with a new code (`rapport sync enroll --again`)",
        );
    };
    // Written at most once a minute: a desk's every request need not be a write.
    db.exec(
        "UPDATE device SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at < $3)",
        &[now_ms.into(), id.to_string().into(), (now_ms - 60_000).into()],
    )?;
    Ok(Device { id, clinic, clinic_name, site })
}

pub fn revoke_device(db: &mut dyn Db, id: &str, now_ms: i64) -> OfficeResult<bool> {
    Ok(db.exec(
        "UPDATE device SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        &[now_ms.into(), id.trim().to_lowercase().into()],
    )? == 1)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceRow {
    pub id: String,
    pub clinic: String,
    pub name: String,
    pub enrolled_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked: bool,
}

pub fn list_devices(db: &mut dyn Db) -> OfficeResult<Vec<DeviceRow>> {
    let found = db.query(
        "SELECT d.id, c.name, d.name, d.created_at, d.last_seen_at, d.revoked_at FROM device d
         JOIN clinic c ON c.id = d.clinic_id ORDER BY c.name, d.created_at",
        &[],
    )?;
    rows(found, "device")
        .map(|mut r| {
            Ok(DeviceRow {
                id: r.text()?,
                clinic: r.text()?,
                name: r.text()?,
                enrolled_at: r.int()?,
                last_seen_at: r.opt_int()?,
                revoked: r.opt_int()?.is_some(),
            })
        })
        .collect()
}

/// The clinic of that name.
pub(super) fn clinic_id(db: &mut dyn Db, name: &str) -> OfficeResult<Uuid> {
    match db.query_one("SELECT id FROM clinic WHERE name = $1", &[name.into()])? {
        Some(row) => Ok(Row::new(row, "clinic").uuid()?),
        None => refused(404, RefusalCode::NoClinic, "no clinic of that name"),
    }
}
