//! Balance (`POST /ovo-open-api/v1/balance`) and recurring payment
//! (`POST /ovo-open-api/v1/payment-recurring`) \[S\].

use serde::{Deserialize, Serialize};

use super::customer::{Customer, CustomerRules};
use super::tokens::TokenRef;
use super::{check_invoice_number, check_token_id};
use crate::error::{FieldError, FieldErrorKind};
use crate::money::{DokuAmount, FlexBool};
use crate::open_enum::open_enum;
use crate::secret::Secret;
use crate::snap::AdditionalInfo;
use crate::validate::{FieldPath, Validate, check};

/// Reads a bound customer's OVO balances \[S\].
///
/// ```
/// let request: ovo_model::doku::BalanceRequest = ovo_model::from_json(
///     br#"{"customer":{"id":"1232131321"},"ovo_account":{"token_id":"fc72c4b0aedff916ab92e39cb80d3111"}}"#,
/// )?;
/// assert_eq!(request.customer.id, "1232131321");
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceRequest {
    /// The customer (id ≤ 64).
    pub customer: Customer,
    /// `ovo_account.token_id`: the customer's OVO token from the token list, ≤ 128 characters
    /// \[S\].
    pub ovo_account: TokenRef,
}

impl Validate for BalanceRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.customer
            .check(&at.field("customer"), CustomerRules::BALANCE)?;
        self.ovo_account.validate_at(&at.field("ovo_account"))
    }
}

/// The balance answer (HTTP 201) \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceResponse {
    /// `customer`, echoed with the `name`, `email` and `phone` DOKU holds \[S\].
    pub customer: Customer,
    /// `ovo_account`: the customer's OVO Cash and OVO Points balances \[S\].
    pub ovo_account: Balances,
}

impl Validate for BalanceResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        let account = at.field("ovo_account");
        self.ovo_account
            .ovo_cash_balance
            .validate_at(&account.field("ovo_cash_balance"))?;
        self.ovo_account
            .ovo_point_balance
            .validate_at(&account.field("ovo_point_balance"))
    }
}

/// `ovo_account` of a balance answer: numbers of at most 10 digits \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    /// `ovo_cash_balance`: the OVO Cash balance, a number of up to 10 digits \[S\], in rupiah \[I\].
    pub ovo_cash_balance: DokuAmount,
    /// `ovo_point_balance`: the OVO Points balance, a number like `ovo_cash_balance` \[S\]; points
    /// pay only when OVO runs a points programme \[S\].
    pub ovo_point_balance: DokuAmount,
}

/// Pays with the customer's OVO token; with `payment_use_ovo_point`, points are spent first \[S\].
///
/// ```
/// use ovo_model::{DokuAmount, FieldErrorKind, Validate, doku::PaymentRequest};
///
/// let mut request: PaymentRequest = ovo_model::from_json(br#"{
///     "customer": {"id": "CUST_UAT_31"},
///     "order": {"invoice_number": "INVR_2021_7105", "amount": 100000},
///     "ovo_account": {"token_id": "c15d437b56b918abaa3951b0beb48a57"}}"#)?;
/// request.order.invoice_number = "INV 1".into();
/// let error = request.validate().unwrap_err();
/// assert_eq!(error.path, "order.invoice_number");
/// assert!(matches!(error.kind, FieldErrorKind::Pattern { .. }));
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The customer (id ≤ 50; additional_info ≤ 255 here).
    pub customer: Customer,
    /// `additional_info`: an optional JSON object, sent as given \[S\]; DOKU echoes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
    /// `order`: the invoice number, unique per client id, and the amount \[S\].
    pub order: Order,
    /// The OVO token and how to pay.
    pub ovo_account: PaymentAccount,
}

impl Validate for PaymentRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.customer
            .check(&at.field("customer"), CustomerRules::PAYMENT)?;
        self.order.validate_at(&at.field("order"))?;
        if self.order.amount.0 == 0 {
            return Err(at
                .field("order")
                .field("amount")
                .error(FieldErrorKind::InvalidValue {
                    expected: "an amount greater than 0",
                }));
        }
        check_token_id(
            &at.field("ovo_account").field("token_id"),
            &self.ovo_account.token_id,
        )
    }
}

/// `order` \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// 3 to 32 characters of `[A-Za-z0-9_-]`, unique per client id.
    pub invoice_number: String,
    /// What is bought (optional, helps DOKU's risk engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<LineItem>>,
    /// The total, whole rupiah (≤ 10 digits).
    pub amount: DokuAmount,
}

impl Validate for Order {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_invoice_number(&at.field("invoice_number"), &self.invoice_number)?;
        check::each(&at.field("line_items"), self.line_items.as_deref())?;
        self.amount.validate_at(&at.field("amount"))
    }
}

/// One line of `order.line_items` \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// `name`: the item's name; optional, for privacy, but it helps DOKU's risk engine \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `price`: the item's price, in rupiah \[I\]; optional, and helps DOKU's risk engine \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<DokuAmount>,
    /// Quantity (mandatory in the table).
    pub quantity: u64,
}

impl Validate for LineItem {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        if self.quantity == 0 {
            return Err(at.field("quantity").error(FieldErrorKind::InvalidValue {
                expected: "a quantity of at least 1",
            }));
        }
        self.price
            .map_or(Ok(()), |price| price.validate_at(&at.field("price")))
    }
}

/// `ovo_account` of a payment request \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAccount {
    /// The OVO token, ≤ 128.
    pub token_id: Secret,
    /// Spend OVO Points first. Typed "string (5)" in the table, sent as a boolean in the sample:
    /// both are read; the documented string is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_use_ovo_point: Option<FlexBool>,
    /// The first payment of a subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_payment: Option<bool>,
}

open_enum! {
    /// `payment.status` of a payment answer: the payment's outcome \[S\]; unknown values are kept.
    PaymentStatus {
        /// Waiting for the customer's OTP or PIN.
        Pending = "PENDING",
        /// `SUCCESS`: paid, no OTP needed \[S\].
        Success = "SUCCESS",
        /// The token expired: the customer enters the PIN twice, and the payment can still
        /// proceed \[S\].
        TokenExpired = "TOKEN_EXPIRED",
    }
}

/// The payment answer (HTTP 201) \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResponse {
    /// `customer`, echoed from the request \[S\].
    pub customer: Customer,
    /// Free-form extra data, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
    /// The order, echoed (the amount as a number).
    pub order: Order,
    /// `payment`: the outcome, `status` `SUCCESS`, `PENDING` or `TOKEN_EXPIRED` \[S\].
    pub payment: PaymentResult,
}

impl Validate for PaymentResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.order.validate_at(&at.field("order"))
    }
}

/// `payment` of a payment answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResult {
    /// `PENDING`, `SUCCESS` or `TOKEN_EXPIRED`.
    pub status: PaymentStatus,
    /// With `PENDING`: OVO's page where the customer confirms the payment with the PIN \[S\]
    /// \[I: name\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
}
