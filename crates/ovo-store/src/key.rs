//! The key that seals secrets at rest: AES-256-GCM (`ring::aead`), with rotation.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ovo_flows::StoreError;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// The environment variable [`StoreKey::from_env`] reads.
pub const KEY_VARIABLE: &str = "OVO_STORE_KEY";

/// The first byte of every sealed value: the format of what follows (nonce, then ciphertext and
/// tag).
const FORMAT: u8 = 1;

/// Why a store key could not be loaded. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// `OVO_STORE_KEY` is not set.
    #[error(
        "OVO_STORE_KEY is not set: give 32 random bytes in base64 (several, comma-separated, to rotate)"
    )]
    Missing,
    /// One of the keys is not base64 of exactly 32 bytes.
    #[error("OVO_STORE_KEY: key {position} is not base64 of 32 bytes")]
    Malformed {
        /// Its position in the list, from 1.
        position: usize,
    },
    /// The same key is listed twice.
    #[error("OVO_STORE_KEY: key {position} is listed twice")]
    Duplicate {
        /// Its second position in the list, from 1.
        position: usize,
    },
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

struct Entry {
    id: String,
    key: LessSafeKey,
}

/// The keys that seal customers' tokens and flows' secrets at rest, with AES-256-GCM.
///
/// The first key seals; every key opens, so a key is rotated by putting the new key first and
/// keeping the old one until no row is sealed under it any more ([`crate::SqlStore::reseal`]).
/// Each sealed row stores the id of its key: 8 hex digits derived from the key (SHA-256), which
/// reveal nothing of it. `Debug` shows the ids only.
///
/// ```
/// use ovo_store::StoreKey;
///
/// let new = StoreKey::generate()?;
/// let old = StoreKey::generate()?;
/// let key = StoreKey::parse(&format!("{new},{old}"))?;
/// assert_eq!(key.key_ids().count(), 2);
/// assert_eq!(key.key_ids().next(), Some(key.sealing_key_id()));
/// assert!(!format!("{key:?}").contains(&new));
/// # Ok::<(), ovo_store::KeyError>(())
/// ```
pub struct StoreKey {
    entries: Vec<Entry>,
    random: SystemRandom,
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreKey")
            .field("key_ids", &self.key_ids().collect::<Vec<_>>())
            .finish()
    }
}

impl StoreKey {
    /// The keys in `OVO_STORE_KEY`: base64 of 32 bytes each, comma-separated, the sealing key
    /// first.
    ///
    /// ```no_run
    /// let key = ovo_store::StoreKey::from_env()?;
    /// # Ok::<(), ovo_store::KeyError>(())
    /// ```
    pub fn from_env() -> Result<Self, KeyError> {
        let value = Zeroizing::new(std::env::var(KEY_VARIABLE).map_err(|_| KeyError::Missing)?);
        Self::parse(&value)
    }

