//! The two primitives every scheme is made of, with verification against several keys (rotation).

use crate::backend::hmac;

use crate::error::VerifyError;
use crate::keys::PublicKey;
use crate::secret::ClientSecret;

/// The HMAC of `message` under `secret`.
pub(crate) fn hmac_sign(
    algorithm: hmac::Algorithm,
    secret: &ClientSecret,
    message: &[u8],
) -> hmac::Tag {
    hmac::sign(&secret.hmac_key(algorithm), message)
}

/// Accepts `tag` if it is the HMAC of `message` under any of `secrets`.
///
/// Each comparison is constant-time (the backend's `hmac::verify`), and every secret is tried, so the time
/// taken does not tell which secret matched.
pub(crate) fn hmac_verify_any(
    algorithm: hmac::Algorithm,
    secrets: &[ClientSecret],
    message: &[u8],
    tag: &[u8],
) -> Result<(), VerifyError> {
    if secrets.is_empty() {
        return Err(VerifyError::NoKeys);
    }
    if tag.len() != algorithm.digest_algorithm().output_len() {
        return Err(VerifyError::MalformedSignature {
            reason: "wrong length for this HMAC",
        });
    }
    let mut matched = false;
    for secret in secrets {
        matched |= hmac::verify(&secret.hmac_key(algorithm), message, tag).is_ok();
    }
    if matched {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// Accepts `signature` if it is SHA256withRSA over `message` under any of `keys`.
pub(crate) fn rsa_verify_any(
    keys: &[PublicKey],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    if keys.is_empty() {
        return Err(VerifyError::NoKeys);
    }
    if keys.iter().any(|key| key.verify_sha256(message, signature)) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}
