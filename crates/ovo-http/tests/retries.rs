//! The retry schedule of calls that move no money, on paused time: exponential backoff with full
//! jitter under its caps, `Retry-After` honoured as a floor, and no retry when the provider asks
//! for a wait beyond `backoff_max`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use ovo_flows::{SnapConfig, SnapCredentials};
use ovo_http::{ClientOptions, OvoClient, TransportError};
use ovo_sign::{ClientSecret, PrivateKey};
use tokio::time::Instant;

type Answer = (u16, Option<&'static str>, &'static str);

const BUSY: Answer = (
    503,
    None,
    r#"{"responseCode":"5037300","responseMessage":"busy"}"#,
);
const TOKEN: Answer = (
    200,
    None,
    r#"{"responseCode":"2007300","responseMessage":"Successful","accessToken":"t-1","tokenType":"Bearer","expiresIn":"900"}"#,
);

/// A client whose transport plays `answers` in order (the last one forever) and records when each
/// request was sent.
fn client(
    answers: Vec<Answer>,
) -> (
    OvoClient<impl ovo_http::Transport>,
    Arc<Mutex<Vec<Instant>>>,
) {
    client_at(answers, Arc::new(ovo_http::SystemClock))
}

/// The wall clock stopped at one instant, for `Retry-After` dates.
struct Stopped(time::OffsetDateTime);

impl ovo_http::Clock for Stopped {
    fn now(&self) -> time::OffsetDateTime {
        self.0
    }
}

/// [`client`] with `clock` as its wall clock.
fn client_at(
    answers: Vec<Answer>,
    clock: Arc<dyn ovo_http::Clock>,
) -> (
    OvoClient<impl ovo_http::Transport>,
    Arc<Mutex<Vec<Instant>>>,
) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&sent);
    let transport = move |_request: http::Request<Bytes>, _deadline: Duration| {
        let record = Arc::clone(&record);
        let answers = answers.clone();
        async move {
            let n = {
                let mut sent = record.lock().unwrap();
                sent.push(Instant::now());
                sent.len()
            };
            let (status, retry_after, body) = answers[(n - 1).min(answers.len() - 1)];
            let mut response = http::Response::builder().status(status);
            if let Some(seconds) = retry_after {
                response = response.header("retry-after", seconds);
            }
            Ok::<_, TransportError>(response.body(Bytes::from_static(body.as_bytes())).unwrap())
        }
    };
    let key = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ovo-sign/tests/vectors/keys/rsa2048-pkcs8.pem");
    let credentials = SnapCredentials {
        private_key: PrivateKey::from_pem(&std::fs::read(key).unwrap()).unwrap(),
        client_secret: ClientSecret::new("secret").unwrap(),
    };
    let mut options = ClientOptions::default();
    options.retry.max_retries = 4;
    options.retry.backoff = Duration::from_millis(500);
    options.retry.backoff_max = Duration::from_secs(5);
    let config = SnapConfig::builder("http://ovo.test", "partner")
        .callback_url("http://merchant.test/ovo/callback")
        .build()
        .unwrap();
    let client = OvoClient::builder(config, credentials, transport)
        .options(options)
        .clock(clock)
        .build();
    (client, sent)
}

fn gaps(sent: &[Instant]) -> Vec<Duration> {
    sent.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn busy_answers_are_retried_with_capped_exponential_backoff_then_given_up() {
    for _ in 0..20 {
        let (client, sent) = client(vec![BUSY]);
        assert!(client.b2b_token().await.is_err());
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 5, "one call and max_retries = 4 retries");
        for (attempt, gap) in gaps(&sent).into_iter().enumerate() {
            // Full jitter over min(500 ms × 2^attempt, 5 s).
            let bound = Duration::from_millis(500 << attempt).min(Duration::from_secs(5));
            assert!(
                gap <= bound,
                "retry {attempt} waited {gap:?}, over {bound:?}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_a_floor() {
    let (client, sent) = client(vec![
        (
            429,
            Some("3"),
            r#"{"responseCode":"4297300","responseMessage":"slow down"}"#,
        ),
        TOKEN,
    ]);
    let token = client.b2b_token().await.unwrap();
    assert_eq!(token.token.expose(), "t-1");
    let gaps = gaps(&sent.lock().unwrap());
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0] >= Duration::from_secs(3) && gaps[0] < Duration::from_millis(3_100),
        "{gaps:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_cap_returns_the_answer_at_once() {
    let (client, sent) = client(vec![(503, Some("60"), BUSY.2), TOKEN]);
    let started = Instant::now();
    assert!(client.b2b_token().await.is_err());
    assert_eq!(sent.lock().unwrap().len(), 1, "no retry");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn an_http_date_retry_after_is_a_floor_from_the_clients_clock() {
    use time::macros::datetime;
    // The client's clock 3 s before the date, then 60 s after it (the backoff alone applies).
    for (now, at_least, below) in [
        (datetime!(2026-10-21 07:27:57 UTC), 3_000, 3_100),
        (datetime!(2026-10-21 07:29:00 UTC), 0, 501),
    ] {
        let (client, sent) = client_at(
            vec![(503, Some("Wed, 21 Oct 2026 07:28:00 GMT"), BUSY.2), TOKEN],
            Arc::new(Stopped(now)),
        );
        client.b2b_token().await.unwrap();
        let gaps = gaps(&sent.lock().unwrap());
        assert!(
            gaps[0] >= Duration::from_millis(at_least) && gaps[0] < Duration::from_millis(below),
            "at {now}: {gaps:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn doku_calls_follow_the_same_retry_after_rule() {
    use ovo_http::DokuClient;
    use ovo_model::doku::BalanceRequest;

    const BALANCE: &str = r#"{"customer":{"id":"c-1"},"ovo_account":{"ovo_cash_balance":100000,"ovo_point_balance":0}}"#;
    for (retry_after, attempts, at_least) in [
        (Some("3"), 2, Duration::from_secs(3)),
        (Some("60"), 1, Duration::ZERO),
    ] {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&sent);
        let transport = move |_request: http::Request<Bytes>, _deadline: Duration| {
            let record = Arc::clone(&record);
            async move {
                let n = {
                    let mut sent = record.lock().unwrap();
                    sent.push(Instant::now());
                    sent.len()
                };
                let response = if n == 1 {
                    let mut busy = http::Response::builder().status(503);
                    if let Some(seconds) = retry_after {
                        busy = busy.header("retry-after", seconds);
                    }
                    busy.body(Bytes::new())
                } else {
                    http::Response::builder()
                        .status(201)
                        .body(Bytes::from_static(BALANCE.as_bytes()))
                };
                Ok::<_, TransportError>(response.unwrap())
            }
        };
        let client = DokuClient::new(
            ovo_flows::DokuConfig::new("http://doku.test", "BRN-0201-1").unwrap(),
            ClientSecret::new("SK-1").unwrap(),
            transport,
        );
        let request: BalanceRequest = serde_json::from_str(
            r#"{"customer":{"id":"c-1"},"ovo_account":{"token_id":"fc72c4b0aedff916ab92e39cb80d3111"}}"#,
        )
        .unwrap();
        let balance = client.balance(&request).await;
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), attempts, "Retry-After {retry_after:?}");
        if attempts == 2 {
            assert!(balance.is_ok(), "{balance:?}");
            let gap = sent[1] - sent[0];
            assert!(
                gap >= at_least && gap < at_least + Duration::from_millis(100),
                "{gap:?}"
            );
        } else {
            assert!(balance.is_err(), "the 503 is returned at once");
        }
    }
}
