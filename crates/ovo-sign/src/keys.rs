//! RSA keys: loading PKCS#1, PKCS#8, SPKI and X.509 from PEM or DER, and RSASSA-PKCS1-v1_5 SHA-256.

use std::fmt;
use std::path::Path;

use pkcs1::{RsaPrivateKey, RsaPublicKey};
use spki::SubjectPublicKeyInfoRef;
use spki::der::Decode as _;
use spki::der::asn1::UintRef;
use zeroize::Zeroizing;

use crate::backend::rand::SystemRandom;
use crate::backend::signature::{self, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use crate::error::{KeyError, SignError};
use crate::files::{FilePermissions, read_private, read_public};

/// `rsaEncryption` (PKCS#1), the algorithm of every RSA key in SPKI and PKCS#8.
const RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

const PRIVATE_LABELS: &str = "RSA PRIVATE KEY (PKCS#1) or PRIVATE KEY (PKCS#8)";
const PUBLIC_LABELS: &str = "RSA PUBLIC KEY (PKCS#1), PUBLIC KEY (SPKI) or CERTIFICATE (X.509)";
const PRIVATE_SIZES: &str = "2048, 3072 or 4096 bits";
const PUBLIC_SIZES: &str = "2048 to 8192 bits";

/// An RSA private key for SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256), 2048 to 4096 bits.
///
/// The PEM text and DER bytes it was read from are zeroized as soon as the key is parsed. The
/// parsed key lives inside the crypto backend (`ring` or `aws-lc-rs`), which does not promise to
/// zeroize its own memory on drop.
/// `Debug` prints only the modulus size.
///
/// ```
/// # let pem = std::fs::read("tests/vectors/keys/rsa2048-pkcs1.pem").unwrap();
/// use ovo_sign::PrivateKey;
///
/// let key = PrivateKey::from_pem(&pem)?;
/// assert_eq!(key.bits(), 2048);
/// assert_eq!(format!("{key:?}"), "PrivateKey { bits: 2048, material: \"[redacted]\" }");
/// # Ok::<(), ovo_sign::KeyError>(())
/// ```
pub struct PrivateKey {
    pair: RsaKeyPair,
    /// The modulus size, read from the DER before the backend parsed it (2048, 3072 or 4096).
    bits: usize,
}

impl PrivateKey {
    /// Reads a PEM private key: `BEGIN RSA PRIVATE KEY` (PKCS#1, what `openssl genrsa -traditional`
    /// writes) or `BEGIN PRIVATE KEY` (PKCS#8). Encrypted keys are refused with a typed error.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        let der = Zeroizing::new(der);
        match label.as_str() {
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::EncryptedPrivateKey),
            _ => Err(KeyError::UnexpectedLabel {
                found: label,
                expected: PRIVATE_LABELS,
            }),
        }
    }

    /// Reads a PEM private key from a file, refusing (under [`FilePermissions::Strict`]) a file
    /// that group or others may access.
    ///
    /// ```no_run
    /// use ovo_sign::{FilePermissions, PrivateKey};
    ///
    /// let key = PrivateKey::from_pem_file("private.pem".as_ref(), FilePermissions::Strict)?;
    /// # Ok::<(), ovo_sign::KeyError>(())
    /// ```
    pub fn from_pem_file(path: &Path, permissions: FilePermissions) -> Result<Self, KeyError> {
        let pem = read_private(path, permissions)?;
        Self::from_pem(&pem)
    }

    /// Reads a DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let bits = check_private_size(pkcs1_private_bits(der)?)?;
        Self::from_backend(RsaKeyPair::from_der(der), bits)
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let (algorithm, pkcs1) = pkcs8_parts(der)?;
        if algorithm != RSA_ENCRYPTION {
            return Err(KeyError::NotRsa {
                algorithm: algorithm.to_string(),
            });
        }
        let bits = check_private_size(pkcs1_private_bits(pkcs1)?)?;
        Self::from_backend(RsaKeyPair::from_pkcs8(der), bits)
    }

    fn from_backend(
        pair: Result<RsaKeyPair, crate::backend::error::KeyRejected>,
        bits: usize,
    ) -> Result<Self, KeyError> {
        pair.map(|pair| Self { pair, bits })
            .map_err(|rejected| KeyError::Invalid {
                reason: rejected.to_string(),
            })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The matching public key.
    ///
    /// ```
    /// # let pem = std::fs::read("tests/vectors/keys/rsa2048-pkcs8.pem").unwrap();
    /// let key = ovo_sign::PrivateKey::from_pem(&pem)?;
    /// assert_eq!(key.public_key().bits(), 2048);
    /// # Ok::<(), ovo_sign::KeyError>(())
    /// ```
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            pkcs1: self.pair.public_key().as_ref().to_vec(),
            bits: self.bits(),
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub(crate) fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let mut signature = vec![0; self.bits / 8];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| SignError::Backend)?;
        Ok(signature)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .field("material", &"[redacted]")
            .finish()
    }
}

