//! Key setup and the demo, through the command line: keygen output read back by ovo-sign and by
//! OpenSSL; credentials encrypted by OpenSSL (`pkeyutl`, every padding, one and several blocks)
//! decrypted byte for byte; the enrolment loop; the demo itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use base64::Engine as _;

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

fn openssl(args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = input {
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn keygen(dir: &Path, bits: &str) {
    let out = xtask(&["keygen", "--out", dir.to_str().unwrap(), "--bits", bits]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn keygen_writes_every_format_readable_by_ovo_sign_and_openssl() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "3072");
    let file = |name: &str| dir.path().join(name);
    for private in [
        "signing-private-pkcs8.pem",
        "signing-private-pkcs1.pem",
        "sharing-private-pkcs8.pem",
        "sharing-private-pkcs1.pem",
    ] {
        assert_eq!(
            std::fs::metadata(file(private))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600,
            "{private}"
        );
        let key =
            ovo_sign::PrivateKey::from_pem_file(&file(private), ovo_sign::FilePermissions::Strict)
                .unwrap();
        assert_eq!(key.bits(), 3072);
        openssl(
            &[
                "rsa",
                "-check",
                "-noout",
                "-in",
                file(private).to_str().unwrap(),
            ],
            None,
        );
    }
    assert!(
        std::fs::read_to_string(file("signing-private-pkcs1.pem"))
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert!(
        std::fs::read_to_string(file("signing-public-pkcs1.pem"))
            .unwrap()
            .starts_with("-----BEGIN RSA PUBLIC KEY-----")
    );
    assert!(
        std::fs::read_to_string(file("sharing-public-spki.pem"))
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    let signing = ovo_sign::PrivateKey::from_pem_file(
        &file("signing-private-pkcs8.pem"),
        ovo_sign::FilePermissions::Strict,
    )
    .unwrap();
    assert_eq!(
        ovo_sign::PublicKey::from_pem_file(&file("signing-public-pkcs1.pem")).unwrap(),
        signing.public_key()
    );
    let sharing_cert = ovo_sign::PublicKey::from_pem_file(&file("sharing-cert.pem")).unwrap();
    assert_eq!(
        sharing_cert,
        ovo_sign::PublicKey::from_pem_file(&file("sharing-public-spki.pem")).unwrap()
    );
    openssl(
        &[
            "rsa",
            "-RSAPublicKey_in",
            "-noout",
            "-in",
            file("signing-public-pkcs1.pem").to_str().unwrap(),
        ],
        None,
    );
    let subject = openssl(
        &[
            "x509",
            "-noout",
            "-subject",
            "-in",
            file("sharing-cert.pem").to_str().unwrap(),
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&subject).contains("ovo-rs credential sharing"));
    openssl(
        &[
            "verify",
            "-CAfile",
            file("sharing-cert.pem").to_str().unwrap(),
            file("sharing-cert.pem").to_str().unwrap(),
        ],
        None,
    );

    // The printed fingerprint is OpenSSL's SHA-256 of the SPKI.
    let printed = String::from_utf8(
        xtask(&[
            "keygen",
            "--out",
            dir.path().join("again").to_str().unwrap(),
            "--bits",
            "2048",
        ])
        .stdout,
    )
    .unwrap();
    let spki = openssl(
        &[
            "pkey",
            "-pubin",
            "-outform",
            "DER",
            "-in",
            dir.path()
                .join("again/sharing-public-spki.pem")
                .to_str()
                .unwrap(),
        ],
        None,
    );
    let expected = ovo_sign::sha256_lower_hex(&spki);
    let line = printed
        .lines()
        .find(|l| l.starts_with("sharing public key"))
        .unwrap();
    assert_eq!(
        line.rsplit("SHA256:").next().unwrap().replace(':', ""),
        expected
    );
}

#[test]
fn keygen_refuses_to_overwrite_and_rejects_odd_sizes() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "2048");
    let before = std::fs::read(dir.path().join("signing-private-pkcs8.pem")).unwrap();
    let again = xtask(&[
        "keygen",
        "--out",
        dir.path().to_str().unwrap(),
        "--bits",
        "2048",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));
    assert_eq!(
        std::fs::read(dir.path().join("signing-private-pkcs8.pem")).unwrap(),
        before
    );
    let odd = xtask(&[
        "keygen",
        "--out",
        dir.path().join("x").to_str().unwrap(),
        "--bits",
        "1024",
    ]);
    assert_ne!(odd.status.code(), Some(0));
}

#[test]
fn credentials_encrypted_by_openssl_decrypt_byte_for_byte_for_every_padding() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "2048");
    let public_key = dir.path().join("sharing-public-spki.pem");
    let private = dir.path().join("sharing-private-pkcs8.pem");
    let secret: Vec<u8> = (0..400u32).map(|i| (i * 7 % 251) as u8).collect();
    for (padding, options, room) in [
        ("pkcs1", vec!["-pkeyopt", "rsa_padding_mode:pkcs1"], 245),
        (
            "oaep-sha1",
            vec![
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha1",
            ],
            214,
        ),
        (
            "oaep-sha256",
            vec![
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ],
            190,
        ),
    ] {
        for plaintext in [&secret[..60], &secret[..]] {
            // One block per `room` bytes, concatenated, then base64 (with line breaks).
            let mut ciphertext = Vec::new();
            for chunk in plaintext.chunks(room) {
                let mut args = vec![
                    "pkeyutl",
                    "-encrypt",
                    "-pubin",
                    "-inkey",
                    public_key.to_str().unwrap(),
                ];
                args.extend(options.iter().copied());
                ciphertext.extend(openssl(&args, Some(chunk)));
            }
            let encoded = base64::engine::general_purpose::STANDARD.encode(&ciphertext);
            let wrapped: String = encoded
                .as_bytes()
                .chunks(64)
                .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
                .collect();
            let input = dir
                .path()
                .join(format!("in-{padding}-{}.b64", plaintext.len()));
            std::fs::write(&input, wrapped).unwrap();
            for given in [Some(padding), None] {
                let out = dir.path().join(format!(
                    "out-{padding}-{}-{}.bin",
                    plaintext.len(),
                    given.is_some()
                ));
                let mut args = vec![
                    "decrypt-credentials",
                    "--private-key",
                    private.to_str().unwrap(),
                    "--in",
                    input.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                ];
                if let Some(p) = given {
                    args.extend(["--padding", p]);
                }
                let result = xtask(&args);
                assert!(
                    result.status.success(),
                    "{padding} {given:?}: {}",
                    String::from_utf8_lossy(&result.stderr)
                );
                assert_eq!(
                    std::fs::read(&out).unwrap(),
                    plaintext,
                    "{padding}, {} bytes, padding given: {}",
                    plaintext.len(),
                    given.is_some()
                );
                assert_eq!(
                    std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
                    0o600
                );
                assert!(
                    result.stdout.is_empty(),
                    "the secret never goes to the terminal unless asked"
                );
            }
        }
    }
}

