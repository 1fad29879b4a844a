//! SNAP `responseCode`: 7 digits, HTTP status (3) + service code (2) + case code (2) \[P\].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A SNAP response code such as `2005400` (payment successful) or `4010700` (binding: signature
/// failed). Any 7 digits parse; unknown codes keep their digits and print back unchanged.
///
/// ```
/// use ovo_model::{Case, ResponseCode, ServiceCode};
///
/// let code: ResponseCode = "4091100".parse()?;
/// assert_eq!(code.http_status(), 409);
/// assert_eq!(code.service(), ServiceCode::BALANCE_INQUIRY);
/// assert_eq!(code.case(), Case::DuplicateExternalId);
/// assert!(code.is_duplicate_external_id());
/// assert_eq!(code.to_string(), "4091100");
/// assert_eq!(ResponseCode::new(202, ServiceCode::DIRECT_DEBIT_PAYMENT, 0).to_string(), "2025400");
/// # Ok::<(), ovo_model::ResponseCodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseCode {
    http_status: u16,
    service: ServiceCode,
    case_code: u8,
}

/// Why a text is not a SNAP response code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a SNAP responseCode is exactly 7 ASCII digits, not {0:?}")]
pub struct ResponseCodeError(pub String);

impl ResponseCode {
    /// Builds a code; `http_status` is taken modulo 1000 and `case_code` modulo 100 so the result
    /// always prints as 7 digits.
    pub fn new(http_status: u16, service: ServiceCode, case_code: u8) -> Self {
        Self {
            http_status: http_status % 1000,
            service,
            case_code: case_code % 100,
        }
    }

    /// The HTTP status part (first three digits).
    pub fn http_status(self) -> u16 {
        self.http_status
    }

    /// The service code (digits 4 and 5).
    pub fn service(self) -> ServiceCode {
        self.service
    }

    /// The case code (digits 6 and 7).
    pub fn case_code(self) -> u8 {
        self.case_code
    }

    /// The meaning of the (status, case) pair, from the SNAP case table.
    pub fn case(self) -> Case {
        Case::of(self.http_status, self.case_code)
    }

    /// `2xx` with case `00`: the operation succeeded (for 202, was accepted).
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.http_status) && self.case_code == 0
    }

    /// `202xx00`: request in progress. For OVO's first debit call this is the expected answer;
    /// for any money-moving call it means "not final": resolve it by status inquiry.
    pub fn is_in_progress(self) -> bool {
        self.case() == Case::InProgress
    }

    /// `401xx01` or `401xx03`: the B2B token is invalid or unknown; mint a new one and retry once.
    pub fn is_invalid_b2b_token(self) -> bool {
        matches!(self.case(), Case::InvalidToken | Case::TokenNotFound)
    }

    /// `401xx02` or `401xx04`: the customer (B2B2C) token is invalid or unknown; refresh it.
    pub fn is_invalid_customer_token(self) -> bool {
        matches!(
            self.case(),
            Case::InvalidCustomerToken | Case::CustomerTokenNotFound
        )
    }

    /// `401xx00`: unauthorized, typically "Signature Failed". Not retryable as is.
    pub fn is_unauthorized(self) -> bool {
        self.case() == Case::Unauthorized
    }

    /// `409xx00`: the X-EXTERNAL-ID was already used today.
    pub fn is_duplicate_external_id(self) -> bool {
        self.case() == Case::DuplicateExternalId
    }

    /// `409xx01`: the partnerReferenceNo was already used.
    pub fn is_duplicate_partner_reference(self) -> bool {
        self.case() == Case::DuplicatePartnerReferenceNo
    }

    /// `504xx00`: the provider timed out; the outcome is unknown.
    pub fn is_timeout(self) -> bool {
        self.case() == Case::Timeout
    }

    /// A server-side failure (5xx) or in-progress answer after which the outcome of a
    /// money-moving call is unknown and must be resolved by status inquiry, never by a blind
    /// re-send.
    pub fn is_outcome_unknown(self) -> bool {
        self.http_status >= 500 || self.is_in_progress()
    }

    /// A failure that a safe (non-money-moving) call may retry with backoff: `500xx01` internal
    /// server error, `504xx00` timeout, and `429xx00` too many requests \[I\].
    pub fn is_retryable(self) -> bool {
        matches!(
            self.case(),
            Case::InternalServerError | Case::Timeout | Case::TooManyRequests
        )
    }
}

