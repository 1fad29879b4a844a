//! Every error of the crates prints each cause once. An error whose message carries its cause
//! (`store: {cause}`) does not also return it as `source()`, so a report that walks the chain
//! (anyhow's `{:#}`, eyre, `tracing`'s error fields) reads `store: store unavailable: db down`,
//! not the cause a second time; an error that keeps its cause out of its message (the transport's)
//! returns it as `source()`, so nothing is lost either.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::error::Error;

use ovo_flows::{ConfigError, FlowError, StoreError};
use ovo_http::{ClientError, NotificationError, TransportError, TransportErrorKind};
use ovo_model::snap::{DirectDebitRequest, WebviewCallbackError};
use ovo_model::{FieldError, FieldErrorKind, ModelError};
use ovo_sign::{InputError, MinifyError, SignError, TimestampError};

/// The messages of `error` and of each of its causes, outermost first.
fn chain(error: &dyn Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut cause = error.source();
    while let Some(next) = cause {
        messages.push(next.to_string());
        cause = next.source();
    }
    messages
}

fn field() -> FieldError {
    FieldError::new("amount.value", FieldErrorKind::Missing)
}

fn unavailable() -> StoreError {
    StoreError::Unavailable("db down".to_owned())
}

fn model() -> ModelError {
    ovo_model::from_json::<DirectDebitRequest>(b"{").unwrap_err()
}

fn minify() -> MinifyError {
    ovo_sign::minify(b"{\"a\":\"b").unwrap_err()
}

fn timestamp() -> TimestampError {
    ovo_sign::parse_snap_timestamp("yesterday").unwrap_err()
}

#[test]
fn each_cause_is_printed_once_and_none_is_lost() {
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    // Each error, and the innermost cause its report must name.
    let errors: Vec<(&str, Box<dyn Error>, String)> = vec![
        (
            "FlowError::Invalid",
            Box::new(FlowError::from(field())),
            field().to_string(),
        ),
        (
            "FlowError::Sign",
            Box::new(FlowError::from(SignError::from(InputError::from(minify())))),
            minify().to_string(),
        ),
        (
            "FlowError::Timestamp",
            Box::new(FlowError::from(timestamp())),
            timestamp().to_string(),
        ),
        (
            "ConfigError::Header",
            Box::new(ConfigError::from(field())),
            field().to_string(),
        ),
        (
            "ClientError::Store",
            Box::new(ClientError::from(unavailable())),
            unavailable().to_string(),
        ),
        (
            "ClientError::Flow",
            Box::new(ClientError::from(FlowError::from(field()))),
            field().to_string(),
        ),
        (
            "ClientError::Transport",
            Box::new(ClientError::from(TransportError::with_source(
                TransportErrorKind::Connect,
                refused,
            ))),
            "refused".to_owned(),
        ),
        (
            "NotificationError::Store",
            Box::new(NotificationError::from(unavailable())),
            unavailable().to_string(),
        ),
        (
            "NotificationError::Body",
            Box::new(NotificationError::from(model())),
            model().to_string(),
        ),
        (
            "WebviewCallbackError::Response",
            Box::new(WebviewCallbackError::from(model())),
            model().to_string(),
        ),
        (
            "InputError::Minify",
            Box::new(InputError::from(minify())),
            minify().to_string(),
        ),
        (
            "KeyError::Io",
            Box::new(
                ovo_sign::ClientSecret::from_file(
                    std::path::Path::new("/nonexistent/ovo-rs/client-secret.txt"),
                    ovo_sign::FilePermissions::Strict,
                )
                .unwrap_err(),
            ),
            std::fs::read("/nonexistent/ovo-rs/client-secret.txt")
                .unwrap_err()
                .to_string(),
        ),
        (
            "ovo_store::Error::Store",
            Box::new(ovo_store::Error::from(unavailable())),
            unavailable().to_string(),
        ),
    ];
    for (name, error, cause) in errors {
        let chain = chain(error.as_ref());
        for pair in chain.windows(2) {
            assert!(
                !pair[0].contains(&pair[1]),
                "{name}: {:?} is followed by its own cause {:?}",
                pair[0],
                pair[1]
            );
        }
        let report = chain.join(": ");
        assert_eq!(
            report.matches(cause.as_str()).count(),
            1,
            "{name}: the report {report:?} names {cause:?} once"
        );
    }
}
