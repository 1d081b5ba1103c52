//! The database key and where it lives.
//!
//! Each database has a random 256-bit raw key (SQLCipher `PRAGMA key = "x'…'"`, no KDF on open).
//! The key is kept either in the OS keyring (Secret Service, Keychain, Credential Manager) or,
//! where there is none or when the user chooses a passphrase, in the key file beside the
//! database, encrypted with XChaCha20-Poly1305 under an Argon2id key derived from the passphrase.
//! The key file (`<db>.key`) is always there: it says where the key is and carries a check value
//! that tells a wrong key from a damaged database. Nothing ever falls back to plaintext.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::StoreError;

/// The keyring service under which Rapport stores database keys.
pub const KEYRING_SERVICE: &str = "rapport";

/// A 256-bit database key. Zeroed on drop; its `Debug` never shows it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn random() -> Result<Self, StoreError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| StoreError::Random)?;
        Ok(Self(bytes))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(Zeroizing::new(arr)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The SQLCipher statement that keys a connection with this raw key.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex::encode(self.0.as_ref())))
    }

    /// A value that identifies the key without revealing it (SHA-256 of a label and the key).
    fn check_value(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"rapport key check v1");
        h.update(self.0.as_ref());
        hex::encode(&h.finalize()[..16])
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// A passphrase or password held in memory: zeroed on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How a new database's key is to be protected.
#[derive(Debug, Clone)]
pub enum KeyProtection {
    /// In the OS keyring.
    Keyring,
    /// In the key file, wrapped by Argon2id(passphrase).
    Passphrase(Secret, KdfCost),
}

/// Argon2id cost. The default is the one to use; tests may choose a cheaper one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfCost {
    /// The most a key file may ask for: it is read before anything is trusted, so a damaged or
    /// hostile one must not make the desk allocate gigabytes or spin for minutes.
    pub const MAX: Self = Self { memory_kib: 1024 * 1024, iterations: 16, parallelism: 8 };

    fn within_bounds(self) -> bool {
        self.memory_kib <= Self::MAX.memory_kib
            && (1..=Self::MAX.iterations).contains(&self.iterations)
            && (1..=Self::MAX.parallelism).contains(&self.parallelism)
    }
}

impl Default for KdfCost {
    /// 64 MiB, 3 passes: about 160 ms on the clinic's hardware.
    fn default() -> Self {
        Self { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 }
    }
}

/// The key file beside the database.
#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    format: String,
    #[serde(flatten)]
    location: KeyLocation,
    /// Identifies the right key (see [`DataKey::check_value`]).
    key_check: String,
    /// The database file's first 16 bytes (SQLCipher's random salt, stored in clear), binding
    /// this key file to its database: a key file copied over from another database is then a
    /// wrong key, not a damaged file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database_salt: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "protection", rename_all = "snake_case")]
enum KeyLocation {
    Keyring { service: String, account: String },
    Passphrase { kdf: String, cost: KdfCost, salt: String, nonce: String, wrapped_key: String },
}

const KEY_FILE_FORMAT: &str = "rapport-key-v1";

/// Where the key file of the database at `db` lives.
pub fn key_file_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".key");
    db.with_file_name(name)
}

/// How the key of an existing database is protected, for messages and set-up screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStorage {
    Keyring,
    Passphrase,
}

pub fn key_storage(db: &Path) -> Result<KeyStorage, StoreError> {
    Ok(match read_key_file(db)?.location {
        KeyLocation::Keyring { .. } => KeyStorage::Keyring,
        KeyLocation::Passphrase { .. } => KeyStorage::Passphrase,
    })
}

/// Stores a new key as `protection` asks and writes the key file.
pub(crate) fn store_new_key(db: &Path, key: &DataKey, protection: &KeyProtection) -> Result<(), StoreError> {
    let location = match protection {
        KeyProtection::Keyring => {
            let account = account_for(key);
            keyring_store(&account, key)?;
            KeyLocation::Keyring { service: KEYRING_SERVICE.to_owned(), account }
        }
        KeyProtection::Passphrase(passphrase, cost) => wrap(key, passphrase, *cost)?,
    };
    let file = KeyFile {
        format: KEY_FILE_FORMAT.to_owned(),
        location,
        key_check: key.check_value(),
        database_salt: database_salt(db),
    };
    write_atomically(
        &key_file_path(db),
        &serde_json::to_vec_pretty(&file).map_err(|e| StoreError::KeyFile(e.to_string()))?,
    )
}

