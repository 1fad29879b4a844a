use serde::{Deserialize, Serialize};

use crate::error::{FieldError, FieldErrorKind};
use crate::validate::{FieldPath, check};

/// The merchant's customer, as every DOKU OVO message carries it. Which fields are mandatory and
/// how long they may be differs per endpoint in the seed \[S\]; each message checks its own rules.
///
/// ```
/// let customer: ovo_model::doku::Customer = serde_json::from_str(r#"{"id":"CUST_UAT_31"}"#).unwrap();
/// assert_eq!(serde_json::to_string(&customer).unwrap(), r#"{"id":"CUST_UAT_31"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Customer {
    /// The merchant's customer id.
    pub id: String,
    /// `customer.name`: the customer's name; ≤ 70 characters, or ≤ 50 and mandatory on
    /// `token-delete` \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `customer.email`: the customer's email, ≤ 255 characters \[S\]; optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `customer.phone`: the customer's phone as the merchant knows it, ≤ 20 characters \[S\];
    /// optional. The OVO number itself goes in `ovo_account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `customer.additional_info`: free text, ≤ 20 characters, ≤ 255 on `payment-recurring` \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
}

/// One endpoint's rules for `customer` \[S\].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerRules {
    pub(crate) id_max: usize,
    pub(crate) name_max: usize,
    pub(crate) name_required: bool,
    pub(crate) additional_info_max: usize,
}

impl CustomerRules {
    /// Binding: id 50, name 70, email 255, phone 20, additional_info 20.
    pub(crate) const BINDING: Self = Self {
        id_max: 50,
        name_max: 70,
        name_required: false,
        additional_info_max: 20,
    };
    /// Token list: id 50.
    pub(crate) const TOKEN_LIST: Self = Self::BINDING;
    /// Balance: `customer.id` ≤ 64, the rest as for binding \[S\].
    pub(crate) const BALANCE: Self = Self {
        id_max: 64,
        ..Self::BINDING
    };
    /// Payment: `customer.additional_info` ≤ 255, the rest as for binding \[S\].
    pub(crate) const PAYMENT: Self = Self {
        additional_info_max: 255,
        ..Self::BINDING
    };
    /// Unbinding: name mandatory, 50.
    pub(crate) const UNBIND: Self = Self {
        name_max: 50,
        name_required: true,
        ..Self::BINDING
    };
}

impl Customer {
    /// A customer with only an id.
    pub fn with_id(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    pub(crate) fn check(&self, at: &FieldPath, rules: CustomerRules) -> Result<(), FieldError> {
        check::required(&at.field("id"), &self.id, rules.id_max)?;
        match (&self.name, rules.name_required) {
            (None, true) => return Err(at.field("name").error(FieldErrorKind::Missing)),
            (Some(name), true) => check::required(&at.field("name"), name, rules.name_max)?,
            (name, false) => check::optional(&at.field("name"), name.as_deref(), rules.name_max)?,
        }
        check::optional(&at.field("email"), self.email.as_deref(), 255)?;
        check::optional(&at.field("phone"), self.phone.as_deref(), 20)?;
        check::optional(
            &at.field("additional_info"),
            self.additional_info.as_deref(),
            rules.additional_info_max,
        )
    }
}