    /// Parses keys as `OVO_STORE_KEY` gives them: base64 of 32 bytes, comma-separated (spaces
    /// around commas are ignored), the sealing key first.
    ///
    /// ```
    /// use ovo_store::{KeyError, StoreKey};
    ///
    /// assert_eq!(StoreKey::parse("").unwrap_err(), KeyError::Missing);
    /// assert_eq!(StoreKey::parse("c2hvcnQ=").unwrap_err(), KeyError::Malformed { position: 1 });
    /// ```
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for (index, part) in text.split(',').map(str::trim).enumerate() {
            if part.is_empty() && text.trim().is_empty() {
                return Err(KeyError::Missing);
            }
            let bytes = Zeroizing::new(STANDARD.decode(part).map_err(|_| KeyError::Malformed {
                position: index + 1,
            })?);
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::Malformed {
                    position: index + 1,
                })?;
            keys.push(Zeroizing::new(key));
        }
        let keys: Vec<&[u8; 32]> = keys.iter().map(|k| &**k).collect();
        Self::from_bytes(&keys)
    }

    /// Keys from raw bytes, the sealing key first.
    ///
    /// ```
    /// let key = ovo_store::StoreKey::from_bytes(&[&[7; 32]])?;
    /// assert_eq!(key.sealing_key_id().len(), 8);
    /// # Ok::<(), ovo_store::KeyError>(())
    /// ```
    pub fn from_bytes(keys: &[&[u8; 32]]) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::Missing);
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(keys.len());
        for (index, bytes) in keys.iter().enumerate() {
            let id = key_id(bytes);
            if entries.iter().any(|e| e.id == id) {
                return Err(KeyError::Duplicate {
                    position: index + 1,
                });
            }
            let unbound =
                UnboundKey::new(&AES_256_GCM, &bytes[..]).map_err(|_| KeyError::Malformed {
                    position: index + 1,
                })?;
            entries.push(Entry {
                id,
                key: LessSafeKey::new(unbound),
            });
        }
        Ok(Self {
            entries,
            random: SystemRandom::new(),
        })
    }

    /// A new random key, in base64: a value for `OVO_STORE_KEY`. Keep it secret, and keep it:
    /// without it, stored tokens cannot be read.
    ///
    /// ```
    /// let text = ovo_store::StoreKey::generate()?;
    /// assert!(ovo_store::StoreKey::parse(&text).is_ok());
    /// # Ok::<(), ovo_store::KeyError>(())
    /// ```
    pub fn generate() -> Result<String, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut bytes[..])
            .map_err(|_| KeyError::Random)?;
        Ok(STANDARD.encode(&bytes[..]))
    }

    /// The id of the key that seals.
    ///
    /// ```
    /// let key = ovo_store::StoreKey::from_bytes(&[&[1; 32], &[2; 32]])?;
    /// assert_eq!(key.key_ids().next(), Some(key.sealing_key_id()));
    /// # Ok::<(), ovo_store::KeyError>(())
    /// ```
    pub fn sealing_key_id(&self) -> &str {
        self.entries.first().map_or("", |e| e.id.as_str())
    }

    /// The ids of every key, the sealing key first.
    ///
    /// ```
    /// let key = ovo_store::StoreKey::from_bytes(&[&[1; 32], &[2; 32]])?;
    /// assert_eq!(key.key_ids().count(), 2);
    /// # Ok::<(), ovo_store::KeyError>(())
    /// ```
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.id.as_str())
    }

    /// Whether a key with this id is held.
    ///
    /// ```
    /// let key = ovo_store::StoreKey::from_bytes(&[&[1; 32]])?;
    /// assert!(key.knows(key.sealing_key_id()));
    /// assert!(!key.knows("00000000"));
    /// # Ok::<(), ovo_store::KeyError>(())
    /// ```
    pub fn knows(&self, key_id: &str) -> bool {
        self.entries.iter().any(|e| e.id == key_id)
    }

    /// Seals `plain` under the sealing key, bound to `context` (the table and row it belongs to,
    /// so a sealed value copied to another row does not open). Returns the key id and the
    /// sealed bytes.
    pub(crate) fn seal(
        &self,
        context: &str,
        plain: &[u8],
    ) -> Result<(String, Vec<u8>), StoreError> {
        let entry = self
            .entries
            .first()
            .ok_or_else(|| StoreError::Unavailable("no store key".into()))?;
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| StoreError::Unavailable("the random number generator failed".into()))?;
        let mut in_out = plain.to_vec();
        let sealed = entry.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut in_out,
        );
        if sealed.is_err() {
            zeroize::Zeroize::zeroize(&mut in_out);
            return Err(StoreError::Unavailable("sealing failed".into()));
        }
        let mut out = Vec::with_capacity(1 + NONCE_LEN + in_out.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&in_out);
        Ok((entry.id.clone(), out))
    }

    /// Opens what [`Self::seal`] sealed for `context`. An unknown key id, a tampered or
    /// truncated value, or a value of another row is [`StoreError::Corrupt`].
    pub(crate) fn open(
        &self,
        context: &str,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.id == key_id)
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "{context} is sealed under key {key_id}, which OVO_STORE_KEY does not hold"
                ))
            })?;
        let corrupt = || StoreError::Corrupt(format!("{context} does not open (corrupt)"));
        let (format, rest) = sealed.split_first().ok_or_else(corrupt)?;
        if *format != FORMAT || rest.len() < NONCE_LEN {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
        let mut in_out = Zeroizing::new(ciphertext.to_vec());
        let plain_len = entry
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| corrupt())?
            .len();
        in_out.truncate(plain_len);
        Ok(in_out)
    }
}

/// 8 hex digits of SHA-256 over a label and the key: names the key without revealing it.
fn key_id(key: &[u8; 32]) -> String {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(b"ovo-store key id\0");
    context.update(key);
    let digest = context.finish();
    hex::encode(digest.as_ref().get(..4).unwrap_or_default())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let key = StoreKey::from_bytes(&[&[1; 32], &[2; 32]]).unwrap();
        let (id, sealed) = key.seal("tokens/alice", b"secret").unwrap();
        assert_eq!(id, key.sealing_key_id());
        assert_eq!(
            &key.open("tokens/alice", &id, &sealed).unwrap()[..],
            b"secret"
        );
        assert!(matches!(
            key.open("tokens/bob", &id, &sealed),
            Err(StoreError::Corrupt(_))
        ));
        let other = key.key_ids().nth(1).unwrap();
        assert!(matches!(
            key.open("tokens/alice", other, &sealed),
            Err(StoreError::Corrupt(_))
        ));
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(matches!(
            key.open("tokens/alice", &id, &tampered),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            key.open("tokens/alice", &id, &[]),
            Err(StoreError::Corrupt(_))
        ));
        // Rotation: the old key still opens what it sealed.
        let old = StoreKey::from_bytes(&[&[2; 32]]).unwrap();
        let (old_id, old_sealed) = old.seal("tokens/alice", b"before").unwrap();
        assert_eq!(
            &key.open("tokens/alice", &old_id, &old_sealed).unwrap()[..],
            b"before"
        );
        let err = StoreKey::from_bytes(&[&[3; 32]])
            .unwrap()
            .open("tokens/alice", &old_id, &old_sealed)
            .unwrap_err();
        assert!(err.to_string().contains(&old_id), "{err}");
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(StoreKey::parse("  ").unwrap_err(), KeyError::Missing);
        let a = StoreKey::generate().unwrap();
        assert_eq!(
            StoreKey::parse(&format!("{a}, {a}")).unwrap_err(),
            KeyError::Duplicate { position: 2 }
        );
        assert_eq!(
            StoreKey::parse(&format!("{a},!!")).unwrap_err(),
            KeyError::Malformed { position: 2 }
        );
        assert!(!format!("{:?}", StoreKey::parse(&a).unwrap()).contains(&a));
    }
}
