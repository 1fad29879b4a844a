//! Tokens and codes that grant access: redacted in `Debug`, zeroized on drop.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A token or code that grants access (access, refresh, linkage, single-use tokens, auth codes,
/// DOKU token ids).
///
/// `Debug` prints `Secret([redacted])`; there is no `Display`; the text is zeroized on drop. It
/// serializes as a plain JSON string because it must travel in request bodies: serialize messages
/// only to send them, and log them with `Debug`.
///
/// ```
/// let token = ovo_model::Secret::new("eyJhbGciOi...");
/// assert_eq!(format!("{token:?}"), "Secret([redacted])");
/// assert_eq!(token.expose(), "eyJhbGciOi...");
/// ```
/// Two secrets compare in constant time (for equal lengths), so comparing a presented token with a
/// stored one does not leak how many leading bytes matched. There is no `Default`: an empty token
/// is never made by accident.
///
/// Clones share one copy of the text (zeroized when the last clone is dropped), so a token
/// handed to the stores, the caches and the signer is in memory once.
#[derive(Clone)]
pub struct Secret(Arc<Zeroizing<String>>);

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq as _;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl Secret {
    /// Wraps a token or code; the text is zeroized when the `Secret` is dropped.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::new(Zeroizing::new(value.into())))
    }

    /// The token text. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}
