//! The output of every signer: the header value and the exact string it was computed over.

use std::fmt;

use zeroize::Zeroizing;

/// A computed signature and the string-to-sign behind it.
///
/// The string-to-sign is kept for debugging ("what did we actually sign?"). It may contain an
/// access token, so it is zeroized on drop and `Debug` prints neither it nor the signature.
///
/// ```
/// use ovo_sign::{ClientSecret, doku};
///
/// let secret = ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz")?;
/// let components = doku::Components::post(
///     "MCH-0001-10791114622547",
///     "15022aab-444f-4b04-afa8-ddfce89432ec",
///     "2020-08-11T08:45:42Z",
///     "/ovo-open-api/v1/balance",
///     b"",
/// );
/// let signed = doku::sign(&secret, &components)?;
/// assert_eq!(signed.header_value(), "HMACSHA256=OQ6oQjPrc9Rt11JGTQyeh9n+dRFdlAB43B0AZj6kwz4=");
/// assert!(signed.string_to_sign().starts_with("Client-Id:MCH-0001-10791114622547\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    string_to_sign: Zeroizing<String>,
    header_value: String,
}

impl Signature {
    pub(crate) fn new(string_to_sign: String, header_value: String) -> Self {
        Self {
            string_to_sign: Zeroizing::new(string_to_sign),
            header_value,
        }
    }

    /// The exact string that was signed.
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The value to put in the signature header (`X-SIGNATURE` or `Signature`), verbatim.
    pub fn header_value(&self) -> &str {
        &self.header_value
    }

    /// Takes the header value, dropping (and zeroizing) the string-to-sign.
    pub fn into_header_value(self) -> String {
        self.header_value
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("string_to_sign", &"[redacted]")
            .field("header_value", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_value_is_kept_whole_and_debug_shows_neither_part() {
        let signature = Signature::new("POST:/p:token:abc:ts".into(), "c2lnbmF0dXJl".into());
        let debug = format!("{signature:?}");
        assert!(debug.contains("[redacted]"), "{debug}");
        assert!(
            !debug.contains("token") && !debug.contains("c2lnbmF0dXJl"),
            "{debug}"
        );
        assert_eq!(signature.string_to_sign(), "POST:/p:token:abc:ts");
        assert_eq!(signature.into_header_value(), "c2lnbmF0dXJl");
    }
}
