//! The one catalogue of endpoints both APIs serve: paths, methods, versions, service codes and
//! header names. The client builds its requests from it and the sandbox routes by it, so the two
//! can never disagree on a path.
//!
//! Source tags: \[S\] stated by the provider's documents, \[P\] from the SNAP protocol notes,
//! \[I\] inferred.
//!
//! ```
//! use ovo_model::endpoint::{DokuEndpoint, OvoEndpoint};
//!
//! assert_eq!(OvoEndpoint::Debit.path("v2.0"), "/OVOSNAP/v2.0/debit/payment-host-to-host");
//! assert_eq!(OvoEndpoint::Lookup.path("v2.0"), "/user/v2/account/lookup");
//! assert_eq!(OvoEndpoint::from_snap_name("debit/status"), Some(OvoEndpoint::Status));
//! assert_eq!(DokuEndpoint::Payment.path(), "/ovo-open-api/v1/payment-recurring");
//! ```

use crate::response_code::ServiceCode;

/// An OVO endpoint: the SNAP ones under `/OVOSNAP/{version}/`, and OVO's own (lookup, Generate
/// Token), which have fixed paths.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OvoEndpoint {
    /// `POST access-token/b2b` \[S\].
    B2bToken,
    /// `POST access-token/b2b2c` \[S\].
    B2b2cToken,
    /// `POST oauth/account/registration-account-binding` \[S\].
    Binding,
    /// `POST oauth/account/registration-account-unbinding` \[S\].
    Unbinding,
    /// `POST balance-inquiry` \[S\].
    Balance,
    /// `POST debit/payment-host-to-host` \[S\].
    Debit,
    /// `POST debit/status` \[S\].
    Status,
    /// `POST debit/refund` \[S\].
    Refund,
    /// `GET /user/v2/account/lookup?phone=...`: OVO's own, not SNAP \[S\].
    Lookup,
    /// `GET /user/v1/oauth/token?grantType=authorization_code&code=...`: OVO's own \[S\].
    GenerateToken,
}

impl OvoEndpoint {
    /// Every OVO endpoint.
    pub const ALL: [Self; 10] = [
        Self::B2bToken,
        Self::B2b2cToken,
        Self::Binding,
        Self::Unbinding,
        Self::Balance,
        Self::Debit,
        Self::Status,
        Self::Refund,
        Self::Lookup,
        Self::GenerateToken,
    ];