/// An RSA public key, held as PKCS#1 `RSAPublicKey` DER (the form both backends verify with).
///
/// Accepts what OVO asks partners for (PKCS#1, `BEGIN RSA PUBLIC KEY`), what most tools write
/// (SPKI, `BEGIN PUBLIC KEY`) and X.509 certificates, whose SPKI is unwrapped.
///
/// ```
/// # let pem = std::fs::read("tests/vectors/keys/rsa3072-cert.pem").unwrap();
/// let key = ovo_sign::PublicKey::from_pem(&pem)?;
/// assert_eq!(key.bits(), 3072);
/// # Ok::<(), ovo_sign::KeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    pkcs1: Vec<u8>,
    bits: usize,
}

impl PublicKey {
    /// Reads a PEM public key: PKCS#1, SPKI or an X.509 certificate.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&der),
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "CERTIFICATE" => Self::from_x509_der(&der),
            _ => Err(KeyError::UnexpectedLabel {
                found: label,
                expected: PUBLIC_LABELS,
            }),
        }
    }

    /// Reads a PEM public key from a file.
    ///
    /// ```no_run
    /// let key = ovo_sign::PublicKey::from_pem_file("partner-public.pem".as_ref())?;
    /// # Ok::<(), ovo_sign::KeyError>(())
    /// ```
    pub fn from_pem_file(path: &Path) -> Result<Self, KeyError> {
        Self::from_pem(&read_public(path)?)
    }

    /// Reads a DER PKCS#1 `RSAPublicKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = RsaPublicKey::<UintRef<'_>>::from_der(der).map_err(invalid)?;
        let bits = modulus_bits(key.modulus);
        if !(2048..=8192).contains(&bits) {
            return Err(KeyError::UnsupportedSize {
                bits,
                allowed: PUBLIC_SIZES,
            });
        }
        Ok(Self {
            pkcs1: der.to_vec(),
            bits,
        })
    }

    /// Reads a DER `SubjectPublicKeyInfo` holding an RSA key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = SubjectPublicKeyInfoRef::from_der(der).map_err(invalid)?;
        Self::from_spki(&info)
    }

    /// Reads a DER X.509 certificate and takes its subject's RSA public key.
    pub fn from_x509_der(der: &[u8]) -> Result<Self, KeyError> {
        let certificate = x509_cert::Certificate::from_der(der).map_err(invalid)?;
        let info = certificate.tbs_certificate().subject_public_key_info();
        if info.algorithm.oid != RSA_ENCRYPTION {
            return Err(KeyError::NotRsa {
                algorithm: info.algorithm.oid.to_string(),
            });
        }
        Self::from_pkcs1_der(info.subject_public_key.raw_bytes())
    }

    fn from_spki(info: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, KeyError> {
        if info.algorithm.oid != RSA_ENCRYPTION {
            return Err(KeyError::NotRsa {
                algorithm: info.algorithm.oid.to_string(),
            });
        }
        Self::from_pkcs1_der(info.subject_public_key.raw_bytes())
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The key as PKCS#1 `RSAPublicKey` DER.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1
    }

    /// Whether `signature` is RSASSA-PKCS1-v1_5 with SHA-256 over `message` under this key.
    pub(crate) fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.pkcs1)
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits)
            .field("pkcs1_sha256", &crate::sha256_lower_hex(&self.pkcs1))
            .finish()
    }
}