/// Finds the database's key: from the keyring, or by unwrapping it with the passphrase.
pub(crate) fn load_key(db: &Path, passphrase: Option<&Secret>) -> Result<(DataKey, KeyCheck), StoreError> {
    let file = read_key_file(db)?;
    let key = match &file.location {
        KeyLocation::Keyring { service, account } => keyring_load(service, account)?,
        KeyLocation::Passphrase { kdf, cost, salt, nonce, wrapped_key } => {
            if kdf != "argon2id" {
                return Err(StoreError::KeyFile("unknown key derivation".into()));
            }
            let passphrase = passphrase.ok_or(StoreError::PassphraseRequired)?;
            unwrap(passphrase, *cost, salt, nonce, wrapped_key)?
        }
    };
    let same_database = file.database_salt.is_none_or(|salt| database_salt(db).is_some_and(|s| s == salt));
    let check =
        if key.check_value() == file.key_check && same_database { KeyCheck::Matches } else { KeyCheck::Differs };
    Ok((key, check))
}

/// Records the new database's salt in its key file, once the database has been written.
pub(crate) fn bind_to_database(db: &Path) -> Result<(), StoreError> {
    let mut file = read_key_file(db)?;
    file.database_salt = database_salt(db);
    write_atomically(
        &key_file_path(db),
        &serde_json::to_vec_pretty(&file).map_err(|e| StoreError::KeyFile(e.to_string()))?,
    )
}

fn database_salt(db: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut salt = [0u8; 16];
    fs::File::open(db).ok()?.read_exact(&mut salt).ok()?;
    Some(hex::encode(salt))
}

/// Whether the key found agrees with the check value recorded when the database was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    Matches,
    Differs,
}

/// Re-wraps the key under a new passphrase (or moves it to the keyring).
pub(crate) fn replace_protection(db: &Path, key: &DataKey, protection: &KeyProtection) -> Result<(), StoreError> {
    let old = read_key_file(db)?.location;
    store_new_key(db, key, protection)?;
    // The key file no longer points at the old keyring entry: remove that copy of the key.
    if let (KeyLocation::Keyring { service, account }, KeyProtection::Passphrase(..)) = (old, protection) {
        match keyring_entry(&service, &account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(e) => return Err(StoreError::KeyringUnavailable(keyring_reason(&e))),
        }
    }
    Ok(())
}

fn read_key_file(db: &Path) -> Result<KeyFile, StoreError> {
    let path = key_file_path(db);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::KeyFileMissing(path));
        }
        Err(e) => return Err(StoreError::Io(e)),
    };
    let file: KeyFile =
        serde_json::from_slice(&bytes).map_err(|_| StoreError::KeyFile("the key file is damaged".into()))?;
    if file.format != KEY_FILE_FORMAT {
        return Err(StoreError::KeyFile("the key file has an unknown format".into()));
    }
    Ok(file)
}

fn account_for(key: &DataKey) -> String {
    // Unique per database and stable: derived from the key's check value, not from a path that
    // could move.
    format!("database-{}", &key.check_value()[..16])
}

/// Whether an OS keyring answers at all (a hint for the set-up screen; storing a key still
/// proves the round trip before trusting it).
pub fn keyring_available() -> bool {
    keyring::Entry::store_status().is_ok()
}

fn keyring_entry(service: &str, account: &str) -> Result<keyring::Entry, StoreError> {
    if let Err(e) = keyring::Entry::store_status() {
        return Err(StoreError::KeyringUnavailable(keyring_reason(e)));
    }
    keyring::Entry::new(service, account).map_err(|e| StoreError::KeyringUnavailable(keyring_reason(&e)))
}

fn keyring_store(account: &str, key: &DataKey) -> Result<(), StoreError> {
    let entry = keyring_entry(KEYRING_SERVICE, account)?;
    entry.set_secret(key.as_bytes()).map_err(|e| StoreError::KeyringUnavailable(keyring_reason(&e)))?;
    // Prove the round trip before trusting the keyring with the only copy of the key.
    let back = Zeroizing::new(entry.get_secret().map_err(|e| StoreError::KeyringUnavailable(keyring_reason(&e)))?);
    if back.as_slice() != key.as_bytes() {
        return Err(StoreError::KeyringUnavailable("the keyring did not return the key it was given".into()));
    }
    Ok(())
}

fn keyring_load(service: &str, account: &str) -> Result<DataKey, StoreError> {
    let entry = keyring_entry(service, account)?;
    match entry.get_secret() {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            DataKey::from_bytes(&bytes).ok_or(StoreError::KeyringEntryMissing)
        }
        Err(keyring::Error::NoEntry) => Err(StoreError::KeyringEntryMissing),
        Err(e) => Err(StoreError::KeyringUnavailable(keyring_reason(&e))),
    }
}

fn keyring_reason(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoDefaultStore | keyring::Error::PlatformFailure(_) => {
            "no OS keyring is reachable (on Linux: a Secret Service such as gnome-keyring in a D-Bus session)".into()
        }
        keyring::Error::NoStorageAccess(_) => "the OS keyring is locked or refused access".into(),
        other => format!("the OS keyring failed: {other}"),
    }
}