    /// The SNAP name after `/OVOSNAP/{version}/`; `None` for OVO's own endpoints.
    ///
    /// ```
    /// use ovo_model::endpoint::OvoEndpoint;
    /// assert_eq!(OvoEndpoint::B2bToken.snap_name(), Some("access-token/b2b"));
    /// assert_eq!(OvoEndpoint::Lookup.snap_name(), None);
    /// ```
    pub const fn snap_name(self) -> Option<&'static str> {
        Some(match self {
            Self::B2bToken => "access-token/b2b",
            Self::B2b2cToken => "access-token/b2b2c",
            Self::Binding => "oauth/account/registration-account-binding",
            Self::Unbinding => "oauth/account/registration-account-unbinding",
            Self::Balance => "balance-inquiry",
            Self::Debit => "debit/payment-host-to-host",
            Self::Status => "debit/status",
            Self::Refund => "debit/refund",
            Self::Lookup | Self::GenerateToken => return None,
        })
    }

    /// The fixed path of OVO's own endpoints; `None` for SNAP ones.
    pub const fn fixed_path(self) -> Option<&'static str> {
        match self {
            Self::Lookup => Some("/user/v2/account/lookup"),
            Self::GenerateToken => Some("/user/v1/oauth/token"),
            _ => None,
        }
    }

    /// The full path (no query) at `version` (ignored by OVO's own endpoints).
    pub fn path(self, version: &str) -> String {
        match (self.snap_name(), self.fixed_path()) {
            (Some(name), _) => snap_path(version, name),
            (None, Some(path)) => path.to_owned(),
            (None, None) => String::new(),
        }
    }

    /// The version OVO's technical document gives: `v1.0` for the B2B token, `v2.0` for the other
    /// SNAP endpoints \[P\]. The FAQ's examples use `v1.0` throughout \[S\]; the client's
    /// configuration can override each.
    pub const fn default_version(self) -> &'static str {
        match self {
            Self::B2bToken => "v1.0",
            _ => "v2.0",
        }
    }

    /// The HTTP method.
    pub const fn method(self) -> &'static str {
        match self {
            Self::Lookup | Self::GenerateToken => "GET",
            _ => "POST",
        }
    }

    /// The SNAP service code of the endpoint's response codes \[P\].
    ///
    /// ```
    /// use ovo_model::{ServiceCode, endpoint::OvoEndpoint};
    /// assert_eq!(OvoEndpoint::Refund.service_code(), Some(ServiceCode::DIRECT_DEBIT_REFUND));
    /// ```
    pub const fn service_code(self) -> Option<ServiceCode> {
        Some(match self {
            Self::B2bToken => ServiceCode::ACCESS_TOKEN_B2B,
            Self::B2b2cToken => ServiceCode::ACCESS_TOKEN_B2B2C,
            Self::Binding => ServiceCode::ACCOUNT_BINDING,
            Self::Unbinding => ServiceCode::ACCOUNT_UNBINDING,
            Self::Balance => ServiceCode::BALANCE_INQUIRY,
            Self::Debit => ServiceCode::DIRECT_DEBIT_PAYMENT,
            Self::Status => ServiceCode::DIRECT_DEBIT_STATUS,
            Self::Refund => ServiceCode::DIRECT_DEBIT_REFUND,
            Self::Lookup | Self::GenerateToken => return None,
        })
    }

    /// Whether a call to this endpoint can move money.
    pub const fn moves_money(self) -> bool {
        matches!(self, Self::Debit | Self::Refund)
    }

    /// A short stable name: logs, metrics and the sandbox's fault plan.
    pub const fn name(self) -> &'static str {
        match self {
            Self::B2bToken => "b2b-token",
            Self::B2b2cToken => "b2b2c-token",
            Self::Binding => "binding",
            Self::Unbinding => "unbinding",
            Self::Balance => "balance",
            Self::Debit => "debit",
            Self::Status => "status",
            Self::Refund => "refund",
            Self::Lookup => "lookup",
            Self::GenerateToken => "generate-token",
        }
    }

    /// The SNAP endpoint named `name` (the path after `/OVOSNAP/{version}/`).
    pub fn from_snap_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.snap_name() == Some(name))
    }

    /// OVO's own endpoint at `path` (no query).
    pub fn from_fixed_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.fixed_path() == Some(path))
    }
}

/// A DOKU OVO Recurring endpoint; every one is a `POST` \[S\].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DokuEndpoint {
    /// `/ovo-open-api/v1/token`: customer binding.
    Binding,
    /// `/tokenization/v1/tokens`: the customer's token list.
    Tokens,
    /// `/ovo-open-api/v1/balance`.
    Balance,
    /// `/ovo-open-api/v1/payment-recurring`.
    Payment,
    /// `/ovo-open-api/v1/payment-refund`.
    Refund,
    /// `/ovo-open-api/v1/token-delete`: unbinding.
    Unbind,
}

impl DokuEndpoint {
    /// Every DOKU endpoint.
    pub const ALL: [Self; 6] = [
        Self::Binding,
        Self::Tokens,
        Self::Balance,
        Self::Payment,
        Self::Refund,
        Self::Unbind,
    ];

    /// The path \[S\].
    pub const fn path(self) -> &'static str {
        match self {
            Self::Binding => "/ovo-open-api/v1/token",
            Self::Tokens => "/tokenization/v1/tokens",
            Self::Balance => "/ovo-open-api/v1/balance",
            Self::Payment => "/ovo-open-api/v1/payment-recurring",
            Self::Refund => "/ovo-open-api/v1/payment-refund",
            Self::Unbind => "/ovo-open-api/v1/token-delete",
        }
    }

    /// Whether a call to this endpoint can move money.
    pub const fn moves_money(self) -> bool {
        matches!(self, Self::Payment | Self::Refund)
    }

    /// A short stable name: logs, metrics and the sandbox's fault plan.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Binding => "doku-binding",
            Self::Tokens => "doku-tokens",
            Self::Balance => "doku-balance",
            Self::Payment => "doku-payment",
            Self::Refund => "doku-refund",
            Self::Unbind => "doku-unbind",
        }
    }

    /// The endpoint at `path`.
    ///
    /// ```
    /// use ovo_model::endpoint::DokuEndpoint;
    /// assert_eq!(DokuEndpoint::from_path("/tokenization/v1/tokens"), Some(DokuEndpoint::Tokens));
    /// ```
    pub fn from_path(path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.path() == path)
    }
}

