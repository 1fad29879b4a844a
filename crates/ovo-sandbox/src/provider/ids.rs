//! Random tokens and identifiers.

/// The system RNG failed; the request is answered with a server error, never with a weak id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RngUnavailable;

/// `bytes` random bytes as lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String, RngUnavailable> {
    let mut buffer = vec![0u8; bytes];
    ovo_sign::fill_random(&mut buffer).map_err(|_| RngUnavailable)?;
    Ok(hex::encode(buffer))
}

/// A bearer token: a readable prefix and 24 random bytes.
pub(crate) fn token(prefix: &str) -> Result<String, RngUnavailable> {
    Ok(format!("{prefix}-{}", random_hex(24)?))
}
