//! Property tests: round-trips, tamper detection, and the minify invariants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

use ovo_sign::{ClientSecret, PrivateKey, SignatureEncoding, doku, minify, snap};
use proptest::prelude::*;
use serde_json::Value;

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keys/rsa2048-pkcs8.pem");
        PrivateKey::from_pem(&std::fs::read(path).unwrap()).unwrap()
    })
}

/// Arbitrary JSON documents, strings full of whitespace, escapes and non-ASCII included.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ \t\n\r\"\\\\/a-zé日\u{0}-\u{1f}]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[ a-z\t\"]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON whitespace runs to put between tokens.
fn whitespace() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[ \t\n\r]{0,3}", 64)
}

/// Writes `value` with `pads` cycled between every pair of tokens; scalars and keys are written by
/// serde_json, so their bytes are exactly those of the compact form.
fn spaced(value: &Value, pads: &[String], at: &mut usize, out: &mut String) {
    let pad = |out: &mut String, at: &mut usize| {
        out.push_str(&pads[*at % pads.len()]);
        *at += 1;
    };
    pad(out, at);
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    pad(out, at);
                    out.push(',');
                }
                spaced(item, pads, at, out);
            }
            pad(out, at);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, at);
                out.push_str(&serde_json::to_string(k).unwrap());
                pad(out, at);
                out.push(':');
                spaced(v, pads, at, out);
            }
            pad(out, at);
            out.push('}');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap()),
    }
    pad(out, at);
}

/// The first minify, a plain byte loop, kept as the model the word-at-a-time scan must equal: drop
/// the four whitespace bytes outside string literals; inside one, a backslash escapes the next
/// byte; a string still open at the end is an error naming its opening quote.
fn reference_minify(json: &[u8]) -> Result<Vec<u8>, usize> {
    let (mut out, mut in_string, mut escaped, mut start) = (Vec::new(), false, false, 0);
    for (i, &byte) in json.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if in_string {
            match byte {
                b'"' => in_string = false,
                b'\\' => escaped = true,
                _ => {}
            }
        } else if byte == b'"' {
            (in_string, start) = (true, i);
        } else if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        }
        out.push(byte);
    }
    if in_string { Err(start) } else { Ok(out) }
}

/// Bytes from the alphabet that matters to minify (quotes, backslashes, the four whitespace bytes,
/// control and non-ASCII bytes, punctuation), in runs long enough to cross 8-byte words.
fn lexical_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => Just(b'"'),
        2 => Just(b'\\'),
        4 => prop::sample::select(vec![b' ', b'\t', b'\n', b'\r']),
        1 => prop::sample::select(vec![0u8, 0x0c, 0x1f, 0x21, 0x7f, 0x80, 0xa0, 0xff]),
        6 => prop::sample::select(b"{}[]:,aZ09.-".to_vec()),
    ];
    prop::collection::vec(byte, 0..200)
}

/// Bytes without a backslash or a carriage return (the bodies `minify` scans word by word, not
/// lexed), weighted to quotes and whitespace, in runs long enough to cross many 8-byte words and
/// end on any tail length.
fn plain_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => Just(b'"'),
        5 => prop::sample::select(vec![b' ', b'\t', b'\n']),
        1 => prop::sample::select(vec![0u8, 0x0b, 0x0c, 0x1f, 0x21, 0x7f, 0x80, 0xa0, 0xff]),
        8 => prop::sample::select(b"{}[]:,aZ09.-".to_vec()),
    ];
    prop::collection::vec(byte, 0..300)
}

