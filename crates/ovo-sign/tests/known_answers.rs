//! Known-answer tests: every case in `vectors/vectors.json`, whose answers were computed by Python
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly
//! `cryptography`/`hmac`, OpenSSL and DOKU's `jokul-nodejs-library` (see `vectors/generate.py`).
//! Each test runs all cases of one scheme and names every case that fails.

use std::path::{Path, PathBuf};

use ovo_sign::{
    ClientSecret, PrivateKey, PublicKey, SignatureEncoding, VerifyError, doku, minify, snap,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    scheme: String,
    string_to_sign: String,
    signature: String,
    private_key: Option<String>,
    #[serde(default)]
    public_keys: Vec<String>,
    client_id: Option<String>,
    timestamp: Option<String>,
    method: Option<String>,
    path: Option<String>,
    body: Option<String>,
    minified_body: Option<String>,
    client_secret: Option<String>,
    access_token: Option<String>,
    encoding: Option<String>,
    request_id: Option<String>,
    target: Option<String>,
    secret: Option<String>,
    timestamp_label: Option<String>,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn cases(scheme: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(vectors_dir().join("vectors.json")).unwrap();
    let vectors: Vectors = serde_json::from_str(&text).unwrap();
    let cases: Vec<Case> = vectors
        .cases
        .into_iter()
        .filter(|c| c.scheme == scheme)
        .collect();
    assert!(!cases.is_empty(), "no {scheme} vectors");
    cases
}

fn private_key(name: &str) -> PrivateKey {
    PrivateKey::from_pem(&std::fs::read(vectors_dir().join("keys").join(name)).unwrap()).unwrap()
}

fn public_key(name: &str) -> PublicKey {
    PublicKey::from_pem(&std::fs::read(vectors_dir().join("keys").join(name)).unwrap()).unwrap()
}

/// Runs `check` on every case and fails naming each case that failed, with its reason.
fn run(scheme: &str, check: impl Fn(&Case) -> Result<(), String>) {
    let cases = cases(scheme);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| check(case).err().map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn expect_eq(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// A signature with its last base64 character's bits changed (still well-formed).
fn tampered(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    let i = chars.iter().rposition(|&c| c != '=').unwrap();
    chars[i] = if chars[i] == 'A' { 'Q' } else { 'A' };
    chars.into_iter().collect()
}

fn rejects(result: Result<(), VerifyError>) -> Result<(), String> {
    match result {
        Err(VerifyError::Mismatch) => Ok(()),
        other => Err(format!("tampered signature gave {other:?}, want Mismatch")),
    }
}

/// The case's body, after checking that our minify gives the independently computed bytes.
fn minified_body_checked(case: &Case) -> Result<&[u8], String> {
    let body = case.body.as_deref().unwrap().as_bytes();
    expect_eq(
        "minified body",
        std::str::from_utf8(&minify(body).unwrap()).unwrap(),
        case.minified_body.as_deref().unwrap(),
    )?;
    Ok(body)
}

#[test]
fn snap_token_vectors() {
    run("snap-token", |case| {
        let (client_id, timestamp) = (
            case.client_id.as_deref().unwrap(),
            case.timestamp.as_deref().unwrap(),
        );
        expect_eq(
            "string_to_sign",
            &snap::token_string_to_sign(client_id, timestamp).unwrap(),
            &case.string_to_sign,
        )?;
        let signed = snap::sign_token(
            &private_key(case.private_key.as_deref().unwrap()),
            client_id,
            timestamp,
        )
        .map_err(|e| e.to_string())?;
        expect_eq("signature", signed.header_value(), &case.signature)?;
        expect_eq(
            "signed string",
            signed.string_to_sign(),
            &case.string_to_sign,
        )?;
        for name in &case.public_keys {
            let keys = [public_key(name)];
            snap::verify_token(&keys, client_id, timestamp, &case.signature)
                .map_err(|e| format!("{name}: {e}"))?;
            rejects(snap::verify_token(
                &keys,
                client_id,
                timestamp,
                &tampered(&case.signature),
            ))?;
        }
        Ok(())
    });
}

#[test]
fn snap_rsa_service_vectors() {
    run("snap-rsa-service", |case| {
        let body = minified_body_checked(case)?;
        let request = snap::RsaServiceRequest {
            method: case.method.as_deref().unwrap(),
            path: case.path.as_deref().unwrap(),
            body,
            timestamp: case.timestamp.as_deref().unwrap(),
        };
        expect_eq(
            "string_to_sign",
            &request.string_to_sign().unwrap(),
            &case.string_to_sign,
        )?;
        let signed =
            snap::sign_rsa_service(&private_key(case.private_key.as_deref().unwrap()), &request)
                .map_err(|e| e.to_string())?;
        expect_eq("signature", signed.header_value(), &case.signature)?;
        let keys: Vec<PublicKey> = case.public_keys.iter().map(|n| public_key(n)).collect();
        snap::verify_rsa_service(&keys, &request, &case.signature).map_err(|e| e.to_string())?;
        rejects(snap::verify_rsa_service(
            &keys,
            &request,
            &tampered(&case.signature),
        ))
    });
}

#[test]
fn snap_service_vectors() {
    run("snap-service", |case| {
        let body = minified_body_checked(case)?;
        let request = snap::ServiceRequest {
            method: case.method.as_deref().unwrap(),
            path: case.path.as_deref().unwrap(),
            access_token: case.access_token.as_deref().unwrap(),
            body,
            timestamp: case.timestamp.as_deref().unwrap(),
        };
        let encoding = match case.encoding.as_deref() {
            Some("base64") => SignatureEncoding::Base64,
            Some("hex") => SignatureEncoding::HexLower,
            other => return Err(format!("unknown encoding {other:?}")),
        };
        expect_eq(
            "string_to_sign",
            &request.string_to_sign().unwrap(),
            &case.string_to_sign,
        )?;
        let secret = ClientSecret::new(case.client_secret.as_deref().unwrap()).unwrap();
        let signed = snap::sign_service(&secret, &request, encoding).map_err(|e| e.to_string())?;
        expect_eq("signature", signed.header_value(), &case.signature)?;
        let other = ClientSecret::new("rotated-out").unwrap();
        snap::verify_service(
            &[other.clone(), secret],
            &request,
            encoding,
            &case.signature,
        )
        .map_err(|e| e.to_string())?;
        match snap::verify_service(&[other], &request, encoding, &case.signature) {
            Err(VerifyError::Mismatch) => Ok(()),
            wrong => Err(format!("wrong secret gave {wrong:?}")),
        }
    });
}

#[test]
fn doku_vectors() {
    run("doku", |case| {
        let body = case.body.as_deref().map(str::as_bytes);
        let (client_id, request_id, timestamp, target) = (
            case.client_id.as_deref().unwrap(),
            case.request_id.as_deref().unwrap(),
            case.timestamp.as_deref().unwrap(),
            case.target.as_deref().unwrap(),
        );
        let mut components = match (case.method.as_deref(), body) {
            (Some("POST"), Some(body)) => {
                doku::Components::post(client_id, request_id, timestamp, target, body)
            }
            (Some("GET"), None) => doku::Components::get(client_id, request_id, timestamp, target),
            other => return Err(format!("inconsistent method/body {other:?}")),
        };
        if case.timestamp_label.as_deref() == Some("Response-Timestamp") {
            components = components.with_timestamp_label(doku::TimestampLabel::Response);
        }
        expect_eq(
            "component string",
            &components.component_string().unwrap(),
            &case.string_to_sign,
        )?;
        let secret = ClientSecret::new(case.secret.as_deref().unwrap()).unwrap();
        let signed = doku::sign(&secret, &components).map_err(|e| e.to_string())?;
        expect_eq("signature", signed.header_value(), &case.signature)?;
        doku::verify(std::slice::from_ref(&secret), &components, &case.signature)
            .map_err(|e| e.to_string())?;
        rejects(doku::verify(
            &[secret],
            &components,
            &tampered(&case.signature),
        ))
    });
}

/// The one DOKU row with published inputs (doku-protocol.md §1.6), pinned independently of the file.
#[test]
fn doku_published_input_row() {
    let secret = ClientSecret::new("SK-9sCrJ1kdYUJAYlsJKlqz").unwrap();
    let components = doku::Components::post(
        "MCH-0001-10791114622547",
        "15022aab-444f-4b04-afa8-ddfce89432ec",
        "2020-08-11T08:45:42Z",
        "/ovo-open-api/v1/balance",
        b"",
    );
    assert_eq!(
        components.digest().unwrap(),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert_eq!(
        doku::sign(&secret, &components).unwrap().header_value(),
        "HMACSHA256=OQ6oQjPrc9Rt11JGTQyeh9n+dRFdlAB43B0AZj6kwz4="
    );
}
