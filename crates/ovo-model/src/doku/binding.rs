//! Customer binding: `POST /ovo-open-api/v1/token` \[S\].

use serde::{Deserialize, Serialize};

use super::URL_MAX;
use super::customer::{Customer, CustomerRules};
use crate::error::{FieldError, FieldErrorKind};
use crate::open_enum::open_enum;
use crate::validate::{FieldPath, Validate, check};

/// Binds a customer's OVO account; DOKU answers 201 with a registration page \[S\].
///
/// ```
/// use ovo_model::{Validate, doku::{BindingAccount, BindingRequest, Customer}};
///
/// let request = BindingRequest::recurring(
///     Customer::with_id("CUST_UAT_31"),
///     BindingAccount::new("6287123123021", "https://m.example/ok", "https://m.example/fail"),
/// );
/// assert!(request.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingRequest {
    /// The customer (id ≤ 50 mandatory; name ≤ 70, email ≤ 255, phone ≤ 20, additional_info ≤ 20).
    pub customer: Customer,
    /// The OVO account and the pages to return to.
    pub ovo_account: BindingAccount,
    /// `service_type`: always `RECURRING` for OVO Recurring \[S\]; any other value fails
    /// validation.
    pub service_type: String,
}

impl BindingRequest {
    /// A binding for OVO Recurring.
    pub fn recurring(customer: Customer, ovo_account: BindingAccount) -> Self {
        Self {
            customer,
            ovo_account,
            service_type: "RECURRING".to_owned(),
        }
    }
}

impl Validate for BindingRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        self.customer
            .check(&at.field("customer"), CustomerRules::BINDING)?;
        self.ovo_account.validate_at(&at.field("ovo_account"))?;
        let service = at.field("service_type");
        check::required(&service, &self.service_type, 255)?;
        if self.service_type != "RECURRING" {
            return Err(service.error(FieldErrorKind::InvalidValue {
                expected: "RECURRING",
            }));
        }
        Ok(())
    }
}

/// `ovo_account` of a binding request \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingAccount {
    /// Email of the OVO account (in the sample, not in the table) \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_email: Option<String>,
    /// The phone registered on OVO, ≤ 20.
    pub account_mobile_phone: String,
    /// Where the customer lands after a successful registration, ≤ 2048.
    pub success_registration_url: String,
    /// Where the customer lands after a failed registration, ≤ 2048.
    pub failed_registration_url: String,
}

impl BindingAccount {
    /// A binding account from its mandatory fields: the OVO phone and the success and failure
    /// pages; `account_email` is left out.
    pub fn new(
        phone: impl Into<String>,
        success_url: impl Into<String>,
        failed_url: impl Into<String>,
    ) -> Self {
        Self {
            account_email: None,
            account_mobile_phone: phone.into(),
            success_registration_url: success_url.into(),
            failed_registration_url: failed_url.into(),
        }
    }
}

impl Validate for BindingAccount {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::optional(
            &at.field("account_email"),
            self.account_email.as_deref(),
            255,
        )?;
        check::required(
            &at.field("account_mobile_phone"),
            &self.account_mobile_phone,
            20,
        )?;
        check::url(
            &at.field("success_registration_url"),
            &self.success_registration_url,
            URL_MAX,
        )?;
        check::url(
            &at.field("failed_registration_url"),
            &self.failed_registration_url,
            URL_MAX,
        )
    }
}

open_enum! {
    /// `ovo_account.status` of a binding answer: always `PENDING` when the request succeeded \[S\].
    RegistrationStatus {
        /// Waiting for the customer's OTP and PIN.
        Pending = "PENDING",
    }
}

/// DOKU's binding answer (HTTP 201) \[S\].
///
/// The seed's sample of this answer has a trailing comma after `"status": "PENDING"`, which is not
/// JSON; DOKU's real answers are assumed to be valid JSON \[I\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingResponse {
    /// `customer`, echoed from the request; `id` ≤ 50 is mandatory \[S\].
    pub customer: Customer,
    /// `ovo_account`: where to send the customer to finish binding, and the `PENDING` status \[S\].
    pub ovo_account: RegistrationAccount,
}

impl Validate for BindingResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check::required(&at.field("customer").field("id"), &self.customer.id, 50)?;
        check::url(
            &at.field("ovo_account").field("registration_url"),
            &self.ovo_account.registration_url,
            URL_MAX,
        )
    }
}

/// `ovo_account` of a binding answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationAccount {
    /// The phone registered on OVO. Mandatory in the seed's table, absent from its sample, so
    /// optional here \[S\]\[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_mobile_phone: Option<String>,
    /// The page where the customer enters OTP and PIN, ≤ 2048.
    pub registration_url: String,
    /// `status`: `PENDING` until the customer verifies OTP and PIN on `registration_url` \[S\].
    pub status: RegistrationStatus,
}
