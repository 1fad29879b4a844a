//! The ids the client makes: SNAP `X-EXTERNAL-ID`s, flow ids and DOKU `Request-Id`s.

use std::sync::atomic::{AtomicU64, Ordering};

use ovo_model::snap::ExternalId;
use time::OffsetDateTime;

/// Fresh `X-EXTERNAL-ID`s (unique per day \[P\]) and DOKU `Request-Id`s.
#[derive(Debug)]
pub(crate) struct Ids {
    /// Twelve hex digits (48 bits) drawn once per client, that set its external ids apart from
    /// other processes' (the time and [`COUNTER`] set them apart within this one). Two clients
    /// in different processes collide only if their salts match and their millisecond and
    /// counter line up: with 48 bits, a salt match is about one in 2^24 even among 2^12 live
    /// processes (24 bits made it likely among a few thousand).
    salt: String,
}

/// One counter for every client of the process: two clients never make the same id in one
/// millisecond, whatever their salts.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The salt's size: 6 bytes, 12 hex digits, so that an external id is 31 characters (13 digits
/// of milliseconds, 6 of counter, 12 of salt): within 32, and the 36 \[P\] allows.
const SALT_BYTES: usize = 6;

impl Default for Ids {
    fn default() -> Self {
        let mut salt = [0u8; SALT_BYTES];
        if ovo_sign::fill_random(&mut salt).is_err() {
            // No system randomness (never seen on a running system): the process id and the
            // clock's nanoseconds tell this process from others well enough for ids that need
            // to be unique, not secret.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let mixed = u64::from(std::process::id()).rotate_left(24) ^ u64::from(nanos);
            salt.copy_from_slice(&mixed.to_le_bytes()[..SALT_BYTES]);
        }
        Self {
            salt: hex::encode(salt),
        }
    }
}

impl Ids {
    fn random(bytes: usize) -> String {
        let mut buffer = vec![0u8; bytes];
        // On an RNG failure the counter and the time still make the id unique in this process.
        let _ = ovo_sign::fill_random(&mut buffer);
        hex::encode(buffer)
    }

    /// Milliseconds (13 digits until the year 2286), a process counter (6 digits) and the
    /// client's salt (12 hex digits): 31 characters, and no system call.
    pub(crate) fn external_id(
        &self,
        now: OffsetDateTime,
    ) -> Result<ExternalId, ovo_model::FieldError> {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let millis = now.unix_timestamp_nanos() / 1_000_000;
        ExternalId::new(format!("{millis}{counter:06}{}", self.salt))
    }

    /// A flow id: 32 random hex digits.
    pub(crate) fn flow_id(&self) -> String {
        Self::random(16)
    }

    /// A DOKU `Request-Id` (≤ 128 \[S\]).
    pub(crate) fn request_id(&self) -> String {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        format!("{}-{counter}", Self::random(16))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn a_million_external_ids_in_one_millisecond_are_distinct_and_fit_32_characters() {
        let ids = Ids::default();
        assert_eq!(ids.salt.len(), 12, "{}", ids.salt);
        let now = OffsetDateTime::now_utc();
        let mut seen = HashSet::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            let id = ids.external_id(now).unwrap();
            let id = id.as_str();
            assert!(id.len() <= 32, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            assert!(seen.insert(id.to_owned()), "{id} twice");
        }
    }
}
