//! UUIDv7 identifiers as distinct newtypes, so a patient id can never be passed where an
//! appointment id is expected. Ids are made on the device (offline), from a timestamp and random
//! bytes that the caller supplies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A UUIDv7 from Unix milliseconds and 10 random bytes (time and randomness come
            /// from the caller: this crate reads neither).
            pub fn from_parts(unix_ms: u64, random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
            }

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }
    };
}

id_type!(
    /// A patient in the master patient file.
    PatientId
);
id_type!(
    /// One version of a rapport pointer (an edit makes a new version with a new id).
    PointerId
);
id_type!(
    /// An appointment.
    AppointmentId
);
id_type!(
    /// A staff account.
    StaffId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_7_and_ordered_by_time() {
        let early = PatientId::from_parts(1_700_000_000_000, [9; 10]);
        let late = PatientId::from_parts(1_700_000_000_001, [0; 10]);
        assert_eq!(early.as_uuid().get_version_num(), 7);
        assert!(early < late, "ids made later sort later");
    }

    #[test]
    fn ids_round_trip_through_text() {
        let id = AppointmentId::from_parts(1_700_000_000_000, [7; 10]);
        let parsed: AppointmentId = id.to_string().parse().expect("parses");
        assert_eq!(parsed, id);
        assert!("not-an-id".parse::<AppointmentId>().is_err());
    }
}
