//! The signature debugger: `cargo xtask sign` and `cargo xtask verify`.
//!
//! The user pastes what they sent (method, path, token, timestamp, body file) and sees the exact
//! string-to-sign and signature we compute, or whether a signature they hold matches.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use ovo_sign::{
    ClientSecret, FilePermissions, PrivateKey, PublicKey, Signature, SignatureEncoding,
    VerifyError, doku, snap,
};
use serde_json::{Value, json};

use crate::Plain as _;

/// The signing schemes, with a private key or secret.
#[derive(Debug, Subcommand)]
pub(crate) enum SignScheme {
    /// SNAP access token (B2B, B2B2C): SHA256withRSA over `client_id|X-TIMESTAMP`.
    SnapToken {
        #[command(flatten)]
        inputs: SnapTokenInputs,
        #[command(flatten)]
        key: PrivateKeyFile,
    },
    /// SNAP service call: HMAC-SHA512 over `METHOD:path:token:hex(sha256(minify(body))):X-TIMESTAMP`.
    SnapService {
        #[command(flatten)]
        inputs: SnapServiceInputs,
    },
    /// SNAP account binding: SHA256withRSA over `METHOD:path:hex(sha256(minify(body))):X-TIMESTAMP`.
    SnapRsaService {
        #[command(flatten)]
        inputs: SnapRsaServiceInputs,
        #[command(flatten)]
        key: PrivateKeyFile,
    },
    /// DOKU (OVO Recurring): HMAC-SHA256 over the Client-Id/Request-Id/timestamp/target/Digest lines.
    Doku {
        #[command(flatten)]
        inputs: DokuInputs,
    },
}

/// The same schemes, checked against a presented signature (public keys for the RSA schemes).
#[derive(Debug, Subcommand)]
pub(crate) enum VerifyScheme {
    /// SNAP access token signature.
    SnapToken {
        #[command(flatten)]
        inputs: SnapTokenInputs,
        #[command(flatten)]
        key: PublicKeyFiles,
        #[command(flatten)]
        signature: Presented,
    },
    /// SNAP service (HMAC-SHA512) signature.
    SnapService {
        #[command(flatten)]
        inputs: SnapServiceInputs,
        #[command(flatten)]
        signature: Presented,
    },
    /// SNAP asymmetric service (account binding, notifications) signature.
    SnapRsaService {
        #[command(flatten)]
        inputs: SnapRsaServiceInputs,
        #[command(flatten)]
        key: PublicKeyFiles,
        #[command(flatten)]
        signature: Presented,
    },
    /// DOKU `Signature` header.
    Doku {
        #[command(flatten)]
        inputs: DokuInputs,
        #[command(flatten)]
        signature: Presented,
    },
}

#[derive(Debug, Args)]
pub(crate) struct SnapTokenInputs {
    /// The client id, as sent in X-CLIENT-KEY.
    #[arg(long)]
    client_id: String,
    /// The X-TIMESTAMP header value, verbatim.
    #[arg(long)]
    timestamp: String,
}

#[derive(Debug, Args)]
pub(crate) struct SnapServiceInputs {
    /// HTTP method, upper case.
    #[arg(long)]
    method: String,
    /// The request path (with its query string if one was sent), without scheme and host.
    #[arg(long)]
    path: String,
    /// The token sent in Authorization, without "Bearer ".
    #[arg(long)]
    access_token: String,
    /// The X-TIMESTAMP header value, verbatim.
    #[arg(long)]
    timestamp: String,
    /// File holding the client secret (one trailing newline is ignored).
    #[arg(long, value_name = "FILE")]
    client_secret_file: PathBuf,
    /// File holding the request body exactly as sent (an empty file for no body).
    #[arg(long, value_name = "FILE")]
    body_file: PathBuf,
    /// Encoding of the HMAC in X-SIGNATURE.
    #[arg(long, value_enum, default_value_t = Encoding::Base64)]
    encoding: Encoding,
}