impl FromStr for ResponseCode {
    type Err = ResponseCodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = text.as_bytes();
        if bytes.len() != 7 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(ResponseCodeError(text.to_owned()));
        }
        let number = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u16, |n, digit| n * 10 + u16::from(digit - b'0'))
        };
        Ok(Self {
            http_status: number(0..3),
            service: ServiceCode(number(3..5) as u8),
            case_code: number(5..7) as u8,
        })
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:03}{:02}{:02}",
            self.http_status, self.service.0, self.case_code
        )
    }
}

impl Serialize for ResponseCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ResponseCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A SNAP service code: which API a response code belongs to. Unknown codes are kept.
///
/// ```
/// use ovo_model::ServiceCode;
///
/// assert_eq!(ServiceCode::ACCESS_TOKEN_B2B.name(), Some("Access Token B2B"));
/// assert_eq!(ServiceCode(99).name(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceCode(pub u8);

macro_rules! service_codes {
    ($( $(#[$meta:meta])* $name:ident = $code:literal, $text:literal; )+) => {
        impl ServiceCode {
            $( $(#[$meta])* pub const $name: Self = Self($code); )+

            /// The API's name, for a known code.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $code => Some($text), )+
                    _ => None,
                }
            }
        }
    };
}

service_codes! {
    /// 06 Account Creation.
    ACCOUNT_CREATION = 6, "Account Creation";
    /// 07 Account Binding (`registration-account-binding`).
    ACCOUNT_BINDING = 7, "Account Binding";
    /// 08 Account Binding Inquiry.
    ACCOUNT_BINDING_INQUIRY = 8, "Account Binding Inquiry";
    /// 09 Account Unbinding.
    ACCOUNT_UNBINDING = 9, "Account Unbinding";
    /// 10 Get OAuth URL.
    GET_OAUTH_URL = 10, "Get OAuth URL";
    /// 11 Balance Inquiry.
    BALANCE_INQUIRY = 11, "Balance Inquiry";
    /// 12 Transaction History List.
    TRANSACTION_HISTORY_LIST = 12, "Transaction History List";
    /// 13 Transaction History Detail.
    TRANSACTION_HISTORY_DETAIL = 13, "Transaction History Detail";
    /// 54 Direct Debit Payment (`debit/payment-host-to-host`).
    DIRECT_DEBIT_PAYMENT = 54, "Direct Debit Payment";
    /// 55 Direct Debit Payment Status (`debit/status`).
    DIRECT_DEBIT_STATUS = 55, "Direct Debit Payment Status";
    /// 56 Direct Debit Notify.
    DIRECT_DEBIT_NOTIFY = 56, "Direct Debit Notify";
    /// 57 Direct Debit Cancel.
    DIRECT_DEBIT_CANCEL = 57, "Direct Debit Cancel";
    /// 58 Direct Debit Refund (`debit/refund`).
    DIRECT_DEBIT_REFUND = 58, "Direct Debit Refund";
    /// 73 Access Token B2B.
    ACCESS_TOKEN_B2B = 73, "Access Token B2B";
    /// 74 Access Token B2B2C.
    ACCESS_TOKEN_B2B2C = 74, "Access Token B2B2C";
}

macro_rules! cases {
    ($( $(#[$meta:meta])* $variant:ident = ($status:literal, $case:literal, $message:literal); )+) => {
        /// The meaning of a (HTTP status, case code) pair in SNAP's case table, for any service.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Case {
            $( $(#[$meta])* $variant, )+
            /// A pair not in the table; the digits stay in the [`ResponseCode`].
            Unknown,
        }

        impl Case {
            /// Looks up a (status, case) pair.
            pub fn of(http_status: u16, case_code: u8) -> Self {
                match (http_status, case_code) {
                    $( ($status, $case) => Self::$variant, )+
                    _ => Self::Unknown,
                }
            }

            /// The standard `responseMessage` for this case (before any `{field}` detail).
            pub fn message(self) -> &'static str {
                match self {
                    $( Self::$variant => $message, )+
                    Self::Unknown => "Unknown",
                }
            }

            /// The HTTP status and case code of this case, if it is in the table.
            pub fn code(self) -> Option<(u16, u8)> {
                match self {
                    $( Self::$variant => Some(($status, $case)), )+
                    Self::Unknown => None,
                }
            }

            /// Every case of the table.
            pub const ALL: &'static [Case] = &[$( Self::$variant, )+];
        }
    };
}

cases! {
    /// 200xx00 Successful.
    Successful = (200, 0, "Successful");
    /// 202xx00 Request In Progress (OVO's first debit call; "Transaction still on process").
    InProgress = (202, 0, "Request In Progress");
    /// 400xx00 Bad Request.
    BadRequest = (400, 0, "Bad Request");
    /// 400xx01 Invalid Field Format {field}.
    InvalidFieldFormat = (400, 1, "Invalid Field Format");
    /// 400xx02 Invalid Mandatory Field {field}.
    InvalidMandatoryField = (400, 2, "Invalid Mandatory Field");
    /// 401xx00 Unauthorized (signature failure, unknown client...).
    Unauthorized = (401, 0, "Unauthorized");
    /// 401xx01 Invalid Token (B2B).
    InvalidToken = (401, 1, "Invalid Token (B2B)");
    /// 401xx02 Invalid Customer Token.
    InvalidCustomerToken = (401, 2, "Invalid Customer Token");
    /// 401xx03 Token Not Found (B2B).
    TokenNotFound = (401, 3, "Token Not Found (B2B)");
    /// 401xx04 Customer Token Not Found.
    CustomerTokenNotFound = (401, 4, "Customer Token Not Found");
    /// 403xx00 Transaction Expired.
    TransactionExpired = (403, 0, "Transaction Expired");
    /// 403xx01 Feature Not Allowed.
    FeatureNotAllowed = (403, 1, "Feature Not Allowed");
    /// 403xx02 Exceeds Transaction Amount Limit.
    ExceedsTransactionAmountLimit = (403, 2, "Exceeds Transaction Amount Limit");
    /// 403xx03 Suspected Fraud.
    SuspectedFraud = (403, 3, "Suspected Fraud");
    /// 403xx04 Activity Count Limit Exceeded.
    ActivityCountLimitExceeded = (403, 4, "Activity Count Limit Exceeded");
    /// 403xx05 Do Not Honor.
    DoNotHonor = (403, 5, "Do Not Honor");
    /// 403xx06 Feature Not Allowed At This Time.
    FeatureNotAllowedAtThisTime = (403, 6, "Feature Not Allowed At This Time");
    /// 403xx07 Card Blocked.
    CardBlocked = (403, 7, "Card Blocked");
    /// 403xx08 Card Expired.
    CardExpired = (403, 8, "Card Expired");
    /// 403xx09 Dormant Account.
    DormantAccount = (403, 9, "Dormant Account");
    /// 403xx10 Need To Set Token Limit.
    NeedToSetTokenLimit = (403, 10, "Need To Set Token Limit");
    /// 403xx11 OTP Blocked.
    OtpBlocked = (403, 11, "OTP Blocked");
    /// 403xx12 OTP Lifetime Expired.
    OtpLifetimeExpired = (403, 12, "OTP Lifetime Expired");
    /// 403xx13 OTP Incorrect \[I: ASPI row not fetched\].
    OtpIncorrect = (403, 13, "OTP Incorrect");
    /// 403xx14 Insufficient Funds.
    InsufficientFunds = (403, 14, "Insufficient Funds");
    /// 403xx15 Transaction Not Permitted.
    TransactionNotPermitted = (403, 15, "Transaction Not Permitted");
    /// 403xx18 Inactive Card/Account/Customer.
    InactiveAccount = (403, 18, "Inactive Card/Account/Customer");
    /// 403xx21 Set Limit Not Allowed.
    SetLimitNotAllowed = (403, 21, "Set Limit Not Allowed");
    /// 403xx23 Account Limit Exceed.
    AccountLimitExceed = (403, 23, "Account Limit Exceed");
    /// 404xx01 Transaction Not Found.
    TransactionNotFound = (404, 1, "Transaction Not Found");
    /// 404xx11 Invalid Card/Account/Customer.
    InvalidAccount = (404, 11, "Invalid Card/Account/Customer");
    /// 404xx13 Paid Bill (VA only).
    PaidBill = (404, 13, "Paid Bill");
    /// 404xx16 Partner Not Found.
    PartnerNotFound = (404, 16, "Partner Not Found");
    /// 404xx19 Invalid VA (VA only).
    InvalidVa = (404, 19, "Invalid Bill/Virtual Account");
    /// 409xx00 Conflict: the same X-EXTERNAL-ID on the same day.
    DuplicateExternalId = (409, 0, "Conflict");
    /// 409xx01 Duplicate partnerReferenceNo.
    DuplicatePartnerReferenceNo = (409, 1, "Duplicate partnerReferenceNo");
    /// 429xx00 Too Many Requests \[I: ASPI table, no source seen\].
    TooManyRequests = (429, 0, "Too Many Requests");
    /// 500xx00 General Error.
    GeneralError = (500, 0, "General Error");
    /// 500xx01 Internal Server Error.
    InternalServerError = (500, 1, "Internal Server Error");
    /// 500xx02 External Server Error.
    ExternalServerError = (500, 2, "External Server Error");
    /// 504xx00 Timeout.
    Timeout = (504, 0, "Timeout");
}
