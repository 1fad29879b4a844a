//! A client whose clock is off: within the sandbox's ±300 s `X-TIMESTAMP` window every call
//! works; beyond it the first call is refused with a typed 401 and nothing is retried. (The
//! signed call is a phone lookup, B2B-authorized: the status now takes the customer's token.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ovo_e2e::{E2e, TestClock};
use ovo_http::{ClientError, ClientOptions};

#[tokio::test]
async fn clock_skew_inside_the_window_works_and_outside_is_refused_once() {
    let e2e = E2e::start().await;
    for skew in [-600i64, -290, 0, 290, 600] {
        let sent = Arc::new(AtomicUsize::new(0));
        let transport = e2e.counting_transport(Arc::clone(&sent));
        let clock = Arc::new(TestClock::skewed(skew));
        let client = e2e.client_with_clock(transport, ClientOptions::default(), clock);
        let status = client.lookup("6281999999998").await;
        if skew.abs() < 300 {
            // The token, then the lookup: no OVO account with this phone.
            let status = status.unwrap_or_else(|e| panic!("skew {skew}: {e:?}"));
            assert_eq!(status.status.as_str(), "CAN_REGISTER");
            assert_eq!(sent.load(Ordering::SeqCst), 2, "skew {skew}");
        } else {
            let Err(ClientError::B2bToken(refused)) = &status else {
                panic!("skew {skew}: {status:?}")
            };
            assert!(
                matches!(&**refused, ClientError::Refused { code, .. } if code.http_status() == 401),
                "skew {skew}: {refused:?}"
            );
            assert_eq!(sent.load(Ordering::SeqCst), 1, "skew {skew}: no retry");
        }
    }
}
