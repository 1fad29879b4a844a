//! The exchange recorder writes real exchanges in cURL form, every header included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;

use ovo_e2e::E2e;
use ovo_http::{ClientOptions, ExchangeSink, FileSink, MemorySink, RecordingTransport};

const PHONE: &str = "6281900000011";

#[tokio::test]
async fn exchanges_are_recorded_with_every_header() {
    let e2e = E2e::start().await;
    e2e.account(PHONE, "10000.00", "0.00").await;
    e2e.link("recorded", PHONE).await;
    let sink = Arc::new(MemorySink::default());
    // Another instance of the same deployment: it shares the customer's tokens.
    let client = e2e
        .builder_with(RecordingTransport::new(e2e.transport(), sink.clone()))
        .options(ClientOptions::default())
        .token_store(e2e.client.token_store().clone())
        .build();
    let status = client.status("recorded", "INV-NONE").await.unwrap();
    assert_eq!(status.latest_transaction_status.as_str(), "07");
    let exchanges = sink.exchanges();
    // The status takes the customer's access token: no B2B token is fetched.
    assert_eq!(exchanges.len(), 1, "the status inquiry alone");
    let status = &exchanges[0];
    let access = client.access_token("recorded").await.unwrap();
    assert!(
        status
            .request
            .contains(&format!("authorization: Bearer {}'", access.expose())),
        "the status carries the customer's access token"
    );
    for header in [
        "x-timestamp:",
        "x-signature:",
        "x-partner-id:",
        "x-external-id:",
        "channel-id:",
        "x-device-id:",
        "authorization: Bearer ",
    ] {
        assert!(
            status.request.contains(header),
            "{header} missing from {}",
            status.request
        );
    }
    assert!(status.request.starts_with(&format!(
        "curl -X POST '{}/OVOSNAP/v2.0/debit/status'",
        e2e.base()
    )));
    assert!(
        status.request.contains(
            r#"--data-raw '{"originalPartnerReferenceNo":"INV-NONE","serviceCode":"54"}'"#
        )
    );
    assert!(status.response.starts_with("HTTP/1.1 200 OK\n"));
    assert!(
        status
            .response
            .contains(r#""latestTransactionStatus":"07""#)
    );
    assert_eq!(
        format!("{status:?}"),
        "Exchange([redacted: holds credentials])"
    );

    let dir = std::env::temp_dir().join(format!("ovo-recorder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("evidence.txt");
    let file = FileSink::create(&path).unwrap();
    file.record(status.clone());
    drop(file);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("Request:\ncurl -X POST")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
