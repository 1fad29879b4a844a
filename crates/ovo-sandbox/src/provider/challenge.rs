//! OTP and PIN checks with OVO's attempt limits \[S\]: 5 OTP requests or 5 wrong OTPs block for
//! 30 minutes; 3 wrong PINs block for an hour, 6 for good.

use std::time::Duration;

use time::OffsetDateTime;

use crate::provider::state::Account;

const OTP_LIMIT: u32 = 5;
const OTP_BLOCK: Duration = Duration::from_secs(30 * 60);
const PIN_BLOCK_AT: u32 = 3;
const PIN_BLOCK: Duration = Duration::from_secs(3600);
const PIN_FOREVER_AT: u32 = 6;

/// The result of one submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    WrongOtp { attempts_left: u32 },
    WrongPin { attempts_left: u32 },
    Blocked,
}

/// Whether the account is blocked now.
pub(crate) fn blocked(account: &Account, now: OffsetDateTime) -> bool {
    account.blocked_forever || account.blocked_until.is_some_and(|until| now < until)
}

/// Counts an OTP request (a page showing the OTP field); the sixth in a row blocks.
pub(crate) fn request_otp(account: &mut Account, now: OffsetDateTime) -> bool {
    if blocked(account, now) {
        return false;
    }
    account.otp_requests += 1;
    if account.otp_requests > OTP_LIMIT {
        account.blocked_until = Some(now + OTP_BLOCK);
        account.otp_requests = 0;
        return false;
    }
    true
}

/// Checks a submission. `otp` is `None` when the OTP step is already passed or not needed.
pub(crate) fn submit(
    account: &mut Account,
    now: OffsetDateTime,
    otp: Option<&str>,
    pin: &str,
) -> Outcome {
    if blocked(account, now) {
        return Outcome::Blocked;
    }
    if let Some(otp) = otp {
        if otp != account.otp() {
            account.otp_failures += 1;
            if account.otp_failures >= OTP_LIMIT {
                account.blocked_until = Some(now + OTP_BLOCK);
                account.otp_failures = 0;
                return Outcome::Blocked;
            }
            return Outcome::WrongOtp {
                attempts_left: OTP_LIMIT - account.otp_failures,
            };
        }
        account.otp_failures = 0;
        account.otp_requests = 0;
    }
    if pin != account.pin {
        account.pin_failures += 1;
        if account.pin_failures >= PIN_FOREVER_AT {
            account.blocked_forever = true;
            return Outcome::Blocked;
        }
        if account.pin_failures.is_multiple_of(PIN_BLOCK_AT) {
            account.blocked_until = Some(now + PIN_BLOCK);
            return Outcome::Blocked;
        }
        return Outcome::WrongPin {
            attempts_left: PIN_BLOCK_AT - account.pin_failures % PIN_BLOCK_AT,
        };
    }
    account.pin_failures = 0;
    Outcome::Passed
}
