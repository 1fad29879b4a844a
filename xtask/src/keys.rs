//! Key setup: `cargo xtask keygen` and `cargo xtask decrypt-credentials`, and the encryption the
//! sandbox's enrolment plays the provider with.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr as _;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail, ensure};
use base64::Engine as _;
use clap::{Args, ValueEnum};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::traits::PublicKeyParts as _;
use rsa::{Oaep, Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::referenced::OwnedToRef as _;
use x509_cert::der::{DecodePem, EncodePem};

use crate::Plain as _;

/// `cargo xtask keygen`.
#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Directory to write the keys to (created if missing; existing key files are never overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// RSA modulus size.
    #[arg(long, default_value_t = 4096, value_parser = parse_bits)]
    bits: usize,
}

fn parse_bits(text: &str) -> Result<usize, String> {
    match text {
        "2048" | "3072" | "4096" => text.parse().map_err(|_| text.to_owned()),
        _ => Err(format!("{text} bits: use 2048, 3072 or 4096")),
    }
}

/// The files `keygen` writes, in order.
pub(crate) const KEY_FILES: [&str; 7] = [
    "signing-private-pkcs8.pem",
    "signing-private-pkcs1.pem",
    "signing-public-pkcs1.pem",
    "sharing-private-pkcs8.pem",
    "sharing-private-pkcs1.pem",
    "sharing-public-spki.pem",
    "sharing-cert.pem",
];

/// Generated key material, as PEM texts keyed by file name.
pub(crate) struct KeySet {
    pub(crate) files: Vec<(&'static str, String, bool)>,
    pub(crate) fingerprints: Vec<(&'static str, String)>,
}

/// Generates the signing pair and the credential-sharing pair (with a self-signed certificate).
pub(crate) fn generate(bits: usize) -> anyhow::Result<KeySet> {
    let mut rng = rand::rngs::OsRng;
    let signing = RsaPrivateKey::new(&mut rng, bits)
        .plain()
        .context("key generation")?;
    let sharing = RsaPrivateKey::new(&mut rng, bits)
        .plain()
        .context("key generation")?;
    let (signing_public, sharing_public) =
        (RsaPublicKey::from(&signing), RsaPublicKey::from(&sharing));
    let pkcs8 = |key: &RsaPrivateKey| {
        key.to_pkcs8_pem(LineEnding::LF)
            .map(|s| s.to_string())
            .plain()
    };
    let pkcs1 = |key: &RsaPrivateKey| {
        key.to_pkcs1_pem(LineEnding::LF)
            .map(|s| s.to_string())
            .plain()
    };
    let files = vec![
        ("signing-private-pkcs8.pem", pkcs8(&signing)?, true),
        ("signing-private-pkcs1.pem", pkcs1(&signing)?, true),
        (
            "signing-public-pkcs1.pem",
            signing_public.to_pkcs1_pem(LineEnding::LF).plain()?,
            false,
        ),
        ("sharing-private-pkcs8.pem", pkcs8(&sharing)?, true),
        ("sharing-private-pkcs1.pem", pkcs1(&sharing)?, true),
        (
            "sharing-public-spki.pem",
            sharing_public.to_public_key_pem(LineEnding::LF).plain()?,
            false,
        ),
        ("sharing-cert.pem", certificate(&sharing)?, false),
    ];
    let fingerprints = vec![
        (
            "signing public key (send to OVO, PKCS#1)",
            fingerprint(&signing_public)?,
        ),
        (
            "sharing public key (send to OVO, X.509)",
            fingerprint(&sharing_public)?,
        ),
    ];
    Ok(KeySet {
        files,
        fingerprints,
    })
}

/// SHA-256 of the SubjectPublicKeyInfo DER, as colon-separated hex (what `openssl` shows).
fn fingerprint(key: &RsaPublicKey) -> anyhow::Result<String> {
    let der = key.to_public_key_der().plain()?;
    let digest = ovo_sign::sha256_lower_hex(der.as_bytes());
    Ok(digest
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

/// A self-signed X.509 certificate of the credential-sharing key, valid ten years.
fn certificate(key: &RsaPrivateKey) -> anyhow::Result<String> {
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key.clone());
    let spki =
        x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(RsaPublicKey::from(key)).plain()?;
    let validity =
        x509_cert::time::Validity::from_now(Duration::from_secs(10 * 365 * 24 * 3600)).plain()?;
    let subject = x509_cert::name::Name::from_str("CN=ovo-rs credential sharing").plain()?;
    let serial = x509_cert::serial_number::SerialNumber::from(1u32);
    let builder =
        CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer).plain()?;
    let cert = builder.build::<rsa::pkcs1v15::Signature>().plain()?;
    cert.to_pem(LineEnding::LF).plain()
}

/// Writes `contents` to a new file, mode 0600 if private; never replaces an existing file.
pub(crate) fn write_new(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if private { 0o600 } else { 0o644 });
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            anyhow!("{} exists; refusing to overwrite it", path.display())
        }
        _ => anyhow::Error::new(e).context(path.display().to_string()),
    })?;
    file.write_all(contents)
        .with_context(|| path.display().to_string())
}

