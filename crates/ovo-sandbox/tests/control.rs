//! The control plane from Rust (`SandboxHandle`'s methods) and over HTTP (`/_sandbox/`) take the
//! same types and agree: each method is checked, and its result compared with the HTTP answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

mod common;

use std::time::Duration;

use common::{
    CLIENT_ID, CLIENT_SECRET, DOKU_CLIENT, DOKU_SECRET, PHONE, PIN, World, key_file, pay, payment,
};
use http::Method;
use ovo_model::Idr;
use ovo_sandbox::{
    AccountSpec, AccountStatus, Channel, DokuPartnerSpec, EntryKind, FaultAction, FaultRule,
    PartnerSpec, Sandbox,
};
use serde_json::{Value, json};

fn public_pem() -> String {
    String::from_utf8(key_file("rsa2048-public-pkcs1.pem")).unwrap()
}

#[tokio::test]
async fn a_partner_enrolled_from_rust_is_the_one_enrolled_over_http() {
    let world = World::new().await;
    // The JSON `World::new` posted, read as the Rust type, equals the type built in Rust; both
    // serialize alike.
    let http_json = json!({
        "client_id": CLIENT_ID, "client_secrets": [CLIENT_SECRET], "public_keys": [public_pem()],
        "callback_urls": [world.callback()], "daily_refund_limit": "50000.00"
    });
    let spec = PartnerSpec::new(CLIENT_ID, CLIENT_SECRET, public_pem())
        .callback_url(world.callback())
        .daily_refund_limit(Idr::from_rupiah(50_000));
    assert_eq!(
        serde_json::from_value::<PartnerSpec>(http_json.clone()).unwrap(),
        spec
    );
    assert_eq!(serde_json::to_value(&spec).unwrap(), http_json);

    // Re-enrolled from Rust, the partner works as before: it gets a B2B token.
    world.sandbox.enroll_partner(&spec).unwrap();
    world.b2b_token().await;

    // The same checks refuse the same specs, with the control API's message.
    let mut no_key = spec.clone();
    no_key.public_keys.clear();
    let refused = world.sandbox.enroll_partner(&no_key).unwrap_err();
    assert_eq!(
        refused.message(),
        "at least one client secret and one public key are needed"
    );
    let (status, answer) = post(&world, "partners", serde_json::to_value(&no_key).unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], refused.message());
    let bad_pem = PartnerSpec::new("other", "secret", "not a key");
    assert!(
        world
            .sandbox
            .enroll_partner(&bad_pem)
            .unwrap_err()
            .message()
            .starts_with("public_keys: ")
    );

    // A wrong amount over HTTP names its field.
    let (status, answer) = post(
        &world,
        "partners",
        json!({"client_id": "x", "client_secrets": ["s"], "public_keys": [public_pem()],
               "callback_urls": [], "daily_refund_limit": "10"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("daily_refund_limit"),
        "{answer}"
    );
}

#[tokio::test]
async fn doku_partners_and_accounts_from_rust_agree_with_http() {
    let mut world = World::resume(Default::default()).await;
    let doku_json = json!({"client_id": DOKU_CLIENT, "secret_keys": [DOKU_SECRET]});
    let doku = DokuPartnerSpec::new(DOKU_CLIENT, DOKU_SECRET);
    assert_eq!(
        serde_json::from_value::<DokuPartnerSpec>(doku_json.clone()).unwrap(),
        doku
    );
    assert_eq!(serde_json::to_value(&doku).unwrap(), doku_json);
    world.sandbox.enroll_doku_partner(&doku).unwrap();
    let mut no_secret = doku.clone();
    no_secret.secret_keys.clear();
    assert!(world.sandbox.enroll_doku_partner(&no_secret).is_err());

    // An account opened from Rust, another over HTTP: read back alike both ways.
    world
        .sandbox
        .add_account(
            &AccountSpec::new(PHONE, PIN, Idr::from_rupiah(100_000))
                .points(Idr::from_rupiah(5_000)),
        )
        .unwrap();
    world
        .control(
            Method::POST,
            "accounts",
            json!({"phone": "6289999999999", "pin": PIN, "cash": "10.50"}),
        )
        .await;
    for phone in [PHONE, "6289999999999"] {
        let from_rust = world.sandbox.account(phone).unwrap();
        assert_eq!(
            serde_json::to_value(&from_rust).unwrap(),
            world.account(phone).await
        );
    }
    let account = world.sandbox.account("6289999999999").unwrap();
    assert_eq!(account.cash, Idr::from_sen(1_050));
    assert_eq!(account.points, Idr::ZERO);
    assert_eq!(account.status, AccountStatus::Active);
    assert_eq!(account.bound_to, None);
    assert_eq!(
        world.sandbox.account("62000").unwrap_err().message(),
        "no such account"
    );
    assert_eq!(
        world
            .sandbox
            .add_account(&AccountSpec::new(PHONE, PIN, Idr::ZERO))
            .unwrap_err()
            .message(),
        "an account with this phone exists"
    );
    assert_eq!(
        world
            .sandbox
            .add_account(&AccountSpec::new("+62 812", PIN, Idr::ZERO))
            .unwrap_err()
            .message(),
        "phone: digits only"
    );

    // The DOKU partner enrolled from Rust answers a signed call.
    let tokens = world
        .doku_call(
            "/tokenization/v1/tokens",
            json!({"customer": {"id": "nobody"}}),
        )
        .await;
    assert_ne!(tokens.status.as_u16(), 401, "{}", tokens.text());
}

#[tokio::test]
async fn the_ledger_and_balances_after_a_payment_agree_with_http() {
    let mut world = World::new().await;
    let (access, _) = world.link().await;
    pay(&mut world, &access, &payment("INV-RUST-1", "25000.00")).await;

    let account = world.sandbox.account(PHONE).unwrap();
    assert_eq!(account.cash, Idr::from_rupiah(75_000));
    assert_eq!(account.bound_to.as_deref(), Some(CLIENT_ID));

    let ledger = world.sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].channel, Channel::Snap);
    assert_eq!(
        ledger[0].kind,
        EntryKind::Capture {
            reference: "INV-RUST-1".into()
        }
    );
    assert_eq!(ledger[0].cash, Idr::from_rupiah(25_000));
    let over_http: Vec<Value> = world.ledger().await;
    assert_eq!(
        serde_json::to_value(&ledger).unwrap(),
        Value::Array(over_http)
    );
}