#[test]
fn corrupted_or_mismatched_input_gets_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "2048");
    let private = dir.path().join("sharing-private-pkcs8.pem");
    let run = |content: &str, padding: Option<&str>| {
        let input = dir.path().join("bad.b64");
        std::fs::write(&input, content).unwrap();
        let out = dir.path().join(format!("never-{}.bin", content.len()));
        let mut args = vec![
            "decrypt-credentials",
            "--private-key",
            private.to_str().unwrap(),
            "--in",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(p) = padding {
            args.extend(["--padding", p]);
        }
        let result = xtask(&args);
        assert_eq!(result.status.code(), Some(2));
        assert!(!out.exists());
        String::from_utf8(result.stderr).unwrap()
    };
    assert!(run("not base64 !!!", None).contains("not base64"));
    assert!(
        run(
            &base64::engine::general_purpose::STANDARD.encode([7u8; 100]),
            None
        )
        .contains("not a multiple")
    );
    let garbage = run(
        &base64::engine::general_purpose::STANDARD.encode([7u8; 256]),
        Some("oaep-sha256"),
    );
    assert!(garbage.contains("no padding decrypts"), "{garbage}");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(run("AAAA", None).contains("too open"));
    // A text file given as the key: the error says it is not PEM.
    std::fs::write(&private, "client_id=abc\nclient_secret=xyz\n").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let not_pem = run("AAAA", None);
    assert!(not_pem.contains("not PEM"), "{not_pem}");
}

