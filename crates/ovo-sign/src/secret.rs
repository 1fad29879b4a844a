//! Shared secrets: the SNAP client secret and the DOKU secret key.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use zeroize::Zeroizing;

use crate::backend::hmac;
use crate::error::KeyError;
use crate::files::{FilePermissions, read_private};

/// A symmetric secret (OVO's client secret, DOKU's secret key), used as HMAC key bytes exactly as
/// given: the UTF-8 bytes of the secret text, never base64-decoded.
///
/// The bytes are zeroized on drop; `Debug` prints `ClientSecret([redacted])`; there is no
/// `Display` and no `Serialize`. Read it only through [`ClientSecret::expose`]. Clones share one
/// copy of the bytes, zeroized when the last clone is dropped.
///
/// The HMAC key schedules made from it (HMAC-SHA512 for SNAP, HMAC-SHA256 for DOKU) are made
/// once, at first use, and kept beside the bytes (shared by clones), so a signature hashes no
/// key block again. A schedule is as good as the key for making HMACs, and it is the crypto
/// backend's `hmac::Key`, which `ring` does not zeroize on drop: it stays in memory, unwiped,
/// until the last clone of the secret is dropped (a key made afresh for every signature, as
/// before, left the same state unwiped on the stack once per signature).
///
/// ```
/// use ovo_sign::ClientSecret;
///
/// let secret = ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz")?;
/// assert_eq!(format!("{secret:?}"), "ClientSecret([redacted])");
/// assert!(ClientSecret::new("").is_err());
/// # Ok::<(), ovo_sign::KeyError>(())
/// ```
#[derive(Clone)]
pub struct ClientSecret(Arc<Inner>);

/// The one copy of a secret's bytes, shared by its clones (zeroized when the last one is
/// dropped), and the HMAC keys made from them, each at its first use.
struct Inner {
    bytes: Zeroizing<Vec<u8>>,
    sha256: OnceLock<hmac::Key>,
    sha512: OnceLock<hmac::Key>,
}

impl ClientSecret {
    /// Wraps secret bytes; an empty secret is refused.
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(secret.into());
        if bytes.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(Self(Arc::new(Inner {
            bytes,
            sha256: OnceLock::new(),
            sha512: OnceLock::new(),
        })))
    }

    /// Reads a secret from a text file. One trailing line ending (`\n` or `\r\n`), as editors and
    /// `echo` leave, is not part of the secret and is dropped; any other byte is kept.
    ///
    /// ```no_run
    /// use ovo_sign::{ClientSecret, FilePermissions};
    ///
    /// let secret = ClientSecret::from_file("client-secret.txt".as_ref(), FilePermissions::Strict)?;
    /// # Ok::<(), ovo_sign::KeyError>(())
    /// ```
    pub fn from_file(path: &Path, permissions: FilePermissions) -> Result<Self, KeyError> {
        let mut contents = read_private(path, permissions)?;
        let keep = strip_line_ending(&contents).len();
        contents.truncate(keep);
        Self::new(std::mem::take(&mut *contents))
    }

    /// The secret bytes. Handle them with care: never log them.
    pub fn expose(&self) -> &[u8] {
        &self.0.bytes
    }

    /// The HMAC key for `algorithm`: the one kept for SHA-256 and SHA-512, made at first use;
    /// made afresh for any other algorithm.
    pub(crate) fn hmac_key(&self, algorithm: hmac::Algorithm) -> Cow<'_, hmac::Key> {
        let slot = if algorithm == hmac::HMAC_SHA512 {
            &self.0.sha512
        } else if algorithm == hmac::HMAC_SHA256 {
            &self.0.sha256
        } else {
            return Cow::Owned(hmac::Key::new(algorithm, &self.0.bytes));
        };
        Cow::Borrowed(slot.get_or_init(|| hmac::Key::new(algorithm, &self.0.bytes)))
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

fn strip_line_ending(bytes: &[u8]) -> &[u8] {
    bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_exactly_one_line_ending() {
        assert_eq!(strip_line_ending(b"abc\n"), b"abc");
        assert_eq!(strip_line_ending(b"abc\r\n"), b"abc");
        assert_eq!(strip_line_ending(b"abc\n\n"), b"abc\n");
        assert_eq!(strip_line_ending(b"abc "), b"abc ");
    }

    #[test]
    fn debug_is_redacted() {
        let secret = ClientSecret::new("CANARY-secret").unwrap();
        assert!(!format!("{secret:?}{secret:#?}").contains("CANARY"));
    }
}