#[tokio::test]
async fn the_clock_moves_from_rust_as_over_http() {
    let world = World::new().await;
    let before = world.sandbox.now();
    let after = world
        .sandbox
        .advance_clock(Duration::from_secs(3600))
        .unwrap();
    assert!(after - before >= time::Duration::seconds(3600));
    // Over HTTP the same clock moves: another hour, seen from Rust.
    world
        .control(Method::POST, "clock/advance", json!({"seconds": 3600}))
        .await;
    assert!(world.sandbox.now() - after >= time::Duration::seconds(3600));
    assert!(world.sandbox.now() >= after);
    // Past the bound: refused, nothing moves.
    let refused = world
        .sandbox
        .advance_clock(Duration::from_secs(200 * 366 * 24 * 3600))
        .unwrap_err();
    assert!(refused.message().starts_with("seconds: "), "{refused}");
    assert!(world.sandbox.now() - after < time::Duration::seconds(3660));
}

#[tokio::test]
async fn faults_planned_from_rust_are_the_plan_over_http() {
    let world = World::new().await;
    let rules = vec![
        FaultRule::new("b2b-token", FaultAction::status(500)),
        FaultRule::new("debit", FaultAction::DropAfterCommit).every(3),
        FaultRule::new("refund", FaultAction::delay_by(Duration::from_millis(5))),
        FaultRule::new("status", FaultAction::status_after_commit(202)).every(2),
    ];
    world.sandbox.plan_faults(rules.clone()).unwrap();
    assert_eq!(world.sandbox.faults(), rules);
    let over_http = world.control(Method::GET, "faults", Value::Null).await;
    assert_eq!(over_http["rules"], serde_json::to_value(&rules).unwrap());

    // The plan is in force: the B2B token answers 500.
    let answer = world
        .token_call(
            "access-token/b2b",
            json!({"grantType": "client_credentials"}),
            None,
        )
        .await;
    assert_eq!(answer.status.as_u16(), 500);

    // A plan set over HTTP reads back as the Rust types.
    world
        .control(
            Method::PUT,
            "faults",
            json!({"rules": [{"endpoint": "debit", "every": 2, "action": {"kind": "hang"}}]}),
        )
        .await;
    assert_eq!(
        world.sandbox.faults(),
        [FaultRule::new("debit", FaultAction::Hang).every(2)]
    );

    // `every: 0` is refused, the plan unchanged.
    let refused = world
        .sandbox
        .plan_faults([FaultRule::new("debit", FaultAction::Hang).every(0)])
        .unwrap_err();
    assert_eq!(refused.message(), "every: must be at least 1");
    assert_eq!(world.sandbox.faults().len(), 1);

    world.sandbox.clear_faults();
    assert!(world.sandbox.faults().is_empty());
    assert_eq!(
        world.control(Method::GET, "faults", Value::Null).await["rules"],
        json!([])
    );
    world.b2b_token().await;
}

#[tokio::test]
async fn control_calls_from_rust_are_kept_in_the_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = || ovo_sandbox::SandboxConfig {
        state_dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let sandbox = Sandbox::start_with(config(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    sandbox
        .add_account(&AccountSpec::new(PHONE, PIN, Idr::from_rupiah(7)))
        .unwrap();
    sandbox.shutdown().await;
    let again = Sandbox::start_with(config(), ([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    assert_eq!(again.account(PHONE).unwrap().cash, Idr::from_rupiah(7));
}

/// A control `POST` whose status is returned rather than asserted.
async fn post(world: &World, path: &str, body: Value) -> (u16, Value) {
    let answer = world
        .send(
            Method::POST,
            &format!("/_sandbox/{path}"),
            &[("content-type", "application/json".into())],
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    (answer.status.as_u16(), answer.json())
}
