//! `cargo xtask sandbox enroll`: the sandbox plays the provider's part of credential sharing: it
//! registers a partner with its signing public key and hands back the client id and secret,
//! encrypted to the partner's credential-sharing key (RSA-OAEP-SHA256), as OVO does \[S\].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail, ensure};
use bytes::Bytes;
use clap::Args;
use ovo_http::{HyperTransport, Transport};
use serde_json::json;

use crate::{Plain as _, keys};

/// `cargo xtask sandbox enroll`.
#[derive(Debug, Args)]
pub(crate) struct EnrollArgs {
    /// The running sandbox.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The signing public key OVO verifies with (PKCS#1, SPKI or X.509 PEM).
    #[arg(long = "public-key", value_name = "FILE")]
    signing_public_key: PathBuf,
    /// The credential-sharing public key (X.509 certificate or SPKI PEM).
    #[arg(long, value_name = "FILE")]
    sharing_public_key: PathBuf,
    /// Callback URLs the webview may redirect to (default: the sandbox's echo page).
    #[arg(long = "callback-url", value_name = "URL")]
    callback_urls: Vec<String>,
    /// Where to write the encrypted credentials (base64).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Registers a partner in the sandbox at `base_url` and returns its client id and the encrypted
/// `{"client_id","client_secret"}`.
pub(crate) async fn enroll(
    base_url: &str,
    signing_public_pem: &str,
    sharing_public_pem: &str,
    callback_urls: Vec<String>,
) -> anyhow::Result<(String, String)> {
    let sharing = keys::sharing_public_key(sharing_public_pem)?;
    let client_id = format!("sandbox-{}", &hex::encode(random_bytes(6)?));
    let client_secret = hex::encode(random_bytes(24)?);
    let callbacks = if callback_urls.is_empty() {
        vec![format!("{base_url}/_sandbox/callback")]
    } else {
        callback_urls
    };
    let body = json!({
        "client_id": client_id,
        "client_secrets": [client_secret],
        "public_keys": [signing_public_pem],
        "callback_urls": callbacks,
    });
    control(base_url, "partners", &body).await?;
    let credentials = json!({"client_id": client_id, "client_secret": client_secret}).to_string();
    Ok((client_id, keys::encrypt(&sharing, credentials.as_bytes())?))
}

fn random_bytes(n: usize) -> anyhow::Result<Vec<u8>> {
    use rsa::rand_core::RngCore as _;
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .context("random")?;
    Ok(bytes)
}

/// A control-API call; the answer's JSON.
pub(crate) async fn control(
    base_url: &str,
    path: &str,
    body: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let transport = HyperTransport::new().plain()?;
    let request = http::Request::post(format!("{base_url}/_sandbox/{path}"))
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_string()))?;
    let response = transport
        .send(request, Duration::from_secs(10))
        .await
        .map_err(|e| anyhow!("{base_url}: {e} (is the sandbox running? cargo xtask sandbox)"))?;
    let json: serde_json::Value = serde_json::from_slice(response.body()).unwrap_or_default();
    if !response.status().is_success() {
        bail!("the sandbox refused {path}: {json}");
    }
    Ok(json)
}

/// A partner provisioned in a sandbox the way OVO provisions one: keys generated, enrolled,
/// credentials decrypted.
pub(crate) struct Provisioned {
    /// The key directory (0700), removed when this is dropped.
    pub(crate) dir: tempfile::TempDir,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) padding: keys::Padding,
}

/// Provisions a partner in the sandbox at `base_url` with callbacks to its echo page.
pub(crate) async fn provision(base_url: &str) -> anyhow::Result<Provisioned> {
    let dir = crate::temporary::directory("ovo-rs")?;
    for (name, text, private) in keys::generate(2048)?.files {
        keys::write_new(&dir.path().join(name), text.as_bytes(), private)?;
    }
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name));
    let callback = format!("{base_url}/_sandbox/callback");
    let (client_id, encrypted) = enroll(
        base_url,
        &read("signing-public-pkcs1.pem")?,
        &read("sharing-cert.pem")?,
        vec![callback],
    )
    .await?;
    let sharing = keys::private_key(&dir.path().join("sharing-private-pkcs8.pem"))?;
    let (plaintext, padding) = keys::decrypt(&sharing, encrypted.as_bytes(), None)?;
    let credentials: serde_json::Value = serde_json::from_slice(&plaintext)?;
    ensure!(
        credentials["client_id"] == client_id.as_str(),
        "the decrypted client id differs from the enrolled one"
    );
    let client_secret = credentials["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    Ok(Provisioned {
        dir,
        client_id,
        client_secret,
        padding,
    })
}

/// `cargo xtask sandbox enroll ...`.
pub(crate) fn run(args: &EnrollArgs) -> anyhow::Result<ExitCode> {
    let read =
        |path: &PathBuf| std::fs::read_to_string(path).with_context(|| path.display().to_string());
    let (signing, sharing) = (
        read(&args.signing_public_key)?,
        read(&args.sharing_public_key)?,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (client_id, encrypted) = runtime.block_on(enroll(
        &args.url,
        &signing,
        &sharing,
        args.callback_urls.clone(),
    ))?;
    keys::write_new(&args.out, encrypted.as_bytes(), false)?;
    println!(
        "enrolled {client_id}; its credentials, encrypted to your sharing key, are in {}",
        args.out.display()
    );
    println!(
        "decrypt them with: cargo xtask decrypt-credentials --private-key sharing-private-pkcs8.pem --in {} --out credentials.json",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
