//! The signature debugger's command-line contract: outputs, exit codes 0/1/2 and error lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn keys(name: &str) -> String {
    repo()
        .join("crates/ovo-sign/tests/vectors/keys")
        .join(name)
        .display()
        .to_string()
}

/// The known-answer case `name` from the independently generated vectors.
fn vector(name: &str) -> Value {
    let text =
        std::fs::read_to_string(repo().join("crates/ovo-sign/tests/vectors/vectors.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
        .clone()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A private key copied to a 0600 file, as a user's key would be.
fn private_key_file(dir: &Path, name: &str, mode: u32) -> String {
    let path = dir.join(name);
    std::fs::copy(keys(name), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.display().to_string()
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.display().to_string()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

fn assert_one_line_error(output: &Output, needle: &str) {
    assert_exit(output, 2);
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "want one stderr line, got {err:?}");
    assert!(
        err.contains(needle),
        "stderr {err:?} should mention {needle:?}"
    );
}

#[test]
fn snap_token_sign_prints_the_known_answer_and_verify_accepts_it() {
    let case = vector("snap-token/rsa4096-pkcs1/oamerchantg");
    let dir = tempfile::tempdir().unwrap();
    let key = private_key_file(dir.path(), "rsa4096-pkcs1.pem", 0o600);
    let (id, ts) = (
        case["client_id"].as_str().unwrap(),
        case["timestamp"].as_str().unwrap(),
    );
    let out = xtask(&[
        "sign",
        "snap-token",
        "--client-id",
        id,
        "--timestamp",
        ts,
        "--private-key",
        &key,
    ]);
    assert_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["string_to_sign"], case["string_to_sign"]);
    assert_eq!(json["signature"], case["signature"]);

    let sig = case["signature"].as_str().unwrap();
    for public in [
        "rsa4096-public-pkcs1.pem",
        "rsa4096-public-spki.pem",
        "rsa4096-cert.pem",
    ] {
        let args = [
            "verify",
            "snap-token",
            "--client-id",
            id,
            "--timestamp",
            ts,
            "--public-key",
            &keys(public),
            "--signature",
            sig,
        ];
        let out = xtask(&args);
        assert_exit(&out, 0);
        assert_eq!(stdout(&out), "valid\n");
    }
    let out = xtask(&[
        "verify",
        "snap-token",
        "--client-id",
        "other",
        "--timestamp",
        ts,
        "--public-key",
        &keys("rsa4096-cert.pem"),
        "--signature",
        sig,
    ]);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "invalid\n");
}

#[test]
fn snap_service_sign_and_verify_in_both_encodings() {
    let dir = tempfile::tempdir().unwrap();
    for encoding in ["base64", "hex"] {
        let case = vector(&format!("snap-service/payment-pretty/{encoding}"));
        let secret = write(
            dir.path(),
            "secret.txt",
            &format!("{}\n", case["client_secret"].as_str().unwrap()),
        );
        let body = write(dir.path(), "body.json", case["body"].as_str().unwrap());
        let s = |k: &str| case[k].as_str().unwrap().to_owned();
        let (method, path, token, ts) = (s("method"), s("path"), s("access_token"), s("timestamp"));
        let base = [
            "snap-service",
            "--method",
            &method,
            "--path",
            &path,
            "--access-token",
            &token,
            "--timestamp",
            &ts,
            "--client-secret-file",
            &secret,
            "--body-file",
            &body,
            "--encoding",
            encoding,
        ];
        let out = xtask(&[&["sign"], &base[..]].concat());
        assert_exit(&out, 0);
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["string_to_sign"], case["string_to_sign"]);
        assert_eq!(json["signature"], case["signature"]);
        assert_eq!(json["minified_body"], case["minified_body"]);
        assert_eq!(json["warnings"], serde_json::json!([]));

        let out = xtask(&[&["verify"], &base[..], &["--signature", &s("signature")]].concat());
        assert_exit(&out, 0);
        let out = xtask(&[&["verify"], &base[..], &["--signature", "AAAA"]].concat());
        assert_exit(&out, 1);
        assert_eq!(stdout(&out), "invalid\n");
    }
}

#[test]
fn snap_rsa_service_sign_matches_and_verify_accepts() {
    let case = vector("snap-rsa-service/rsa2048/binding-pretty");
    let dir = tempfile::tempdir().unwrap();
    let key = private_key_file(dir.path(), "rsa2048-pkcs8.pem", 0o400);
    let body = write(dir.path(), "body.json", case["body"].as_str().unwrap());
    let s = |k: &str| case[k].as_str().unwrap().to_owned();
    let base = [
        "snap-rsa-service",
        "--method",
        "POST",
        "--path",
        &s("path"),
        "--timestamp",
        &s("timestamp"),
        "--body-file",
        &body,
    ];
    let out = xtask(&[&["sign"], &base[..], &["--private-key", &key]].concat());
    assert_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["string_to_sign"], case["string_to_sign"]);
    assert_eq!(json["signature"], case["signature"]);
    let out = xtask(
        &[
            &["verify"],
            &base[..],
            &[
                "--public-key",
                &keys("rsa2048-public-pkcs1.pem"),
                "--signature",
                &s("signature"),
            ],
        ]
        .concat(),
    );
    assert_exit(&out, 0);
}

