//! The exchange recorder writes real exchanges in cURL form, every header included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;

use ovo_e2e::E2e;
use ovo_http::{ClientOptions, ExchangeSink, FileSink, MemorySink, RecordingTransport};

#[tokio::test]
async fn exchanges_are_recorded_with_every_header() {
    let e2e = E2e::start().await;
    let sink = Arc::new(MemorySink::default());
    let client = e2e.client_with(
        RecordingTransport::new(e2e.transport(), sink.clone()),
        ClientOptions::default(),
    );
    client.status("INV-NONE").await.unwrap();
    let exchanges = sink.exchanges();
    assert_eq!(exchanges.len(), 2, "the B2B token, then the status inquiry");
    let status = &exchanges[1];
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
