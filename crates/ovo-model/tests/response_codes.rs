//! `ResponseCode`: every 7-digit string round-trips; every row of the SNAP case table
//! (`../shared/reference/snap-protocol.md` §3), typed in here independently of the crate's own
//! table, maps to its named case; the classifiers agree with the table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failing test should fail loudly

use std::fmt::Write as _;

use ovo_model::{Case, ResponseCode, ServiceCode};

#[test]
fn every_seven_digit_string_round_trips() {
    let mut text = String::with_capacity(7);
    for n in 0..10_000_000u32 {
        text.clear();
        write!(text, "{n:07}").unwrap();
        let code: ResponseCode = text.parse().unwrap();
        assert_eq!(code.to_string(), text);
        assert_eq!(u32::from(code.http_status()), n / 10_000);
        assert_eq!(u32::from(code.service().0), n / 100 % 100);
        assert_eq!(u32::from(code.case_code()), n % 100);
    }
}

#[test]
fn anything_but_seven_ascii_digits_is_refused() {
    for bad in [
        "",
        "200540",
        "20054000",
        "2OO54OO",
        " 200540",
        "2005400 ",
        "+200540",
        "２００５４００",
        "200-400",
    ] {
        assert!(bad.parse::<ResponseCode>().is_err(), "{bad:?} parsed");
    }
}

/// (status, case, expected case, words of the standard message), from the reference's table.
const TABLE: &[(u16, u8, Case, &str)] = &[
    (200, 0, Case::Successful, "Successful"),
    (202, 0, Case::InProgress, "In Progress"),
    (400, 0, Case::BadRequest, "Bad Request"),
    (400, 1, Case::InvalidFieldFormat, "Invalid Field Format"),
    (
        400,
        2,
        Case::InvalidMandatoryField,
        "Invalid Mandatory Field",
    ),
    (401, 0, Case::Unauthorized, "Unauthorized"),
    (401, 1, Case::InvalidToken, "Invalid Token"),
    (401, 2, Case::InvalidCustomerToken, "Invalid Customer Token"),
    (401, 3, Case::TokenNotFound, "Token Not Found"),
    (
        401,
        4,
        Case::CustomerTokenNotFound,
        "Customer Token Not Found",
    ),
    (403, 0, Case::TransactionExpired, "Transaction Expired"),
    (403, 1, Case::FeatureNotAllowed, "Feature Not Allowed"),
    (
        403,
        2,
        Case::ExceedsTransactionAmountLimit,
        "Exceeds Transaction Amount Limit",
    ),
    (403, 3, Case::SuspectedFraud, "Suspected Fraud"),
    (
        403,
        4,
        Case::ActivityCountLimitExceeded,
        "Activity Count Limit Exceeded",
    ),
    (403, 5, Case::DoNotHonor, "Do Not Honor"),
    (
        403,
        6,
        Case::FeatureNotAllowedAtThisTime,
        "Feature Not Allowed At This Time",
    ),
    (403, 7, Case::CardBlocked, "Card Blocked"),
    (403, 8, Case::CardExpired, "Card Expired"),
    (403, 9, Case::DormantAccount, "Dormant Account"),
    (
        403,
        10,
        Case::NeedToSetTokenLimit,
        "Need To Set Token Limit",
    ),
    (403, 11, Case::OtpBlocked, "OTP Blocked"),
    (403, 12, Case::OtpLifetimeExpired, "OTP Lifetime Expired"),
    (403, 13, Case::OtpIncorrect, "OTP Incorrect"),
    (403, 14, Case::InsufficientFunds, "Insufficient Funds"),
    (
        403,
        15,
        Case::TransactionNotPermitted,
        "Transaction Not Permitted",
    ),
    (
        403,
        18,
        Case::InactiveAccount,
        "Inactive Card/Account/Customer",
    ),
    (403, 21, Case::SetLimitNotAllowed, "Set Limit Not Allowed"),
    (403, 23, Case::AccountLimitExceed, "Account Limit Exceed"),
    (404, 1, Case::TransactionNotFound, "Transaction Not Found"),
    (
        404,
        11,
        Case::InvalidAccount,
        "Invalid Card/Account/Customer",
    ),
    (404, 13, Case::PaidBill, "Paid Bill"),
    (404, 16, Case::PartnerNotFound, "Partner Not Found"),
    (404, 19, Case::InvalidVa, "Invalid"),
    (409, 0, Case::DuplicateExternalId, "Conflict"),
    (
        409,
        1,
        Case::DuplicatePartnerReferenceNo,
        "Duplicate partnerReferenceNo",
    ),
    (429, 0, Case::TooManyRequests, "Too Many Requests"),
    (500, 0, Case::GeneralError, "General Error"),
    (500, 1, Case::InternalServerError, "Internal Server Error"),
    (500, 2, Case::ExternalServerError, "External Server Error"),
    (504, 0, Case::Timeout, "Timeout"),
];

