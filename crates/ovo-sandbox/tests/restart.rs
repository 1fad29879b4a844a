//! With a state directory, a restarted sandbox keeps partners, accounts, tokens, payments and the
//! ledger.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::{PHONE, World, confirm, payment};
use http::Method;
use ovo_sandbox::SandboxConfig;

#[tokio::test]
async fn a_restart_keeps_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let config = || SandboxConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..SandboxConfig::default()
    };
    let mut world = World::with_config(config()).await;
    let (access, _) = world.link().await;
    let body = payment("INV-R1", "1000.00");
    let single_use = confirm(&mut world, &access, &body).await;
    let path = world.snap_path("debit/payment-host-to-host");
    assert_eq!(
        world
            .service_call(Method::POST, &path, &single_use, &body)
            .await
            .code(),
        "2005400"
    );
    let file = dir.path().join("state.json");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!std::fs::read_to_string(&file).unwrap().is_empty());

    // A new sandbox on the same directory, registering nothing: partner, account, tokens, payment
    // and ledger all come from the state file.
    world.sandbox.shutdown_ref().await;
    let mut world = World::resume(config()).await;
    assert_eq!(world.ledger().await.len(), 1);
    assert_eq!(world.account(PHONE).await["cash"], "99000.00");
    let balance = world.balance(&access).await;
    assert_eq!(
        balance.code(),
        "2001100",
        "the access token survived the restart: {}",
        balance.text()
    );
    let replay = world
        .service_call(Method::POST, &path, &single_use, &body)
        .await;
    assert_eq!(
        replay.code(),
        "2005400",
        "and the capture is still idempotent"
    );
    assert_eq!(world.ledger().await.len(), 1);
}

#[tokio::test]
async fn a_corrupt_state_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.json"), b"{not json").unwrap();
    let config = SandboxConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..SandboxConfig::default()
    };
    let error = ovo_sandbox::Sandbox::start_with(config, ([127, 0, 0, 1], 0).into())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("state.json"), "{error}");
}
