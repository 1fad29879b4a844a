//! Typed errors. None of them ever carries a secret, a token or a signature value.

use std::path::PathBuf;

/// Why a JSON body could not be minified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MinifyError {
    /// A string literal opened at byte `start` never closes: the body is truncated or mis-quoted.
    #[error("unterminated JSON string literal starting at byte {start}")]
    UnterminatedString {
        /// Byte offset of the opening quote.
        start: usize,
    },
}

/// A signing input that would produce a string-to-sign the provider cannot agree with.
///
/// These checks never alter what is signed: they refuse inputs that are certainly mistakes
/// (a full URL where a path belongs, `Bearer ` left on a token, a line break inside a DOKU header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A mandatory component is empty.
    #[error("`{field}` is empty")]
    Empty {
        /// The component's name.
        field: &'static str,
    },
    /// The HTTP method is not an upper-case token such as `POST`.
    #[error("HTTP method {method:?} must be upper-case ASCII letters, such as POST or GET")]
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// The path does not start with `/`: a full URL was probably given where the provider signs
    /// only the path.
    #[error("`{field}` {path:?} must be a path starting with '/', without scheme and host")]
    NotAPath {
        /// Which component.
        field: &'static str,
        /// The value as given.
        path: String,
    },
    /// A component has leading or trailing whitespace, which the provider never sends.
    #[error("`{field}` has leading or trailing whitespace")]
    SurroundingWhitespace {
        /// The component's name.
        field: &'static str,
    },
    /// A component contains the separator of the string-to-sign, which would make it ambiguous.
    #[error(
        "`{field}` contains the separator {separator:?}, which would make the string-to-sign ambiguous"
    )]
    ContainsSeparator {
        /// The component's name.
        field: &'static str,
        /// The forbidden character.
        separator: char,
    },
    /// The access token still carries its `Bearer ` prefix; only the token itself is signed.
    #[error("`access_token` starts with \"Bearer \": sign the token alone, without the prefix")]
    BearerPrefix,
    /// The body could not be minified.
    #[error("body: {0}")]
    Minify(MinifyError),
}

// The cause is in the message, so it is not also a `source()`: an error report that walks the
// chain (anyhow's `{:#}`, eyre) would print it twice.
impl From<MinifyError> for InputError {
    fn from(error: MinifyError) -> Self {
        Self::Minify(error)
    }
}

/// Why a signature could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// An input was refused before signing.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The cryptographic backend refused to sign (for example, the system RNG failed).
    #[error("RSA signing failed in the crypto backend")]
    Backend,
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// An input was refused before verification.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The presented signature is not even well-formed (wrong encoding, prefix or length).
    #[error("malformed signature: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature is well-formed but matches none of the keys or secrets.
    #[error("signature does not match")]
    Mismatch,
    /// No key or secret was given to verify against.
    #[error("no key or secret to verify against")]
    NoKeys,
}

/// Why a key or secret could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The key or secret file's path, as given.
        path: PathBuf,
        /// The operating system's error, also in the message (so not a `source()`: a report
        /// walking the chain would print it twice).
        error: std::io::Error,
    },
    /// The private file is readable or writable by group or others (OpenSSH's rule).
    #[error(
        "permissions {mode:04o} for {path} are too open: a private key must not be accessible by group or others (chmod 600)"
    )]
    InsecurePermissions {
        /// The private key or secret file's path, as given; fix it with `chmod 600`.
        path: PathBuf,
        /// Its Unix permission bits (e.g. `0o644`); any group or other bit is refused.
        mode: u32,
    },
    /// The input is not PEM at all: it has no `-----BEGIN` line (a text file that is not a key,
    /// an empty file, or a key in binary DER form).
    ///
    /// ```
    /// let error = ovo_sign::PrivateKey::from_pem(b"client_id=abc\n").unwrap_err();
    /// assert!(matches!(error, ovo_sign::KeyError::NotPem { der: false }));
    /// assert!(error.to_string().starts_with("not PEM"));
    /// ```
    #[error("{}", if *der {
        "not PEM: this looks like a binary (DER) key; convert it to PEM (openssl pkey -inform DER -in KEY -out KEY.pem)"
    } else {
        "not PEM: a key file starts with a \"-----BEGIN ...-----\" line, and this one has none"
    })]
    NotPem {
        /// Whether it looks like a DER key (binary, starting with an ASN.1 `SEQUENCE`).
        der: bool,
    },
    /// The input has a PEM `-----BEGIN` line but is not valid PEM (a truncated or damaged file).
    #[error("not a valid PEM document: {0}")]
    Pem(pem_rfc7468::Error),
    /// The PEM block is of another kind than expected.
    #[error("PEM label {found:?} is not one of {expected}")]
    UnexpectedLabel {
        /// The label found after `BEGIN`.
        found: String,
        /// The labels accepted here.
        expected: &'static str,
    },
    /// The private key is encrypted; decrypt it first (`openssl pkey -in key.pem -out plain.pem`).
    #[error("the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)")]
    EncryptedPrivateKey,
    /// The key is not an RSA key.
    #[error("not an RSA key (algorithm {algorithm})")]
    NotRsa {
        /// The algorithm object identifier found.
        algorithm: String,
    },
    /// The key's DER structure is malformed or inconsistent.
    #[error("invalid key: {reason}")]
    Invalid {
        /// What the parser reported.
        reason: String,
    },
    /// The modulus size is outside what the schemes allow.
    #[error("RSA key of {bits} bits is not supported: use {allowed}")]
    UnsupportedSize {
        /// The modulus size found.
        bits: usize,
        /// The sizes allowed.
        allowed: &'static str,
    },
    /// A client secret is empty.
    #[error("the secret is empty")]
    EmptySecret,
}

/// Why a timestamp could not be formatted or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The time cannot be written in the format (for example a year past 9999).
    #[error("time cannot be written as {format}")]
    Unrepresentable {
        /// The format's name.
        format: &'static str,
    },
    /// The text does not follow the format.
    #[error("{input:?} is not a {format} timestamp")]
    Parse {
        /// The format's name.
        format: &'static str,
        /// The text given.
        input: String,
    },
}
