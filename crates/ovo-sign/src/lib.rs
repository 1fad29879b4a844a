//! Signatures for OVO payments: BI SNAP (as OVO uses it) and DOKU's OVO Recurring API.
//!
//! This crate is pure: it builds strings-to-sign, signs and verifies. It does no IO beyond reading
//! key files you name, reads no clock, and has no async runtime or HTTP stack, so any SDK can use it.
//!
//! - [`snap`]: `client_id|timestamp` with SHA256withRSA (access tokens), the symmetric
//!   HMAC-SHA512 service signature, and the asymmetric SHA256withRSA service signature.
//! - [`doku`]: DOKU's five-line component string with HMAC-SHA256.
//! - [`minify`]: the whitespace-only JSON compaction the SNAP body hash is taken over.
//! - [`PrivateKey`], [`PublicKey`], [`ClientSecret`]: keys from PEM (PKCS#1, PKCS#8, SPKI, X.509),
//!   secrets that are zeroized on drop and redacted in `Debug`.
//! - [`SnapTimestampFormat`], [`format_doku_timestamp`]: header timestamps from a time you pass.
//!
//! Every signer signs its inputs verbatim and returns a [`Signature`] that exposes the exact
//! string-to-sign, so a mismatch with the provider can be seen, not guessed.
//!
//! ```
//! use ovo_sign::{ClientSecret, SignatureEncoding, SnapTimestampFormat, snap};
//! use time::macros::datetime;
//!
//! let timestamp = SnapTimestampFormat::OVO.format(datetime!(2024-01-02 03:04:05.678 UTC))?;
//! assert_eq!(timestamp, "2024-01-02T10:04:05.678+07:00");
//!
//! let body = br#"{"partnerReferenceNo":"INV-1","amount":{"value":"10000.00","currency":"IDR"}}"#;
//! let request = snap::ServiceRequest {
//!     method: "POST",
//!     path: "/OVOSNAP/v2.0/debit/payment-host-to-host",
//!     access_token: "the-token-in-authorization",
//!     body,
//!     timestamp: &timestamp,
//! };
//! let secret = ClientSecret::new("client-secret")?;
//! let signed = snap::sign_service(&secret, &request, SignatureEncoding::Base64)?;
//! // Send `body` (these exact bytes), `timestamp` as X-TIMESTAMP, and this as X-SIGNATURE:
//! let _x_signature = signed.header_value();
//! snap::verify_service(&[secret], &request, SignatureEncoding::Base64, signed.header_value())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod backend;
mod checks;
pub mod doku;
mod encoding;
mod error;
mod files;
mod keys;
mod minify;
mod primitives;
mod secret;
mod signature;
pub mod snap;
mod timestamp;

pub use backend::{CRYPTO_BACKEND, RandomError, fill_random};
pub use encoding::{SignatureEncoding, sha256_base64, sha256_lower_hex};
pub use error::{InputError, KeyError, MinifyError, SignError, TimestampError, VerifyError};
pub use files::{FilePermissions, insecure_mode};
pub use keys::{PrivateKey, PublicKey, pem_problem};
pub use minify::minify;
pub use secret::ClientSecret;
pub use signature::Signature;
pub use timestamp::{
    Precision, SnapTimestampFormat, VALID_YEARS, format_doku_timestamp, parse_doku_timestamp,
    parse_snap_timestamp,
};

/// The `time` crate, re-exported for the timestamp functions' argument types.
pub use time;

/// The crate's README, compiled as a doc-test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
