//! The crypto backend, chosen at compile time: `ring` (the default feature) or `aws-lc-rs`.
//!
//! Both crates have the same API for everything used here (`digest`, `hmac`, `signature`, `rand`,
//! `error`), so the rest of the crate imports these modules from here and never names a backend.
//! With both features on (feature unification in a workspace can do that), `aws-lc-rs` is used:
//! turning it on is an explicit choice, while `ring` is the default that was not turned off.

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "ovo-sign needs a crypto backend: enable the `ring` (default) or the `aws-lc-rs` feature"
);

#[cfg(feature = "aws-lc-rs")]
pub(crate) use aws_lc_rs::{digest, error, hmac, rand, signature};
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
pub(crate) use ring::{digest, error, hmac, rand, signature};

use rand::SecureRandom as _;

/// The crypto backend this build signs with: `"ring"` or `"aws-lc-rs"`.
///
/// ```
/// assert!(["ring", "aws-lc-rs"].contains(&ovo_sign::CRYPTO_BACKEND));
/// ```
#[cfg(feature = "aws-lc-rs")]
pub const CRYPTO_BACKEND: &str = "aws-lc-rs";
/// The crypto backend this build signs with: `"ring"` or `"aws-lc-rs"`.
///
/// ```
/// assert!(["ring", "aws-lc-rs"].contains(&ovo_sign::CRYPTO_BACKEND));
/// ```
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
pub const CRYPTO_BACKEND: &str = "ring";

/// The operating system's random number generator failed.
///
/// ```
/// let error = ovo_sign::RandomError;
/// assert_eq!(error.to_string(), "the system random number generator failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RandomError;

/// Fills `buffer` with bytes from the operating system's secure random number generator, through
/// the crypto backend in use (so a crate that signs with `ovo-sign` needs no second crypto crate
/// for its tokens and identifiers).
///
/// ```
/// let mut nonce = [0u8; 16];
/// ovo_sign::fill_random(&mut nonce)?;
/// assert_ne!(nonce, [0u8; 16]); // fails with probability 2^-128
/// # Ok::<(), ovo_sign::RandomError>(())
/// ```
pub fn fill_random(buffer: &mut [u8]) -> Result<(), RandomError> {
    rand::SystemRandom::new()
        .fill(buffer)
        .map_err(|_| RandomError)
}