fn derive(passphrase: &Secret, cost: KdfCost, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    if !cost.within_bounds() {
        return Err(StoreError::KeyFile("the key file asks for more key derivation work than Rapport allows".into()));
    }
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, Some(32))
        .map_err(|_| StoreError::KeyFile("bad key derivation parameters".into()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose().as_bytes(), salt, out.as_mut())
        .map_err(|_| StoreError::KeyFile("key derivation failed".into()))?;
    Ok(out)
}

const WRAP_AAD: &[u8] = b"rapport database key v1";

fn wrap(key: &DataKey, passphrase: &Secret, cost: KdfCost) -> Result<KeyLocation, StoreError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut salt).map_err(|_| StoreError::Random)?;
    getrandom::fill(&mut nonce).map_err(|_| StoreError::Random)?;
    let kek = derive(passphrase, cost, &salt)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let wrapped = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: key.as_bytes(), aad: WRAP_AAD })
        .map_err(|_| StoreError::KeyFile("could not wrap the key".into()))?;
    Ok(KeyLocation::Passphrase {
        kdf: "argon2id".into(),
        cost,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        wrapped_key: hex::encode(wrapped),
    })
}

fn unwrap(passphrase: &Secret, cost: KdfCost, salt: &str, nonce: &str, wrapped: &str) -> Result<DataKey, StoreError> {
    let damaged = || StoreError::KeyFile("the key file is damaged".into());
    let salt = hex::decode(salt).map_err(|_| damaged())?;
    let nonce = hex::decode(nonce).map_err(|_| damaged())?;
    let wrapped = hex::decode(wrapped).map_err(|_| damaged())?;
    if nonce.len() != 24 {
        return Err(damaged());
    }
    let kek = derive(passphrase, cost, &salt)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let mut plain = cipher
        .decrypt(XNonce::from_slice(&nonce), Payload { msg: &wrapped, aad: WRAP_AAD })
        .map_err(|_| StoreError::WrongKey)?;
    let key = DataKey::from_bytes(&plain).ok_or_else(damaged);
    plain.zeroize();
    key
}

/// Creates an empty file readable by its owner only (SQLite gives the -wal and -shm files the
/// database file's mode).
pub(crate) fn create_private_file(path: &Path) -> Result<fs::File, StoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    Ok(options.open(path)?)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("key.tmp");
    let _ = fs::remove_file(&tmp);
    {
        let mut f = create_private_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Make the rename itself durable.
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: KdfCost = KdfCost { memory_kib: 1024, iterations: 1, parallelism: 1 };

    #[test]
    fn a_wrapped_key_unwraps_only_with_its_passphrase() {
        let key = DataKey::random().expect("random");
        let KeyLocation::Passphrase { salt, nonce, wrapped_key, .. } =
            wrap(&key, &Secret::new("correct horse"), CHEAP).expect("wrap")
        else {
            panic!("passphrase location expected")
        };
        let back = unwrap(&Secret::new("correct horse"), CHEAP, &salt, &nonce, &wrapped_key).expect("unwrap");
        assert_eq!(back.as_bytes(), key.as_bytes());
        assert!(matches!(
            unwrap(&Secret::new("wrong horse"), CHEAP, &salt, &nonce, &wrapped_key),
            Err(StoreError::WrongKey)
        ));
    }

    #[test]
    fn a_key_file_asking_for_unbounded_work_is_refused_before_any_is_done() {
        let key = DataKey::random().expect("random");
        let KeyLocation::Passphrase { salt, nonce, wrapped_key, .. } =
            wrap(&key, &Secret::new("correct horse"), CHEAP).expect("wrap")
        else {
            panic!("passphrase location expected")
        };
        let started = std::time::Instant::now();
        for cost in [
            KdfCost { memory_kib: u32::MAX, ..CHEAP },
            KdfCost { iterations: u32::MAX, ..CHEAP },
            KdfCost { parallelism: 1000, ..CHEAP },
            KdfCost { iterations: 0, ..CHEAP },
        ] {
            let refused = unwrap(&Secret::new("correct horse"), cost, &salt, &nonce, &wrapped_key);
            assert!(matches!(refused, Err(StoreError::KeyFile(_))), "{cost:?}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused at once");
        assert!(KdfCost::default().within_bounds());
    }

    #[test]
    fn keys_and_secrets_never_show_in_debug_output() {
        let key = DataKey::random().expect("random");
        assert_eq!(format!("{key:?}"), "DataKey(<redacted>)");
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(<redacted>)");
    }

    #[test]
    fn the_key_file_sits_beside_the_database() {
        assert_eq!(key_file_path(Path::new("/x/clinic.db")), PathBuf::from("/x/clinic.db.key"));
    }
}
