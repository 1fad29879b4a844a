//! Digests and the text encodings of signature bytes.

use crate::backend::digest::{SHA256, digest};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::VerifyError;

/// How signature bytes are written into a header.
///
/// SNAP's de facto encoding is standard base64 with padding (DOKU, BRI, DANA, Bank Neo). OVO's own
/// FAQ sample of a symmetric signature is 128 lower-case hex characters, exactly an HMAC-SHA512 in
/// hex, so OVO may expect hex there: that choice is configuration, not a guess buried in code.
///
/// ```
/// use ovo_sign::SignatureEncoding;
///
/// assert_eq!(SignatureEncoding::Base64.encode(&[0xfb, 0xff]), "+/8=");
/// assert_eq!(SignatureEncoding::HexLower.encode(&[0xfb, 0xff]), "fbff");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum SignatureEncoding {
    /// Standard base64 (RFC 4648 §4, `+/` alphabet) with `=` padding.
    #[default]
    Base64,
    /// Lower-case hexadecimal.
    HexLower,
}

impl SignatureEncoding {
    /// Encodes signature bytes.
    ///
    /// ```
    /// # use ovo_sign::SignatureEncoding;
    /// assert_eq!(SignatureEncoding::HexLower.encode(b"\x01\xab"), "01ab");
    /// ```
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Base64 => STANDARD.encode(bytes),
            Self::HexLower => hex::encode(bytes),
        }
    }

    /// Decodes a presented signature; base64 must be canonical and padded, hex may be of either case.
    ///
    /// ```
    /// # use ovo_sign::SignatureEncoding;
    /// assert_eq!(SignatureEncoding::Base64.decode("+/8=").unwrap(), vec![0xfb, 0xff]);
    /// assert!(SignatureEncoding::Base64.decode("+/8").is_err());
    /// ```
    pub fn decode(self, text: &str) -> Result<Vec<u8>, VerifyError> {
        match self {
            Self::Base64 => STANDARD
                .decode(text)
                .map_err(|_| VerifyError::MalformedSignature {
                    reason: "not standard padded base64",
                }),
            Self::HexLower => hex::decode(text).map_err(|_| VerifyError::MalformedSignature {
                reason: "not hexadecimal",
            }),
        }
    }

    /// The name used in configuration and on the command line: `base64` or `hex`.
    ///
    /// ```
    /// # use ovo_sign::SignatureEncoding;
    /// assert_eq!(SignatureEncoding::HexLower.name(), "hex");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::HexLower => "hex",
        }
    }
}

/// Lower-case hex of SHA-256, as SNAP puts the body hash into its string-to-sign.
///
/// ```
/// assert_eq!(
///     ovo_sign::sha256_lower_hex(b""),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// ```
pub fn sha256_lower_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(64);
    push_sha256_lower_hex(&mut text, bytes);
    text
}

/// Appends the lower-case hex of SHA-256 of `bytes` to `text`, without an intermediate string.
///
/// The 64 digits are written into a stack buffer and appended at once: pushing them one `char` at
/// a time checks the capacity and encodes UTF-8 for each.
pub(crate) fn push_sha256_lower_hex(text: &mut String, bytes: &[u8]) {
    let hex = sha256_lower_hex_bytes(bytes);
    // Always ASCII; the check costs a pass over 64 bytes.
    text.push_str(std::str::from_utf8(&hex).unwrap_or_default());
}

/// Lowercase hex of SHA-256, as 64 ASCII bytes on the stack.
pub(crate) fn sha256_lower_hex_bytes(bytes: &[u8]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = [0u8; 64];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest(&SHA256, bytes).as_ref()) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    hex
}

/// Standard base64 of SHA-256, as DOKU writes its `Digest` component.
///
/// ```
/// assert_eq!(ovo_sign::sha256_base64(b""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
/// ```
pub fn sha256_base64(bytes: &[u8]) -> String {
    STANDARD.encode(digest(&SHA256, bytes))
}

/// Decodes standard padded base64 into signature bytes.
pub(crate) fn decode_base64_signature(text: &str) -> Result<Vec<u8>, VerifyError> {
    SignatureEncoding::Base64.decode(text)
}