#[test]
fn every_row_of_the_case_table_maps_to_its_case_for_every_service() {
    for &(status, case, expected, message) in TABLE {
        for service in [7, 9, 11, 54, 55, 58, 73, 74, 99] {
            let text = format!("{status:03}{service:02}{case:02}");
            let code: ResponseCode = text.parse().unwrap();
            assert_eq!(code.case(), expected, "{text}");
            assert!(
                expected.message().contains(message),
                "{text}: {:?}",
                expected.message()
            );
            assert_eq!(expected.code(), Some((status, case)));
        }
    }
}

#[test]
fn the_crate_has_no_case_the_reference_table_lacks() {
    for case in Case::ALL {
        assert!(
            TABLE.iter().any(|row| row.2 == *case),
            "{case:?} is not in the reference table"
        );
    }
    assert_eq!(Case::ALL.len(), TABLE.len());
}

#[test]
fn pairs_outside_the_table_are_unknown_but_keep_their_digits() {
    for text in ["4999999", "2010000", "4030016", "0000000", "9999999"] {
        let code: ResponseCode = text.parse().unwrap();
        assert_eq!(code.case(), Case::Unknown, "{text}");
        assert_eq!(code.to_string(), text);
    }
}

#[test]
fn service_codes_are_named() {
    let named = [
        (7, "Account Binding"),
        (9, "Account Unbinding"),
        (11, "Balance Inquiry"),
        (54, "Direct Debit Payment"),
        (55, "Direct Debit Payment Status"),
        (56, "Direct Debit Notify"),
        (58, "Direct Debit Refund"),
        (73, "Access Token B2B"),
        (74, "Access Token B2B2C"),
    ];
    for (code, name) in named {
        assert_eq!(ServiceCode(code).name(), Some(name));
    }
}

#[test]
fn classifiers_follow_the_table() {
    let code = |text: &str| text.parse::<ResponseCode>().unwrap();
    assert!(code("2007300").is_success() && code("2005400").is_success());
    assert!(code("2025400").is_success() && code("2025400").is_in_progress());
    assert!(code("2025400").is_outcome_unknown());
    assert!(!code("2005400").is_outcome_unknown());
    assert!(code("4015801").is_invalid_b2b_token() && code("4015803").is_invalid_b2b_token());
    assert!(
        code("4015402").is_invalid_customer_token() && code("4011104").is_invalid_customer_token()
    );
    assert!(!code("4015402").is_invalid_b2b_token());
    assert!(code("4010700").is_unauthorized());
    assert!(
        code("4091100").is_duplicate_external_id()
            && !code("4091100").is_duplicate_partner_reference()
    );
    assert!(code("4095401").is_duplicate_partner_reference());
    assert!(code("5045400").is_timeout() && code("5045400").is_outcome_unknown());
    assert!(
        code("5005401").is_retryable()
            && code("5045500").is_retryable()
            && code("4291100").is_retryable()
    );
    assert!(!code("5005400").is_retryable() && code("5005400").is_outcome_unknown());
    assert!(!code("4035414").is_retryable() && !code("4035414").is_success());
    assert!(
        !code("2015401").is_success(),
        "201 with case 01 is not a success"
    );
}

#[test]
fn serde_reads_and_writes_the_string_form() {
    let code: ResponseCode = serde_json::from_str("\"2005500\"").unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"2005500\"");
    assert!(
        serde_json::from_str::<ResponseCode>("2005500").is_err(),
        "a number is not the wire form"
    );
}
