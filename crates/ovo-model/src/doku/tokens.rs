//! Token list (`POST /tokenization/v1/tokens`) and unbinding (`POST /ovo-open-api/v1/token-delete`) \[S\].

use serde::{Deserialize, Serialize};

use super::check_token_id;
use super::customer::{Customer, CustomerRules};
use crate::error::FieldError;
use crate::open_enum::open_enum;
use crate::secret::Secret;
use crate::validate::{FieldPath, Validate, check};

open_enum! {
    /// `token_data.type` \[S\]. The response table also spells `CREDIT CARD` and `DIRECT DEBIT`
    /// with spaces; those are kept as `Other`.
    TokenType {
        /// `DIRECT_DEBIT`: a bank direct-debit token, listed by DOKU but not OVO \[S\].
        DirectDebit = "DIRECT_DEBIT",
        /// `CREDIT_CARD`: a card token, listed by DOKU but not OVO \[S\].
        CreditCard = "CREDIT_CARD",
        /// `WALLET`: a one-off e-wallet token \[S: the value\]\[I: the meaning\].
        Wallet = "WALLET",
        /// Recurring wallet: OVO Recurring.
        WalletRecurring = "WALLET_RECURRING",
    }
}

/// `token_data`: which kind of token is asked for or returned \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenData {
    /// The kind of token; all kinds when absent (requests only).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TokenType>,
}

/// Lists a bound customer's tokens; the OVO token lives one year \[S\].
///
/// ```
/// use ovo_model::{Validate, doku::{TokenListRequest, TokenType}};
///
/// let request = TokenListRequest::wallet_recurring("CUST_UAT_31");
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"customer":{"id":"CUST_UAT_31"},"token_data":{"type":"WALLET_RECURRING"}}"#
/// );
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenListRequest {
    /// The customer (id ≤ 50).
    pub customer: Customer,
    /// `token_data`: the kind of tokens to list; every kind when absent \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_data: Option<TokenData>,
}

impl TokenListRequest {
    /// The OVO Recurring tokens of `customer_id`.
    pub fn wallet_recurring(customer_id: impl Into<String>) -> Self {
        Self {
            customer: Customer::with_id(customer_id),
            token_data: Some(TokenData {
                kind: Some(TokenType::WalletRecurring),
            }),
        }
    }
}

impl Validate for TokenListRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.customer
            .check(&at.field("customer"), CustomerRules::TOKEN_LIST)
    }
}

/// The token list answer (HTTP 200) \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenListResponse {
    /// `customer`, echoed with its `name` when DOKU has one \[S\].
    pub customer: Customer,
    /// `token_data`: the kind of the returned token, `WALLET_RECURRING` for OVO Recurring \[S\].
    pub token_data: TokenData,
    /// The OVO wallet token.
    pub wallet: Wallet,
}

impl Validate for TokenListResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(&at.field("customer").field("id"), &self.customer.id, 50)?;
        self.wallet.validate_at(&at.field("wallet"))
    }
}

/// `wallet` of a token list answer \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// `issuer`: the wallet's issuer, `OVO` here; ≤ 255 characters \[S\].
    pub issuer: String,
    /// The token DOKU created, ≤ 128.
    pub token_id: Secret,
    /// The masked phone number (`****3021`), ≤ 8.
    pub masked_phone_number: String,
}

impl Validate for Wallet {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(&at.field("issuer"), &self.issuer, 255)?;
        check_token_id(&at.field("token_id"), &self.token_id)?;
        check::required(
            &at.field("masked_phone_number"),
            &self.masked_phone_number,
            8,
        )
    }
}

/// `ovo_account` holding a token id (balance and unbinding requests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRef {
    /// The OVO token, ≤ 128.
    pub token_id: Secret,
}

impl Validate for TokenRef {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_token_id(&at.field("token_id"), &self.token_id)
    }
}

/// Unlinks a customer's OVO account \[S\].
///
/// ```
/// use ovo_model::{Validate, doku::UnbindRequest};
///
/// let request: UnbindRequest = ovo_model::from_json(
///     br#"{"customer":{"id":"TEST-CIMBXDOKU-05","name":" "},"ovo_account":{"token_id":"1614dc147e404f41f6d2de877fda1f94"}}"#,
/// )?;
/// let nameless = UnbindRequest { customer: ovo_model::doku::Customer::with_id("C1"), ..request };
/// assert_eq!(nameless.validate().unwrap_err().path, "customer.name");
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbindRequest {
    /// The customer (id ≤ 50, name ≤ 50, both mandatory).
    pub customer: Customer,
    /// The token to delete.
    pub ovo_account: TokenRef,
}

impl Validate for UnbindRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.customer
            .check(&at.field("customer"), CustomerRules::UNBIND)?;
        self.ovo_account.validate_at(&at.field("ovo_account"))
    }
}

/// The unbinding answer (HTTP 201) \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbindResponse {
    /// `customer`, echoed from the request (`id` and `name`) \[S\].
    pub customer: Customer,
    /// `ovo_account`: the deleted token, `status` and `message` \[S\].
    pub ovo_account: UnbindResult,
}

impl Validate for UnbindResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        let account = at.field("ovo_account");
        check_token_id(&account.field("token_id"), &self.ovo_account.token_id)?;
        check::required(&account.field("status"), &self.ovo_account.status, 64)
    }
}

/// `ovo_account` of an unbinding answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbindResult {
    /// `token_id`: the token DOKU deleted; it no longer pays \[S\]. Drop your copy.
    pub token_id: Secret,
    /// `SUCCESS` in the sample; the table says "DELETED Token" \[S\].
    pub status: String,
    /// `Success Unbinding Ovo Account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