#[test]
fn keygen_enroll_decrypt_loop_through_the_sandbox_process() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "2048");
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("sandbox listening on ")
        .unwrap()
        .to_owned();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let enrolled = xtask(&[
        "sandbox",
        "enroll",
        "--url",
        &url,
        "--public-key",
        &file("signing-public-pkcs1.pem"),
        "--sharing-public-key",
        &file("sharing-cert.pem"),
        "--out",
        &file("credentials.b64"),
    ]);
    assert!(
        enrolled.status.success(),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let decrypted = xtask(&[
        "decrypt-credentials",
        "--private-key",
        &file("sharing-private-pkcs1.pem"),
        "--in",
        &file("credentials.b64"),
        "--out",
        &file("credentials.json"),
    ]);
    assert!(
        decrypted.status.success(),
        "{}",
        String::from_utf8_lossy(&decrypted.stderr)
    );
    let credentials: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file("credentials.json")).unwrap()).unwrap();
    let client_id = credentials["client_id"].as_str().unwrap();
    assert!(String::from_utf8_lossy(&enrolled.stdout).contains(client_id));
    assert_eq!(credentials["client_secret"].as_str().unwrap().len(), 48);
    sandbox.kill().unwrap();
    sandbox.wait().unwrap();
}

#[test]
fn the_demo_runs_the_whole_lifecycle() {
    let out = xtask(&["demo"]);
    let transcript = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{transcript}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "B2B token issued",
        "phone lookup: CAN_LINK",
        "webview: the customer types the OTP",
        "customer-42 is linked",
        "call 1: 2025400",
        "2005400, paid",
        "debit notification at the PAY_NOTIFY URL: INV-2026-",
        "status 00, OVO's SHA256withRSA signature verified",
        "recurring debit",
        "latestTransactionStatus 00",
        "partial refund",
        "unbound; every customer token is gone",
        "customer binding: 201",
        "recurring payment Rp 7.500,00",
        "HTTP notification from DOKU: INVR-2026-",
        "paid, HMAC-SHA256 signature verified",
        "refund Rp 2.500,00",
        "unbind: SUCCESS",
        "final balances: OVO Cash Rp 132.500,00, OVO Points Rp 2.500,00",
        "demo OK",
    ] {
        assert!(
            transcript.contains(step),
            "missing {step:?} in:\n{transcript}"
        );
    }
    assert!(
        !transcript.contains(&"client_secret".to_owned()),
        "no secret in the transcript"
    );
}

/// Splits RFC 4180 CSV into records of fields (fields may hold quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field, mut quoted) =
        (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (c, _) => field.push(c),
        }
    }
    records
}

#[test]
fn bi_evidence_runs_the_twelve_scenarios_against_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("evidence");
    let run = xtask(&["bi-evidence", "--out", out.to_str().unwrap()]);
    let transcript = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{transcript}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        transcript.contains("12 scenarios: 6 accepted, 6 rejected"),
        "{transcript}"
    );
    for file in ["evidence.md", "evidence.csv"] {
        assert_eq!(
            std::fs::metadata(out.join(file))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600,
            "{file} holds credentials"
        );
    }
    let records = parse_csv(&std::fs::read_to_string(out.join("evidence.csv")).unwrap());
    assert_eq!(
        records[0],
        [
            "no",
            "api",
            "case",
            "expected_code",
            "response_code",
            "outcome",
            "request",
            "response"
        ]
    );
    let rows = &records[1..];
    assert_eq!(rows.len(), 12);
    let expected = [
        ("Account Binding", "positive", "2000700"),
        ("Account Binding", "negative", "4040711"),
        ("Balance Inquiry", "positive", "2001100"),
        ("Balance Inquiry", "negative", "4011102"),
        ("Direct Debit Payment", "positive", "2005400"),
        ("Direct Debit Payment", "negative", "4095401"),
        ("Direct Debit Payment Status", "positive", "2005500"),
        ("Direct Debit Payment Status", "negative", "4015502"),
        ("Direct Debit Refund", "positive", "2005800"),
        ("Direct Debit Refund", "negative", "4035815"),
        ("Account Unbinding", "positive", "2000900"),
        ("Account Unbinding", "negative", "4010702"),
    ];
    for (row, (api, case, code)) in rows.iter().zip(expected) {
        assert_eq!(
            (
                row[1].as_str(),
                row[2].as_str(),
                row[3].as_str(),
                row[4].as_str()
            ),
            (api, case, code, code),
            "{row:?}"
        );
        assert_eq!(
            row[5],
            if case == "positive" {
                "accepted"
            } else {
                "rejected"
            }
        );
        assert!(
            row[6].starts_with("curl -X ") && row[6].contains("-H 'x-signature: "),
            "{}",
            row[6]
        );
        assert!(
            row[7].starts_with("HTTP/1.1 ")
                && row[7].contains(&format!("\"responseCode\":\"{code}\"")),
            "{}",
            row[7]
        );
    }
    let markdown = std::fs::read_to_string(out.join("evidence.md")).unwrap();
    assert_eq!(markdown.matches("\n## ").count(), 12);
}