/// `cargo xtask keygen --out DIR [--bits N]`.
pub(crate) fn keygen(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out).with_context(|| args.out.display().to_string())?;
    if let Some(existing) = KEY_FILES
        .iter()
        .map(|f| args.out.join(f))
        .find(|p| p.exists())
    {
        bail!(
            "{} exists; refusing to overwrite any key",
            existing.display()
        );
    }
    let keys = generate(args.bits)?;
    for (name, text, private) in &keys.files {
        write_new(&args.out.join(name), text.as_bytes(), *private)?;
        println!(
            "wrote {} ({})",
            args.out.join(name).display(),
            if *private { "private, 0600" } else { "public" }
        );
    }
    for (what, fingerprint) in &keys.fingerprints {
        println!("{what}: SHA256:{fingerprint}");
    }
    println!(
        "send OVO: signing-public-pkcs1.pem (signature verification) and sharing-cert.pem (credential sharing)"
    );
    Ok(ExitCode::SUCCESS)
}

/// RSA encryption paddings the provider may use (its SOP is private \[S\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Padding {
    /// RSAES-PKCS1-v1_5.
    Pkcs1,
    /// RSAES-OAEP with SHA-1 (and MGF1-SHA-1).
    OaepSha1,
    /// RSAES-OAEP with SHA-256 (and MGF1-SHA-256).
    OaepSha256,
}

impl Padding {
    fn decrypt(self, key: &RsaPrivateKey, block: &[u8]) -> rsa::Result<Vec<u8>> {
        match self {
            Self::Pkcs1 => key.decrypt(Pkcs1v15Encrypt, block),
            Self::OaepSha1 => key.decrypt(Oaep::new::<sha1::Sha1>(), block),
            Self::OaepSha256 => key.decrypt(Oaep::new::<sha2::Sha256>(), block),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Pkcs1 => "pkcs1",
            Self::OaepSha1 => "oaep-sha1",
            Self::OaepSha256 => "oaep-sha256",
        }
    }
}

/// Decrypts base64 text holding one or more RSA blocks; `padding` is detected when `None`
/// (OAEP first: its integrity check makes a false match negligible; PKCS#1 v1.5 last).
pub(crate) fn decrypt(
    key: &RsaPrivateKey,
    base64_text: &[u8],
    padding: Option<Padding>,
) -> anyhow::Result<(Vec<u8>, Padding)> {
    let compact: Vec<u8> = base64_text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let ciphertext = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .context("the input is not base64")?;
    let size = key.size();
    ensure!(
        !ciphertext.is_empty() && ciphertext.len().is_multiple_of(size),
        "the ciphertext is {} bytes, not a multiple of the key's {size}-byte blocks: wrong key or corrupted input",
        ciphertext.len()
    );
    let candidates = match padding {
        Some(padding) => vec![padding],
        None => vec![Padding::OaepSha256, Padding::OaepSha1, Padding::Pkcs1],
    };
    let first = ciphertext.chunks(size).next().unwrap_or_default();
    let padding = candidates
        .into_iter()
        .find(|p| p.decrypt(key, first).is_ok())
        .context(
            "no padding decrypts the first block: wrong key, wrong padding or corrupted input",
        )?;
    let mut plaintext = Vec::new();
    for (i, block) in ciphertext.chunks(size).enumerate() {
        let part = padding.decrypt(key, block).map_err(|_| {
            anyhow!(
                "block {} does not decrypt with {}: corrupted input",
                i + 1,
                padding.name()
            )
        })?;
        plaintext.extend_from_slice(&part);
    }
    Ok((plaintext, padding))
}