/// The path of the SNAP endpoint `name` (its [`OvoEndpoint::snap_name`]) at `version`:
/// `/OVOSNAP/{version}/{name}` \[S\].
///
/// ```
/// assert_eq!(
///     ovo_model::endpoint::snap_path("v2.0", "debit/status"),
///     "/OVOSNAP/v2.0/debit/status"
/// );
/// ```
pub fn snap_path(version: &str, name: &str) -> String {
    format!("/OVOSNAP/{version}/{name}")
}

/// Header names, as the documents spell them (HTTP header names are case-insensitive).
pub mod header {
    /// SNAP: the request time, `yyyy-MM-ddTHH:mm:ss.SSS+07:00` \[P\].
    pub const X_TIMESTAMP: &str = "X-TIMESTAMP";
    /// SNAP: the signature \[P\].
    pub const X_SIGNATURE: &str = "X-SIGNATURE";
    /// SNAP token calls: the client id \[P\].
    pub const X_CLIENT_KEY: &str = "X-CLIENT-KEY";
    /// SNAP service calls: the client id \[P\].
    pub const X_PARTNER_ID: &str = "X-PARTNER-ID";
    /// SNAP service calls: unique per day \[P\].
    pub const X_EXTERNAL_ID: &str = "X-EXTERNAL-ID";
    /// SNAP service calls: the channel, assigned by the provider \[P\].
    pub const CHANNEL_ID: &str = "CHANNEL-ID";
    /// SNAP service calls: mandatory for OVO \[P\].
    pub const X_DEVICE_ID: &str = "X-DEVICE-ID";
    /// DOKU: the merchant's client id \[S\].
    pub const CLIENT_ID: &str = "Client-Id";
    /// DOKU: unique per request \[S\].
    pub const REQUEST_ID: &str = "Request-Id";
    /// DOKU: the request time, ISO 8601 UTC \[S\].
    pub const REQUEST_TIMESTAMP: &str = "Request-Timestamp";
    /// DOKU: `HMACSHA256=...` \[S\].
    pub const SIGNATURE: &str = "Signature";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_are_distinct() {
        let mut names: Vec<_> = OvoEndpoint::ALL.iter().map(|e| e.name()).collect();
        names.extend(DokuEndpoint::ALL.iter().map(|e| e.name()));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        for endpoint in OvoEndpoint::ALL {
            assert_ne!(
                endpoint.snap_name().is_some(),
                endpoint.fixed_path().is_some()
            );
            let path = endpoint.path("v2.0");
            let found = match endpoint.snap_name() {
                Some(name) => OvoEndpoint::from_snap_name(name),
                None => OvoEndpoint::from_fixed_path(&path),
            };
            assert_eq!(found, Some(endpoint));
        }
        for endpoint in DokuEndpoint::ALL {
            assert_eq!(DokuEndpoint::from_path(endpoint.path()), Some(endpoint));
        }
    }

    #[test]
    fn only_debit_payment_and_refund_move_money() {
        let movers: Vec<_> = OvoEndpoint::ALL
            .into_iter()
            .filter(|e| e.moves_money())
            .collect();
        assert_eq!(movers, [OvoEndpoint::Debit, OvoEndpoint::Refund]);
        let movers: Vec<_> = DokuEndpoint::ALL
            .into_iter()
            .filter(|e| e.moves_money())
            .collect();
        assert_eq!(movers, [DokuEndpoint::Payment, DokuEndpoint::Refund]);
    }
}
