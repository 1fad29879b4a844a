//! Balance inquiry (service 11): must precede every direct debit \[S\].

use serde::{Deserialize, Serialize};

use super::{AdditionalInfo, PARTNER_REFERENCE_MAX, check_message};
use crate::error::FieldError;
use crate::money::SnapMoney;
use crate::open_enum::open_enum;
use crate::response_code::ResponseCode;
use crate::validate::{FieldPath, Validate, check};

/// `POST /OVOSNAP/v2.0/balance-inquiry` body (symmetric signature, customer access token).
///
/// ```
/// let request: ovo_model::snap::BalanceInquiryRequest = ovo_model::from_json(br#"{"partnerReferenceNo":"BAL-1"}"#)?;
/// assert!(request.balance_types.is_none());
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceInquiryRequest {
    /// The partner's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The customer's account number, where used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_no: Option<String>,
    /// Which balances to return; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_types: Option<Vec<BalanceType>>,
    /// Optional extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for BalanceInquiryRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::optional(
            &at.field("partnerReferenceNo"),
            self.partner_reference_no.as_deref(),
            PARTNER_REFERENCE_MAX,
        )
    }
}

open_enum! {
    /// A balance kind. OVO has OVO Cash and OVO Points \[S\]; their wire names are not public, so
    /// these are the sandbox's \[I\] and any other value is kept.
    BalanceType {
        /// OVO Cash.
        Cash = "CASH",
        /// OVO Points.
        Points = "POINTS",
    }
}

/// The balance answer (`2001100`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceInquiryResponse {
    /// `2001100` on success.
    pub response_code: ResponseCode,
    /// Human-readable result.
    pub response_message: String,
    /// OVO's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The partner's reference, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_no: Option<String>,
    /// The account holder's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One entry per balance (cash, points).
    #[serde(default)]
    pub account_infos: Vec<AccountInfo>,
    /// Optional extra data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for BalanceInquiryResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)?;
        check::each(&at.field("accountInfos"), Some(&self.account_infos))
    }
}

/// One balance of a balance answer; every amount is optional in ASPI \[P\].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// Which balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_type: Option<BalanceType>,
    /// The balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapMoney>,
    /// Float amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_amount: Option<SnapMoney>,
    /// Held amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_amount: Option<SnapMoney>,
    /// What can be spent now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_balance: Option<SnapMoney>,
    /// Ledger balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_balance: Option<SnapMoney>,
    /// Account status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl Validate for AccountInfo {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        let amounts = [
            ("amount", &self.amount),
            ("floatAmount", &self.float_amount),
            ("holdAmount", &self.hold_amount),
            ("availableBalance", &self.available_balance),
            ("ledgerBalance", &self.ledger_balance),
        ];
        for (name, amount) in amounts {
            if let Some(amount) = amount {
                amount.validate_at(&at.field(name))?;
            }
        }
        Ok(())
    }
}