/// Encrypts to `key` with OAEP-SHA256, in as many blocks as needed; base64 of the concatenation.
pub(crate) fn encrypt(key: &RsaPublicKey, plaintext: &[u8]) -> anyhow::Result<String> {
    let room = key.size() - 2 * 32 - 2;
    let mut ciphertext = Vec::new();
    for chunk in plaintext.chunks(room) {
        let block = key
            .encrypt(&mut rand::rngs::OsRng, Oaep::new::<sha2::Sha256>(), chunk)
            .plain()
            .context("encryption")?;
        ciphertext.extend_from_slice(&block);
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(ciphertext))
}

/// A public key from SPKI PEM or an X.509 certificate PEM.
pub(crate) fn sharing_public_key(pem: &str) -> anyhow::Result<RsaPublicKey> {
    if let Some(error) = ovo_sign::pem_problem(pem.as_bytes()) {
        bail!("sharing public key: {error}");
    }
    if pem.contains("BEGIN CERTIFICATE") {
        let cert = x509_cert::Certificate::from_pem(pem)
            .plain()
            .context("certificate")?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        RsaPublicKey::try_from(spki.owned_to_ref())
            .plain()
            .context("certificate key")
    } else {
        RsaPublicKey::from_public_key_pem(pem)
            .plain()
            .context("public key")
    }
}

/// A private key from PKCS#8 or PKCS#1 PEM, refusing loose permissions like `ovo-sign` does.
pub(crate) fn private_key(path: &Path) -> anyhow::Result<RsaPrivateKey> {
    if let Some(mode) = ovo_sign::insecure_mode(path).plain()? {
        bail!(
            "permissions {mode:04o} for {} are too open: a private key must not be accessible by group or others (chmod 600)",
            path.display()
        );
    }
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).with_context(|| path.display().to_string())?);
    // Only the PEM header is checked (`ovo_sign::pem_problem` decodes nothing): a private key must
    // not go through a public-key parser, which would copy its material to memory never wiped.
    if let Some(error) = ovo_sign::pem_problem(&bytes) {
        bail!("{}: {error}", path.display());
    }
    let pem = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow!("{}: not PEM: the file is not text", path.display()))?;
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| {
            anyhow!(
                "{}: not an unencrypted RSA private key (PKCS#8 or PKCS#1 PEM)",
                path.display()
            )
        })
}

/// `cargo xtask decrypt-credentials`.
#[derive(Debug, Args)]
pub(crate) struct DecryptArgs {
    /// The credential-sharing private key (PEM, mode 0600).
    #[arg(long, value_name = "FILE")]
    private_key: PathBuf,
    /// The provider's file: base64 of one or more RSA blocks.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where to write the plaintext (mode 0600; never overwritten).
    #[arg(long, value_name = "FILE", required_unless_present = "stdout")]
    out: Option<PathBuf>,
    /// Print the plaintext to the terminal instead (it holds secrets).
    #[arg(long)]
    stdout: bool,
    /// The padding; detected when not given.
    #[arg(long, value_enum)]
    padding: Option<Padding>,
}

/// `cargo xtask decrypt-credentials --private-key FILE --in FILE --out FILE [--padding P]`.
pub(crate) fn decrypt_credentials(args: &DecryptArgs) -> anyhow::Result<ExitCode> {
    let key = private_key(&args.private_key)?;
    let input = std::fs::read(&args.input).with_context(|| args.input.display().to_string())?;
    let (plaintext, padding) = decrypt(&key, &input, args.padding)?;
    match (&args.out, args.stdout) {
        (_, true) => {
            std::io::stdout().write_all(&plaintext)?;
        }
        (Some(out), false) => {
            write_new(out, &plaintext, true)?;
            eprintln!(
                "decrypted {} bytes with {} into {} (mode 0600)",
                plaintext.len(),
                padding.name(),
                out.display()
            );
        }
        (None, false) => bail!("give --out FILE (or --stdout to print the secret)"),
    }
    Ok(ExitCode::SUCCESS)
}