#[derive(Debug, Args)]
pub(crate) struct SnapRsaServiceInputs {
    /// HTTP method, upper case.
    #[arg(long)]
    method: String,
    /// The request path, without scheme and host.
    #[arg(long)]
    path: String,
    /// The X-TIMESTAMP header value, verbatim.
    #[arg(long)]
    timestamp: String,
    /// File holding the request body exactly as sent.
    #[arg(long, value_name = "FILE")]
    body_file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct DokuInputs {
    /// The Client-Id header value.
    #[arg(long)]
    client_id: String,
    /// The Request-Id header value.
    #[arg(long)]
    request_id: String,
    /// The Request-Timestamp (or, with --response, Response-Timestamp) header value, verbatim.
    #[arg(long)]
    timestamp: String,
    /// The Request-Target: the request path, or for a notification the path of your notification URL.
    #[arg(long, value_name = "PATH")]
    target: String,
    /// File holding DOKU's secret key (one trailing newline is ignored).
    #[arg(long, value_name = "FILE")]
    secret_file: PathBuf,
    /// File holding the body exactly as sent; required for POST (an empty file for an empty body).
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// POST carries a Digest line; GET does not.
    #[arg(long, value_enum, default_value_t = DokuMethod::Post)]
    method: DokuMethod,
    /// Sign a response: the timestamp line is Response-Timestamp.
    #[arg(long)]
    response: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PrivateKeyFile {
    /// PEM private key: PKCS#1 (BEGIN RSA PRIVATE KEY) or PKCS#8 (BEGIN PRIVATE KEY).
    #[arg(long, value_name = "FILE")]
    private_key: PathBuf,
    /// Read the key even if group or others may access it.
    #[arg(long)]
    allow_insecure_key_permissions: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PublicKeyFiles {
    /// PEM public key: PKCS#1, SPKI or an X.509 certificate. Repeat it to accept any of several keys.
    #[arg(long = "public-key", value_name = "FILE", required = true)]
    public_keys: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct Presented {
    /// The signature header value to check, verbatim.
    #[arg(long, allow_hyphen_values = true)]
    signature: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Encoding {
    Base64,
    Hex,
}

impl From<Encoding> for SignatureEncoding {
    fn from(encoding: Encoding) -> Self {
        match encoding {
            Encoding::Base64 => Self::Base64,
            Encoding::Hex => Self::HexLower,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
enum DokuMethod {
    Post,
    Get,
}

/// Signs and prints one JSON object with the string-to-sign, the signature and what was hashed.
pub(crate) fn sign(scheme: &SignScheme) -> anyhow::Result<ExitCode> {
    let mut report = match scheme {
        SignScheme::SnapToken { inputs, key } => {
            let key = load_private_key(key)?;
            let signed = snap::sign_token(&key, &inputs.client_id, &inputs.timestamp).plain()?;
            let mut report = output("snap-token", "X-SIGNATURE", &signed);
            report["key_bits"] = json!(key.bits());
            report
        }
        SignScheme::SnapService { inputs } => {
            let loaded = LoadedService::load(inputs)?;
            let signed = snap::sign_service(
                &loaded.secret,
                &loaded.request(inputs),
                inputs.encoding.into(),
            )
            .plain()?;
            let mut report = output("snap-service", "X-SIGNATURE", &signed);
            describe_snap_body(&mut report, &loaded.body)?;
            report["encoding"] = json!(SignatureEncoding::from(inputs.encoding).name());
            report
        }
        SignScheme::SnapRsaService { inputs, key } => {
            let key = load_private_key(key)?;
            let body = read_json_body(&inputs.body_file)?;
            let signed = snap::sign_rsa_service(&key, &rsa_request(inputs, &body)).plain()?;
            let mut report = output("snap-rsa-service", "X-SIGNATURE", &signed);
            describe_snap_body(&mut report, &body)?;
            report
        }
        SignScheme::Doku { inputs } => {
            let loaded = LoadedDoku::load(inputs)?;
            let components = loaded.components(inputs);
            let signed = doku::sign(&loaded.secret, &components).plain()?;
            let mut report = output("doku", "Signature", &signed);
            report["digest"] = json!(components.digest());
            report
        }
    };
    report["warnings"] = json!(warnings_for(scheme));
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

/// Prints `valid` (exit 0) or `invalid` (exit 1); unusable inputs are errors (exit 2).
pub(crate) fn verify(scheme: &VerifyScheme) -> anyhow::Result<ExitCode> {
    let result = match scheme {
        VerifyScheme::SnapToken {
            inputs,
            key,
            signature,
        } => snap::verify_token(
            &load_public_keys(key)?,
            &inputs.client_id,
            &inputs.timestamp,
            &signature.signature,
        ),
        VerifyScheme::SnapService { inputs, signature } => {
            let loaded = LoadedService::load(inputs)?;
            snap::verify_service(
                std::slice::from_ref(&loaded.secret),
                &loaded.request(inputs),
                inputs.encoding.into(),
                &signature.signature,
            )
        }
        VerifyScheme::SnapRsaService {
            inputs,
            key,
            signature,
        } => {
            let keys = load_public_keys(key)?;
            let body = read_json_body(&inputs.body_file)?;
            snap::verify_rsa_service(&keys, &rsa_request(inputs, &body), &signature.signature)
        }
        VerifyScheme::Doku { inputs, signature } => {
            let loaded = LoadedDoku::load(inputs)?;
            doku::verify(
                std::slice::from_ref(&loaded.secret),
                &loaded.components(inputs),
                &signature.signature,
            )
        }
    };
    match result {
        Ok(()) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(VerifyError::Mismatch) => {
            println!("invalid");
            Ok(ExitCode::from(1))
        }
        Err(malformed @ VerifyError::MalformedSignature { .. }) => {
            println!("invalid");
            eprintln!("{malformed}");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(anyhow!("{other}")),
    }
}

struct LoadedService {
    secret: ClientSecret,
    body: Vec<u8>,
}

impl LoadedService {
    fn load(inputs: &SnapServiceInputs) -> anyhow::Result<Self> {
        Ok(Self {
            secret: load_secret(&inputs.client_secret_file)?,
            body: read_json_body(&inputs.body_file)?,
        })
    }

    fn request<'a>(&'a self, inputs: &'a SnapServiceInputs) -> snap::ServiceRequest<'a> {
        snap::ServiceRequest {
            method: &inputs.method,
            path: &inputs.path,
            access_token: &inputs.access_token,
            body: &self.body,
            timestamp: &inputs.timestamp,
        }
    }
}

struct LoadedDoku {
    secret: ClientSecret,
    body: Option<Vec<u8>>,
}

impl LoadedDoku {
    fn load(inputs: &DokuInputs) -> anyhow::Result<Self> {
        let body = match (inputs.method, &inputs.body_file) {
            (DokuMethod::Post, Some(path)) => Some(read_json_body(path)?),
            (DokuMethod::Post, None) => {
                bail!(
                    "a DOKU POST signs a Digest of the body: give --body-file (an empty file for an empty body)"
                );
            }
            (DokuMethod::Get, Some(path)) if !read_file(path, "body file")?.is_empty() => {
                bail!(
                    "{}: a DOKU GET signs no Digest and sends no body",
                    path.display()
                );
            }
            (DokuMethod::Get, _) => None,
        };
        Ok(Self {
            secret: load_secret(&inputs.secret_file)?,
            body,
        })
    }

    fn components<'a>(&'a self, inputs: &'a DokuInputs) -> doku::Components<'a> {
        let label = if inputs.response {
            doku::TimestampLabel::Response
        } else {
            doku::TimestampLabel::Request
        };
        doku::Components {
            client_id: &inputs.client_id,
            request_id: &inputs.request_id,
            timestamp: &inputs.timestamp,
            timestamp_label: label,
            target: &inputs.target,
            body: self.body.as_deref(),
        }
    }
}

fn rsa_request<'a>(
    inputs: &'a SnapRsaServiceInputs,
    body: &'a [u8],
) -> snap::RsaServiceRequest<'a> {
    snap::RsaServiceRequest {
        method: &inputs.method,
        path: &inputs.path,
        body,
        timestamp: &inputs.timestamp,
    }
}

fn output(scheme: &str, header: &str, signed: &Signature) -> Value {
    json!({
        "scheme": scheme,
        "string_to_sign": signed.string_to_sign(),
        "signature": signed.header_value(),
        "header": header,
    })
}

fn describe_snap_body(report: &mut Value, body: &[u8]) -> anyhow::Result<()> {
    let minified = ovo_sign::minify(body).plain()?;
    report["minified_body"] = json!(String::from_utf8_lossy(&minified));
    report["body_sha256_hex"] = json!(ovo_sign::sha256_lower_hex(&minified));
    Ok(())
}

fn load_private_key(key: &PrivateKeyFile) -> anyhow::Result<PrivateKey> {
    let permissions = if key.allow_insecure_key_permissions {
        FilePermissions::AllowInsecure
    } else {
        FilePermissions::Strict
    };
    PrivateKey::from_pem_file(&key.private_key, permissions)
        .plain()
        .with_context(|| format!("private key {}", key.private_key.display()))
}

fn load_public_keys(keys: &PublicKeyFiles) -> anyhow::Result<Vec<PublicKey>> {
    keys.public_keys
        .iter()
        .map(|path| {
            PublicKey::from_pem_file(path)
                .plain()
                .with_context(|| format!("public key {}", path.display()))
        })
        .collect()
}

/// Secrets are read whatever their file mode (a debugger reads what it is pointed at); a loose
/// mode is reported among the warnings.
fn load_secret(path: &Path) -> anyhow::Result<ClientSecret> {
    ClientSecret::from_file(path, FilePermissions::AllowInsecure)
        .plain()
        .with_context(|| format!("secret {}", path.display()))
}

fn read_file(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{what} {}", path.display()))
}

/// The body bytes exactly as in the file; a non-empty body must be JSON.
fn read_json_body(path: &Path) -> anyhow::Result<Vec<u8>> {
    let body = read_file(path, "body file")?;
    if !body.is_empty() {
        serde_json::from_slice::<Value>(&body)
            .with_context(|| format!("body file {} is not valid JSON", path.display()))?;
    }
    Ok(body)
}

/// Hints for the mistakes that most often cause "Signature Failed", computed from the inputs.
fn warnings_for(scheme: &SignScheme) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut secret_mode = |path: &Path| {
        if let Ok(Some(mode)) = ovo_sign::insecure_mode(path) {
            warnings.push(format!(
                "{} has mode {mode:04o}: others can read the secret (chmod 600)",
                path.display()
            ));
        }
    };
    let (timestamp, doku_style) = match scheme {
        SignScheme::SnapToken { inputs, .. } => (&inputs.timestamp, false),
        SignScheme::SnapService { inputs } => {
            secret_mode(&inputs.client_secret_file);
            (&inputs.timestamp, false)
        }
        SignScheme::SnapRsaService { inputs, .. } => (&inputs.timestamp, false),
        SignScheme::Doku { inputs } => {
            secret_mode(&inputs.secret_file);
            (&inputs.timestamp, true)
        }
    };
    if doku_style {
        if ovo_sign::parse_doku_timestamp(timestamp).is_err() {
            warnings.push(format!(
                "timestamp {timestamp:?} is not DOKU's UTC form yyyy-MM-ddTHH:mm:ssZ"
            ));
        }
    } else if ovo_sign::parse_snap_timestamp(timestamp).is_err() {
        warnings.push(format!(
            "timestamp {timestamp:?} is not ISO-8601 with an offset, as SNAP requires"
        ));
    } else if !is_ovo_timestamp(timestamp) {
        warnings.push(format!(
            "timestamp {timestamp:?} is not OVO's form yyyy-MM-ddTHH:mm:ss.SSS+07:00"
        ));
    }
    if let SignScheme::Doku {
        inputs: DokuInputs {
            body_file: Some(path),
            ..
        },
    } = scheme
        && std::fs::read(path).is_ok_and(|body| body.ends_with(b"\n"))
    {
        warnings.push("the body file ends with a newline: DOKU's Digest covers it, so the request must have sent it too".into());
    }
    warnings
}

fn is_ovo_timestamp(timestamp: &str) -> bool {
    ovo_sign::parse_snap_timestamp(timestamp)
        .ok()
        .and_then(|at| ovo_sign::SnapTimestampFormat::OVO.format(at).ok())
        .is_some_and(|formatted| formatted == timestamp)
}