/// Why `bytes` cannot be a PEM key at all, without decoding them: [`KeyError::NotPem`] when there
/// is no `-----BEGIN ` line (a text file that is not a key, an empty file, a binary DER key),
/// `None` otherwise.
///
/// It only looks for the PEM header, so it is cheap and safe on private key material: nothing is
/// base64-decoded or copied. `None` does not mean the key is valid; the parsers
/// ([`PrivateKey::from_pem`], [`PublicKey::from_pem`]) still have the last word. It lets a tool
/// that parses keys with another library word "not PEM" the way `ovo-sign` does.
///
/// ```
/// use ovo_sign::{KeyError, pem_problem};
///
/// assert!(matches!(pem_problem(b"client_id=abc\n"), Some(KeyError::NotPem { der: false })));
/// assert!(matches!(pem_problem(&[0x30, 0x82, 0x04, 0xa4]), Some(KeyError::NotPem { der: true })));
/// assert!(pem_problem(b"-----BEGIN PRIVATE KEY-----\n...").is_none());
/// ```
pub fn pem_problem(bytes: &[u8]) -> Option<KeyError> {
    if memchr::memmem::find(bytes, b"-----BEGIN ").is_none() {
        Some(KeyError::NotPem {
            der: bytes.first() == Some(&0x30),
        })
    } else {
        None
    }
}

fn decode_pem(pem: &[u8]) -> Result<(String, Vec<u8>), KeyError> {
    if let Some(error) = pem_problem(pem) {
        return Err(error);
    }
    let (label, der) = pem_rfc7468::decode_vec(pem).map_err(KeyError::Pem)?;
    Ok((label.to_owned(), der))
}

fn invalid(error: spki::der::Error) -> KeyError {
    KeyError::Invalid {
        reason: error.to_string(),
    }
}

/// The significant bits of a DER unsigned integer.
fn modulus_bits(modulus: UintRef<'_>) -> usize {
    let bytes = modulus.as_bytes();
    match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// The modulus size of a DER PKCS#1 `RSAPrivateKey`, read without copying the private fields.
fn pkcs1_private_bits(der: &[u8]) -> Result<usize, KeyError> {
    let key = RsaPrivateKey::<UintRef<'_>>::from_der(der).map_err(invalid)?;
    Ok(modulus_bits(key.modulus))
}

fn check_private_size(bits: usize) -> Result<usize, KeyError> {
    match bits {
        2048 | 3072 | 4096 => Ok(bits),
        bits => Err(KeyError::UnsupportedSize {
            bits,
            allowed: PRIVATE_SIZES,
        }),
    }
}

/// The algorithm and the inner key of a DER PKCS#8 `PrivateKeyInfo`
/// (`SEQUENCE { version INTEGER, AlgorithmIdentifier, privateKey OCTET STRING, .. }`).
fn pkcs8_parts(der: &[u8]) -> Result<(spki::ObjectIdentifier, &[u8]), KeyError> {
    use spki::der::Reader as _;
    use spki::der::asn1::{AnyRef, OctetStringRef};
    let info = AnyRef::from_der(der).map_err(invalid)?;
    let mut reader = spki::der::SliceReader::new(info.value()).map_err(invalid)?;
    let _version: AnyRef<'_> = reader.decode().map_err(invalid)?;
    let algorithm: spki::AlgorithmIdentifierRef<'_> = reader.decode().map_err(invalid)?;
    let key: &OctetStringRef = reader.decode().map_err(invalid)?;
    Ok((algorithm.oid, key.as_bytes()))
}
