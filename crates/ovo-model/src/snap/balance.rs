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
    /// `partnerReferenceNo`: the partner's id of this inquiry, optional \[P\]; ≤ 32 characters
    /// \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// The customer's account number, where used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_no: Option<String>,
    /// Which balances to return; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_types: Option<Vec<BalanceType>>,
    /// `additionalInfo`, sent as given; the seeds name no key for this request \[I\].
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
        /// `CASH`: OVO Cash, the customer's spendable money \[S: the balance kind\]\[I: the wire
        /// name\].
        Cash = "CASH",
        /// `POINTS`: OVO Points, which can also pay \[S: the balance kind\]\[I: the wire name\].
        Points = "POINTS",
    }
}

/// The balance answer (`2001100`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceInquiryResponse {
    /// `responseCode`: `2001100` (HTTP 200, service 11, case 00) on success \[P\].
    pub response_code: ResponseCode,
    /// `responseMessage`; ≤ 150 characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// `referenceNo`: OVO's id of this inquiry, when it sends one \[P\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// The partner's reference, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_reference_no: Option<String>,
    /// `accountNo`: the customer's account number, when OVO sends one \[P\]; not validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_no: Option<String>,
    /// The account holder's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One entry per balance (cash, points).
    #[serde(default)]
    pub account_infos: Vec<AccountInfo>,
    /// `additionalInfo`, as received; the seeds name no key for this answer \[I\].
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
    /// `balanceType`: which balance this entry is, with `amount` the value OVO says to go by \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_type: Option<BalanceType>,
    /// `amount`: this balance; OVO names `balanceType` and `amount` as the values to check
    /// before a debit \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<SnapMoney>,
    /// `floatAmount`: an ASPI amount whose meaning for OVO is not documented \[P\]; kept as
    /// received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_amount: Option<SnapMoney>,
    /// `holdAmount`: money held and not spendable, per ASPI's field name \[P\]\[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_amount: Option<SnapMoney>,
    /// What can be spent now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_balance: Option<SnapMoney>,
    /// `ledgerBalance`: the booked balance, holds included, per ASPI's field name \[P\]\[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_balance: Option<SnapMoney>,
    /// `status`: ASPI's account status text \[P\]; OVO's values are not documented, so it is kept
    /// as a string \[I\].
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