#[test]
fn doku_post_get_and_response_match_the_vectors() {
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("doku/post/payment-pretty-body", vec![]),
        ("doku/get-status", vec!["--method", "GET"]),
        ("doku/response-post", vec!["--response"]),
    ] {
        let case = vector(name);
        let s = |k: &str| case[k].as_str().unwrap().to_owned();
        let secret = write(dir.path(), "doku-secret.txt", &s("secret"));
        let mut args = vec![
            "doku".to_owned(),
            "--client-id".into(),
            s("client_id"),
            "--request-id".into(),
            s("request_id"),
            "--timestamp".into(),
            s("timestamp"),
            "--target".into(),
            s("target"),
            "--secret-file".into(),
            secret,
        ];
        if let Some(body) = case["body"].as_str() {
            args.extend(["--body-file".into(), write(dir.path(), "body.json", body)]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = xtask(&[&["sign"], &args[..]].concat());
        assert_exit(&out, 0);
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["string_to_sign"], case["string_to_sign"], "{name}");
        assert_eq!(json["signature"], case["signature"], "{name}");
        let out = xtask(&[&["verify"], &args[..], &["--signature", &s("signature")]].concat());
        assert_exit(&out, 0);
        let out = xtask(
            &[
                &["verify"],
                &args[..],
                &["--signature", "HMACSHA256=bm9wZQ=="],
            ]
            .concat(),
        );
        assert_exit(&out, 1);
    }
}

#[test]
fn unusable_inputs_exit_2_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let ts = "2022-10-24T13:42:13.092+07:00";
    let loose = private_key_file(dir.path(), "rsa2048-pkcs1.pem", 0o644);
    let token = |key: &str, extra: &[&str]| {
        let base = [
            "sign",
            "snap-token",
            "--client-id",
            "c",
            "--timestamp",
            ts,
            "--private-key",
            key,
        ];
        xtask(&[&base[..], extra].concat())
    };

    assert_one_line_error(&token("/nonexistent/key.pem", &[]), "/nonexistent/key.pem");
    assert_one_line_error(&token(&loose, &[]), "too open");
    // A text file given as a key: the error says it is not PEM, and names the file.
    let garbage = write(dir.path(), "garbage.pem", "not a key\n");
    assert_one_line_error(&token(&garbage, &[]), "not PEM");
    assert_one_line_error(&token(&garbage, &[]), "garbage.pem");
    let public_as_private = private_key_file(dir.path(), "rsa2048-public-spki.pem", 0o600);
    assert_one_line_error(&token(&public_as_private, &[]), "PUBLIC KEY");
    // The explicit opt-out reads the loose key.
    assert_exit(&token(&loose, &["--allow-insecure-key-permissions"]), 0);

    let secret = write(dir.path(), "secret.txt", "s");
    let bad_body = write(dir.path(), "bad.json", "{\"a\": ");
    let service = |body: &str, path: &str| {
        xtask(&[
            "sign",
            "snap-service",
            "--method",
            "POST",
            "--path",
            path,
            "--access-token",
            "t",
            "--timestamp",
            ts,
            "--client-secret-file",
            &secret,
            "--body-file",
            body,
        ])
    };
    assert_one_line_error(&service(&bad_body, "/p"), "not valid JSON");
    let good_body = write(dir.path(), "good.json", "{}");
    assert_one_line_error(
        &service(&good_body, "https://apigw.ovo.id/p"),
        "starting with '/'",
    );
    let out = xtask(&[
        "verify",
        "snap-token",
        "--client-id",
        "c",
        "--timestamp",
        ts,
        "--public-key",
        "/nonexistent/pub.pem",
        "--signature",
        "x",
    ]);
    assert_one_line_error(&out, "/nonexistent/pub.pem");
    let out = xtask(&[
        "verify",
        "snap-token",
        "--client-id",
        "c",
        "--timestamp",
        ts,
        "--public-key",
        &garbage,
        "--signature",
        "x",
    ]);
    assert_one_line_error(&out, "not PEM");
}

#[test]
fn warnings_point_at_the_usual_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let secret = write(dir.path(), "secret.txt", "s");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let body = write(dir.path(), "body.json", "{}\n");
    let out = xtask(&[
        "sign",
        "doku",
        "--client-id",
        "c",
        "--request-id",
        "r",
        "--timestamp",
        "2020-08-11T15:45:42+07:00",
        "--target",
        "/t",
        "--secret-file",
        &secret,
        "--body-file",
        &body,
    ]);
    assert_exit(&out, 0);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let warnings = json["warnings"].to_string();
    assert!(warnings.contains("0644"), "{warnings}");
    assert!(warnings.contains("yyyy-MM-ddTHH:mm:ssZ"), "{warnings}");
    assert!(warnings.contains("newline"), "{warnings}");
}