/// A person at the browser, for `demo --open`: loads the page, submits its form (OTP when asked,
/// and the PIN), and follows the redirect to the callback.
async fn complete_like_a_person(url: &str) {
    use ovo_http::Transport as _;
    let http = ovo_http::HyperTransport::new().unwrap();
    let send = |method: &str, target: String, content_type: &str, body: String| {
        let request = http::Request::builder()
            .method(method)
            .uri(target)
            .header("content-type", content_type)
            .body(bytes::Bytes::from(body))
            .unwrap();
        let http = http.clone();
        async move {
            http.send(request, std::time::Duration::from_secs(5))
                .await
                .unwrap()
        }
    };
    let page = send("GET", url.to_owned(), "text/html", String::new()).await;
    let html = String::from_utf8_lossy(page.body()).into_owned();
    let (origin, query) = url.split_once('?').unwrap_or((url, ""));
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    let mut form = form_urlencoded::Serializer::new(String::new());
    if html.contains("id=\"otp\"") {
        form.append_pair("otp", "7890");
    }
    form.append_pair("pin", "123456");
    let action = if let Some(session) = params.get("token").or_else(|| params.get("session")) {
        form.append_pair("session", session)
            .append_pair("destination", &params["destination"])
            .append_pair("state", params.get("state").map_or("", String::as_str));
        format!(
            "{}/cellblockui/partner/submit",
            origin.split("/cellblockui/").next().unwrap()
        )
    } else {
        url.to_owned() // DOKU's registration page posts to itself.
    };
    let submitted = send(
        "POST",
        action,
        "application/x-www-form-urlencoded",
        form.finish(),
    )
    .await;
    assert_eq!(
        submitted.status(),
        302,
        "{}",
        String::from_utf8_lossy(submitted.body())
    );
    let location = submitted.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        send("GET", location, "text/html", String::new())
            .await
            .status(),
        200
    );
}

#[test]
fn the_demo_waits_for_a_person_in_the_browser_with_open() {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["demo", "--open"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut transcript = String::new();
    let mut pages = 0;
    for line in BufReader::new(demo.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        transcript.push_str(&line);
        transcript.push('\n');
        let trimmed = line.trim();
        if trimmed.starts_with("http://") {
            pages += 1;
            runtime.block_on(complete_like_a_person(trimmed));
        }
    }
    let status = demo.wait().unwrap();
    assert!(status.success(), "{transcript}");
    assert!(
        transcript.contains("webview: completed in the browser") && transcript.contains("demo OK"),
        "{transcript}"
    );
    assert_eq!(
        pages, 4,
        "binding, debit and unbinding webviews, and DOKU's registration page: {transcript}"
    );
}

#[test]
fn help_and_usage_say_cargo_xtask() {
    let out = xtask(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("`cargo xtask`"), "{help}");
    assert!(help.contains("Usage: cargo xtask <COMMAND>"), "{help}");
    let out = xtask(&["demo", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Usage: cargo xtask demo [OPTIONS]"), "{help}");
}

#[test]
fn ctrl_c_during_demo_open_removes_the_temporary_keys_and_database() {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["demo", "--open"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut keys, mut database) = (None, None);
    let mut transcript = String::new();
    // Up to the first webview, where the demo waits for a person. The pipe stays open until the
    // demo has exited.
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        transcript.push_str(&line);
        transcript.push('\n');
        if let Some((_, rest)) = line.split_once("keys generated in ") {
            keys = rest.split(" (").next().map(std::path::PathBuf::from);
        }
        if let Some((_, rest)) = line.split_once("stores: SQLite at ") {
            database = rest.split(';').next().map(std::path::PathBuf::from);
        }
        if line.trim().starts_with("http://") {
            break;
        }
    }
    let keys = keys.unwrap_or_else(|| panic!("no key directory shown: {transcript}"));
    let database = database.unwrap_or_else(|| panic!("no database shown: {transcript}"));
    let database_dir = database.parent().unwrap().to_path_buf();
    assert!(
        keys.join("signing-private-pkcs1.pem").exists(),
        "{transcript}"
    );
    assert!(database.exists(), "{transcript}");

    let interrupted = Command::new("kill")
        .args(["-INT", &demo.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = demo.wait_with_output().unwrap();
    drop(lines);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{transcript}{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!keys.exists(), "the keys are left in {}", keys.display());
    assert!(
        !database_dir.exists(),
        "the database is left in {}",
        database_dir.display()
    );
}
