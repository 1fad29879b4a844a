//! `ovo-sign` alone, for an SDK author who only needs the signatures: signs a SNAP service call
//! (HMAC-SHA512) and a DOKU request (HMAC-SHA256), prints the headers to send, and verifies both
//! as the provider would.
//!
//! ```sh
//! cargo run -p ovo-sign --example sign_only
//! ```

use ovo_sign::time::OffsetDateTime;
use ovo_sign::{ClientSecret, SignatureEncoding, SnapTimestampFormat, doku, snap};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = OffsetDateTime::now_utc();

    // SNAP: a debit's call 1, signed with the client secret and the customer's access token.
    let secret = ClientSecret::new("your-client-secret")?;
    let timestamp = SnapTimestampFormat::OVO.format(now)?;
    let body = br#"{"partnerReferenceNo":"INV-1","amount":{"value":"25000.00","currency":"IDR"}}"#;
    let call = snap::ServiceRequest {
        method: "POST",
        path: "/OVOSNAP/v2.0/debit/payment-host-to-host",
        access_token: "the-customer-access-token",
        body,
        timestamp: &timestamp,
    };
    let signature = snap::sign_service(&secret, &call, SignatureEncoding::Base64)?;
    println!("SNAP {} {}", call.method, call.path);
    println!("  string to sign: {}", signature.string_to_sign());
    println!("  Authorization: Bearer {}", call.access_token);
    println!("  X-TIMESTAMP: {timestamp}");
    println!("  X-SIGNATURE: {}", signature.header_value());
    // The provider's side: the same request verifies with the partner's secret.
    snap::verify_service(
        &[secret],
        &call,
        SignatureEncoding::Base64,
        signature.header_value(),
    )?;
    println!("  verified");

    // DOKU: an OVO Recurring payment, signed over its components with the secret key.
    let secret_key = ClientSecret::new("SK-your-doku-secret")?;
    let request_timestamp = ovo_sign::format_doku_timestamp(now)?;
    let body = br#"{"order":{"invoice_number":"INV-2","amount":25000}}"#;
    let components = doku::Components::post(
        "BRN-0201-1234",
        "6c4f1a2e-request-id",
        &request_timestamp,
        "/ovo-open-api/v1/payment-recurring",
        body,
    );
    let signature = doku::sign(&secret_key, &components)?;
    println!("DOKU POST {}", components.target);
    println!("  Client-Id: {}", components.client_id);
    println!("  Request-Id: {}", components.request_id);
    println!("  Request-Timestamp: {request_timestamp}");
    println!("  Digest: {}", components.digest().unwrap_or_default());
    println!("  Signature: {}", signature.header_value());
    doku::verify(&[secret_key], &components, signature.header_value())?;
    println!("  verified");
    Ok(())
}