/// Strings that serde_json writes with escapes (`\"`, `\\`, `\n`, `\u001f`), runs of spaces and tabs,
/// and multi-byte UTF-8, as keys and values of documents nested up to 12 levels deep.
fn nested_value() -> impl Strategy<Value = Value> {
    let text = "([\"\\\\ \t\n\u{1f}]|[a-z]{1,9}|é|日本|😀| {2,9}){0,8}";
    let leaf = prop_oneof![
        text.prop_map(Value::String),
        any::<i32>().prop_map(Value::from),
        Just(Value::Null),
    ];
    leaf.prop_recursive(12, 96, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text, inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Whitespace runs without a carriage return, so that a body stays on the word-by-word path.
fn plain_whitespace() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[ \t\n]{0,9}", 64)
}

/// Checks `minify` against the byte-loop model: the same bytes or the same error, and borrowed
/// exactly when nothing was removed.
fn agrees_with_the_model(bytes: &[u8]) -> Result<(), TestCaseError> {
    let expected = reference_minify(bytes);
    match minify(bytes) {
        Ok(minified) => {
            prop_assert_eq!(Ok(minified.to_vec()), expected.clone());
            prop_assert_eq!(
                matches!(minified, Cow::Borrowed(_)),
                expected == Ok(bytes.to_vec())
            );
        }
        Err(ovo_sign::MinifyError::UnterminatedString { start }) => {
            prop_assert_eq!(Err(start), expected);
        }
        Err(other) => prop_assert!(false, "unexpected error {other:?}"),
    }
    Ok(())
}

fn flip_byte(bytes: &[u8], index: usize, to: u8) -> Option<Vec<u8>> {
    let mut changed = bytes.to_vec();
    let i = index % bytes.len().max(1);
    if bytes.is_empty() || changed[i] == to {
        return None;
    }
    changed[i] = to;
    Some(changed)
}

fn flip_char(text: &str, index: usize, to: char) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let i = index % chars.len().max(1);
    if chars.is_empty() || chars[i] == to {
        return None;
    }
    let mut changed = chars;
    changed[i] = to;
    Some(changed.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn every_whitespace_variant_minifies_to_the_compact_form(value in json_value(), pads in whitespace()) {
        let compact = serde_json::to_vec(&value).unwrap();
        let mut text = String::new();
        spaced(&value, &pads, &mut 0, &mut text);
        prop_assert_eq!(minify(text.as_bytes()).unwrap().into_owned(), compact.clone());
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        prop_assert_eq!(minify(&pretty).unwrap().into_owned(), compact);
    }

    #[test]
    fn minify_equals_the_byte_loop_model_on_any_bytes(
        bytes in prop_oneof![lexical_bytes(), prop::collection::vec(any::<u8>(), 0..200)],
    ) {
        let expected = reference_minify(&bytes);
        match minify(&bytes) {
            Ok(minified) => {
                prop_assert_eq!(Ok(minified.to_vec()), expected.clone());
                // Borrowed exactly when nothing was removed.
                prop_assert_eq!(matches!(minified, Cow::Borrowed(_)), expected == Ok(bytes.clone()));
            }
            Err(ovo_sign::MinifyError::UnterminatedString { start }) => {
                prop_assert_eq!(Err(start), expected);
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn the_word_by_word_path_equals_the_model(bytes in plain_bytes()) {
        agrees_with_the_model(&bytes)?;
    }

    #[test]
    fn pretty_and_spaced_documents_with_escapes_equal_the_model(
        value in nested_value(),
        pads in plain_whitespace(),
        crlf in any::<bool>(),
    ) {
        let compact = serde_json::to_vec(&value).unwrap();
        agrees_with_the_model(&compact)?;
        prop_assert!(matches!(minify(&compact), Ok(Cow::Borrowed(_))));
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        agrees_with_the_model(&pretty)?;
        prop_assert_eq!(minify(&pretty).unwrap().into_owned(), compact.clone());
        let mut text = String::new();
        spaced(&value, &pads, &mut 0, &mut text);
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        agrees_with_the_model(text.as_bytes())?;
        prop_assert_eq!(minify(text.as_bytes()).unwrap().into_owned(), compact);
    }

    #[test]
    fn one_late_whitespace_run_in_a_compact_body_is_found(
        value in nested_value(),
        at in any::<prop::sample::Index>(),
        pad in "[ \t\n]{1,9}",
        truncate in any::<bool>(),
    ) {
        // A compact body with one whitespace run inserted at any byte, inside a literal or not,
        // so that copying starts at any word and any quote parity; or cut short (unterminated).
        let mut body = serde_json::to_vec(&value).unwrap();
        let at = at.index(body.len() + 1);
        if truncate {
            body.truncate(at);
        } else {
            body.splice(at..at, pad.bytes());
        }
        agrees_with_the_model(&body)?;
    }

    #[test]
    fn a_serialized_body_is_borrowed_and_signs_alike_on_both_paths(
        value in json_value(),
        secret in prop::collection::vec(any::<u8>(), 1..80),
        hex in any::<bool>(),
    ) {
        let body = serde_json::to_vec(&value).unwrap();
        prop_assert!(matches!(minify(&body), Ok(Cow::Borrowed(_))));
        let encoding = if hex { SignatureEncoding::HexLower } else { SignatureEncoding::Base64 };
        let secret = ClientSecret::new(secret).unwrap();
        let request = snap::ServiceRequest {
            method: "POST",
            path: "/OVOSNAP/v2.0/debit/payment-host-to-host",
            access_token: "b2b-token",
            body: &body,
            timestamp: "2022-10-24T13:42:13.092+07:00",
        };
        let full = snap::sign_service(&secret, &request, encoding).unwrap();
        let compact = snap::sign_service_compact(&secret, &request, encoding).unwrap();
        prop_assert_eq!(full.string_to_sign(), compact.string_to_sign());
        prop_assert_eq!(full.header_value(), compact.header_value());
    }

    #[test]
    fn the_streamed_signature_is_the_built_ones_value_and_fails_alike(
        method in prop::sample::select(vec!["POST", "GET", "post", "", "PO ST"]),
        path in prop::sample::select(vec!["/OVOSNAP/v1.0/debit/status", "/a?b=c", "no-slash", " /padded", ""]),
        token in prop::sample::select(vec!["b2b-token", "Bearer b2b", " padded", "", "t\u{e9}k\u{e9}n"]),
        timestamp in prop::sample::select(vec!["2022-10-24T13:42:13.092+07:00", "", "x "]),
        body in prop::collection::vec(any::<u8>(), 0..300),
        secret in prop::collection::vec(any::<u8>(), 1..80),
        hex in any::<bool>(),
    ) {
        let encoding = if hex { SignatureEncoding::HexLower } else { SignatureEncoding::Base64 };
        let secret = ClientSecret::new(secret).unwrap();
        let request = snap::ServiceRequest { method, path, access_token: token, body: &body, timestamp };
        let streamed = snap::service_signature_compact(&secret, &request, encoding)
            .map_err(|e| e.to_string());
        let built = snap::sign_service_compact(&secret, &request, encoding)
            .map(|signature| signature.header_value().to_owned())
            .map_err(|e| e.to_string());
        prop_assert_eq!(streamed, built);
    }

    #[test]
    fn minify_is_idempotent(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(once) = minify(&bytes) {
            let twice = minify(&once).unwrap();
            prop_assert_eq!(once.as_ref(), twice.as_ref());
        }
    }

    #[test]
    fn minify_never_alters_a_string_literal(
        raw in prop::collection::vec(any::<u8>().prop_filter("no quote or backslash", |b| *b != b'"' && *b != b'\\'), 0..64),
        text in any::<String>(),
        pads in whitespace(),
    ) {
        // A literal of raw bytes (whitespace, control bytes, invalid UTF-8 included) and a
        // serde-escaped literal, each surrounded by insignificant whitespace.
        let escaped = serde_json::to_string(&text).unwrap();
        let mut input = Vec::new();
        input.extend_from_slice(pads[0].as_bytes());
        input.push(b'[');
        input.extend_from_slice(pads[1].as_bytes());
        input.push(b'"');
        input.extend_from_slice(&raw);
        input.push(b'"');
        input.extend_from_slice(pads[2].as_bytes());
        input.push(b',');
        input.extend_from_slice(escaped.as_bytes());
        input.extend_from_slice(pads[3].as_bytes());
        input.push(b']');
        let mut expected = b"[\"".to_vec();
        expected.extend_from_slice(&raw);
        expected.extend_from_slice(b"\",");
        expected.extend_from_slice(escaped.as_bytes());
        expected.push(b']');
        prop_assert_eq!(minify(&input).unwrap().into_owned(), expected);
    }

    #[test]
    fn snap_service_round_trips_and_any_one_change_fails(
        value in json_value(),
        path in "/[A-Za-z0-9./_-]{1,40}",
        token in "[A-Za-z0-9._~+/-]{1,60}",
        timestamp in "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}\\+07:00",
        secret in prop::collection::vec(any::<u8>(), 1..80),
        hex in any::<bool>(),
        index in any::<usize>(),
        byte in any::<u8>(),
        ch in any::<char>(),
    ) {
        let body = serde_json::to_vec(&value).unwrap();
        let encoding = if hex { SignatureEncoding::HexLower } else { SignatureEncoding::Base64 };
        let secrets = [ClientSecret::new(secret).unwrap()];
        let request = snap::ServiceRequest { method: "POST", path: &path, access_token: &token, body: &body, timestamp: &timestamp };
        let signed = snap::sign_service(&secrets[0], &request, encoding).unwrap();
        prop_assert!(snap::verify_service(&secrets, &request, encoding, signed.header_value()).is_ok());

        let sig = signed.header_value();
        if let Some(body) = flip_byte(&body, index, byte) {
            let changed = snap::ServiceRequest { body: &body, ..request };
            prop_assert!(snap::verify_service(&secrets, &changed, encoding, sig).is_err());
        }
        if let Some(path) = flip_char(&path, index, ch) {
            let changed = snap::ServiceRequest { path: &path, ..request };
            prop_assert!(snap::verify_service(&secrets, &changed, encoding, sig).is_err());
        }
        if let Some(token) = flip_char(&token, index, ch) {
            let changed = snap::ServiceRequest { access_token: &token, ..request };
            prop_assert!(snap::verify_service(&secrets, &changed, encoding, sig).is_err());
        }
        if let Some(timestamp) = flip_char(&timestamp, index, ch) {
            let changed = snap::ServiceRequest { timestamp: &timestamp, ..request };
            prop_assert!(snap::verify_service(&secrets, &changed, encoding, sig).is_err());
        }
    }

    #[test]
    fn doku_round_trips_and_any_one_change_fails(
        body in prop::collection::vec(any::<u8>(), 0..512),
        client_id in "[A-Z]{3}-[0-9]{4}-[0-9]{14}",
        request_id in "[a-z0-9-]{1,128}",
        target in "/[a-z0-9/-]{1,40}",
        secret in "[A-Za-z0-9-]{1,40}",
        index in any::<usize>(),
        byte in any::<u8>(),
        ch in any::<char>(),
    ) {
        let timestamp = "2020-08-11T08:45:42Z";
        let secrets = [ClientSecret::new(secret).unwrap()];
        let components = doku::Components::post(&client_id, &request_id, timestamp, &target, &body);
        let signed = doku::sign(&secrets[0], &components).unwrap();
        let sig = signed.header_value();
        prop_assert!(doku::verify(&secrets, &components, sig).is_ok());
        if let Some(body) = flip_byte(&body, index, byte) {
            let changed = doku::Components { body: Some(&body), ..components };
            prop_assert!(doku::verify(&secrets, &changed, sig).is_err());
        }
        for (field, value) in [("client", &client_id), ("request", &request_id), ("target", &target)] {
            if let Some(changed) = flip_char(value, index, ch) {
                let c = match field {
                    "client" => doku::Components { client_id: &changed, ..components },
                    "request" => doku::Components { request_id: &changed, ..components },
                    _ => doku::Components { target: &changed, ..components },
                };
                prop_assert!(doku::verify(&secrets, &c, sig).is_err());
            }
        }
        let get = doku::Components::get(&client_id, &request_id, timestamp, &target);
        prop_assert!(doku::verify(&secrets, &get, sig).is_err(), "a GET (no Digest) must not verify a POST signature");
    }

    #[test]
    fn nothing_panics_on_arbitrary_inputs(
        method in any::<String>(), path in any::<String>(), token in any::<String>(),
        timestamp in any::<String>(), body in prop::collection::vec(any::<u8>(), 0..128),
        signature in any::<String>(),
    ) {
        let secrets = [ClientSecret::new("s").unwrap()];
        let request = snap::ServiceRequest { method: &method, path: &path, access_token: &token, body: &body, timestamp: &timestamp };
        let _ = snap::sign_service(&secrets[0], &request, SignatureEncoding::Base64);
        let _ = snap::verify_service(&secrets, &request, SignatureEncoding::HexLower, &signature);
        let _ = snap::verify_token(&[key().public_key()], &token, &timestamp, &signature);
        let components = doku::Components::post(&method, &path, &timestamp, &token, &body);
        let _ = doku::sign(&secrets[0], &components);
        let _ = doku::verify(&secrets, &components, &signature);
        let _ = ovo_sign::parse_snap_timestamp(&timestamp);
        let _ = ovo_sign::parse_doku_timestamp(&timestamp);
        let _ = ovo_sign::PublicKey::from_pem(&body);
        let _ = ovo_sign::PrivateKey::from_pem(&body);
    }
}

proptest! {
    // RSA signing costs about a millisecond: fewer cases, same properties.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn snap_rsa_schemes_round_trip_and_any_one_change_fails(
        value in json_value(),
        client_id in "[A-Za-z0-9_-]{1,32}",
        timestamp in "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\\.[0-9]{3}\\+07:00",
        index in any::<usize>(),
        byte in any::<u8>(),
        ch in any::<char>(),
    ) {
        let keys = [key().public_key()];
        let signed = snap::sign_token(key(), &client_id, &timestamp).unwrap();
        prop_assert!(snap::verify_token(&keys, &client_id, &timestamp, signed.header_value()).is_ok());
        if let Some(changed) = flip_char(&client_id, index, ch) {
            prop_assert!(snap::verify_token(&keys, &changed, &timestamp, signed.header_value()).is_err());
        }
        if let Some(changed) = flip_char(&timestamp, index, ch) {
            prop_assert!(snap::verify_token(&keys, &client_id, &changed, signed.header_value()).is_err());
        }

        let body = serde_json::to_vec(&value).unwrap();
        let request = snap::RsaServiceRequest { method: "POST", path: "/OVOSNAP/v2.0/oauth/account/registration-account-binding", body: &body, timestamp: &timestamp };
        let signed = snap::sign_rsa_service(key(), &request).unwrap();
        prop_assert!(snap::verify_rsa_service(&keys, &request, signed.header_value()).is_ok());
        if let Some(body) = flip_byte(&body, index, byte) {
            let changed = snap::RsaServiceRequest { body: &body, ..request };
            prop_assert!(snap::verify_rsa_service(&keys, &changed, signed.header_value()).is_err());
        }
    }
}
