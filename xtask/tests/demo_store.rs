//! `cargo xtask demo --database-url`: the demo runs twice on one SQLite file (migrations are
//! idempotent, references and ids do not clash), and the file never holds a token in clear.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::process::Command;

use base64::Engine as _;

#[test]
fn the_demo_runs_twice_on_one_sqlite_file_and_stores_no_token_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ovo.db");
    let url = format!("sqlite:{}", db.display());
    let revealed = dir.path().join("tokens.txt");
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    for run in 1..=2 {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["demo", "--database-url", &url, "--reveal-tokens-to"])
            .arg(&revealed)
            .env("OVO_STORE_KEY", &key)
            .output()
            .unwrap();
        let transcript = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "run {run}:\n{transcript}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in [
            "stores: SQLite at",
            "store key from OVO_STORE_KEY: key id",
            "demo OK",
        ] {
            assert!(
                transcript.contains(line),
                "run {run}: missing {line:?}:\n{transcript}"
            );
        }
        assert!(
            !transcript.contains(&key),
            "the key itself is never printed"
        );
    }
    let tokens: Vec<String> = std::fs::read_to_string(&revealed)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    // Per run: the B2B token, the customer's access and refresh tokens.
    assert!(tokens.len() >= 6, "{} tokens revealed", tokens.len());
    let mut stored = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", db.display())) {
            stored.extend(bytes);
        }
    }
    assert!(stored.len() > 4096, "the database holds something");
    for token in &tokens {
        assert!(token.len() >= 16, "a token: {token:?}");
        assert!(
            !stored
                .windows(token.len())
                .any(|window| window == token.as_bytes()),
            "a token is stored in clear"
        );
    }
}
