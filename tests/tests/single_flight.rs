//! The B2B token is fetched by one caller at a time: concurrent callers share its result.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use ovo_e2e::E2e;
use ovo_http::{ClientOptions, Transport, TransportError, TransportErrorKind};

fn quick() -> ClientOptions {
    let mut options = ClientOptions::default();
    options.retry.backoff = Duration::from_millis(5);
    options.retry.backoff_max = Duration::from_millis(20);
    options
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_cause_one_token_request_and_a_failure_fails_them_all_alike() {
    let e2e = E2e::start().await;
    let token_requests = Arc::new(AtomicUsize::new(0));
    let failing = Arc::new(AtomicBool::new(true));
    let inner = e2e.transport();
    let (count, fail) = (Arc::clone(&token_requests), Arc::clone(&failing));
    let transport = move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, count, fail) = (inner.clone(), Arc::clone(&count), Arc::clone(&fail));
        async move {
            if request.uri().path().ends_with("/access-token/b2b") {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                if fail.load(Ordering::SeqCst) {
                    return Err(TransportError::new(TransportErrorKind::Connect));
                }
            }
            inner.send(request, deadline).await
        }
    };
    let client = Arc::new(e2e.client_with(transport, quick()));

    // While the provider is unreachable: every caller gets the same error, from one fetch (and
    // its retries), never 1000 fetches.
    let waiters: Vec<_> = (0..1000)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move { client.b2b_token().await })
        })
        .collect();
    let mut errors = Vec::new();
    for waiter in waiters {
        match waiter.await.unwrap() {
            Err(error) => errors.push(error.to_string()),
            Ok(_) => panic!("the provider was unreachable"),
        }
    }
    errors.dedup();
    assert_eq!(errors.len(), 1, "one error, shared: {errors:?}");
    let failed_attempts = token_requests.load(Ordering::SeqCst);
    assert!(
        failed_attempts <= 1 + quick().retry.max_retries as usize,
        "{failed_attempts} token requests"
    );

    // The failure did not wedge the cache: the next callers fetch again, once.
    failing.store(false, Ordering::SeqCst);
    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move { client.b2b_token().await.map(|t| t.generation) })
        })
        .collect();
    for caller in callers {
        assert_eq!(
            caller.await.unwrap().unwrap(),
            1,
            "everyone got the one new token"
        );
    }
    assert_eq!(
        token_requests.load(Ordering::SeqCst),
        failed_attempts + 1,
        "exactly one more token request"
    );
    // A B2B-authorized call (the status now takes the customer's token) uses the cached token.
    let lookup = client.lookup("6281999999999").await.unwrap();
    assert_eq!(lookup.status.as_str(), "CAN_REGISTER");
    assert_eq!(
        token_requests.load(Ordering::SeqCst),
        failed_attempts + 1,
        "the cached token served the lookup"
    );
}

/// A simulated day of traffic, one B2B-authorized call every 30 s of sandbox time: the token is
/// renewed before it expires (no call reaches the sandbox with an expired one: no 401), and only
/// then (one token per 14 minutes: 15-minute lifetime less the 60 s margin, 103 in 24 h).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_traffic_renews_the_token_before_it_expires_and_never_more_often() {
    let e2e = E2e::start().await;
    let token_requests = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let inner = e2e.transport();
    let (count, unauthorized) = (Arc::clone(&token_requests), Arc::clone(&refused));
    let transport = move |request: http::Request<Bytes>, deadline: Duration| {
        let (inner, count, unauthorized) =
            (inner.clone(), Arc::clone(&count), Arc::clone(&unauthorized));
        async move {
            if request.uri().path().ends_with("/access-token/b2b") {
                count.fetch_add(1, Ordering::SeqCst);
            }
            let response = inner.send(request, deadline).await?;
            if response.status() == 401 {
                unauthorized.fetch_add(1, Ordering::SeqCst);
            }
            Ok(response)
        }
    };
    let client = e2e.client_with(transport, quick());
    let day = 24 * 3600;
    let step = 30;
    for _ in 0..day / step {
        // A phone lookup: B2B-authorized (the status now takes the customer's token).
        let lookup = client.lookup("6281999999999").await.unwrap();
        assert_eq!(lookup.status.as_str(), "CAN_REGISTER");
        e2e.advance(Duration::from_secs(step)).await;
    }
    assert_eq!(
        refused.load(Ordering::SeqCst),
        0,
        "a call carried an expired token"
    );
    let tokens = token_requests.load(Ordering::SeqCst);
    // ceil(86,400 s / 840 s) = 103.
    assert!(
        (102..=104).contains(&tokens),
        "{tokens} token requests in a day"
    );
}
