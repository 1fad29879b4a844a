//! Access tokens: B2B (service 73), B2B2C (service 74), and OVO's Generate Token.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{AdditionalInfo, check_message};
use crate::error::{FieldError, FieldErrorKind};
use crate::open_enum::open_enum;
use crate::response_code::ResponseCode;
use crate::secret::Secret;
use crate::validate::{FieldPath, Validate, check};

/// `POST /OVOSNAP/v1.0/access-token/b2b` body: `{"grantType":"client_credentials"}` \[P\].
///
/// ```
/// let body = serde_json::to_string(&ovo_model::snap::B2bTokenRequest::default()).unwrap();
/// assert_eq!(body, r#"{"grantType":"client_credentials"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct B2bTokenRequest {
    /// `grantType`: always `client_credentials` \[P\]; any other value fails validation.
    pub grant_type: String,
    /// `additionalInfo`, optional in ASPI \[P\]; sent as given, and the default sends none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Default for B2bTokenRequest {
    fn default() -> Self {
        Self {
            grant_type: "client_credentials".to_owned(),
            additional_info: None,
        }
    }
}

impl Validate for B2bTokenRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        let grant = at.field("grantType");
        check::required(&grant, &self.grant_type, 64)?;
        if self.grant_type != "client_credentials" {
            return Err(grant.error(FieldErrorKind::InvalidValue {
                expected: "client_credentials",
            }));
        }
        Ok(())
    }
}

/// The B2B token answer (`2007300`). OVO's B2B token lives 15 minutes \[S\].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct B2bTokenResponse {
    /// `responseCode`: `2007300` (HTTP 200, service 73, case 00) on success \[P\].
    pub response_code: ResponseCode,
    /// `responseMessage`; ≤ 150 characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// The B2B access token.
    pub access_token: Secret,
    /// `tokenType`: `Bearer` \[P\]; the token goes in `Authorization: Bearer …`.
    pub token_type: String,
    /// Lifetime in seconds (OVO: 900) \[S\].
    pub expires_in: ExpiresIn,
    /// `additionalInfo`, as received; the seeds name no key for this answer \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for B2bTokenResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)?;
        token_present(&at.field("accessToken"), &self.access_token)?;
        check::required(&at.field("tokenType"), &self.token_type, 32)
    }
}

open_enum! {
    /// The B2B2C `grantType` \[P\].
    B2b2cGrantType {
        /// Exchange an `authCode` (for OVO, after the binding webview) for tokens.
        AuthorizationCode = "AUTHORIZATION_CODE",
        /// Renew the access token with the refresh token.
        RefreshToken = "REFRESH_TOKEN",
    }
}

/// `POST /OVOSNAP/v2.0/access-token/b2b2c` body, for both a new token and a refresh \[S\]\[P\].
///
/// ```
/// use ovo_model::{Secret, Validate, snap::{B2b2cGrantType, B2b2cTokenRequest}};
///
/// let request = B2b2cTokenRequest::authorization_code(Secret::new("YOAKdzhRSviBfGyAc15_LQ"));
/// assert!(request.validate().is_ok());
/// let missing = B2b2cTokenRequest { auth_code: None, ..request };
/// assert_eq!(missing.validate().unwrap_err().path, "authCode");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct B2b2cTokenRequest {
    /// `grantType`: `AUTHORIZATION_CODE` for a new token, `REFRESH_TOKEN` to renew one \[P\];
    /// any other value fails validation.
    pub grant_type: B2b2cGrantType,
    /// The code from the webview callback; mandatory with `AUTHORIZATION_CODE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<Secret>,
    /// The refresh token; mandatory with `REFRESH_TOKEN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// `additionalInfo`, optional in ASPI \[P\]; sent as given, and the constructors send none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl B2b2cTokenRequest {
    /// A request exchanging an auth code.
    pub fn authorization_code(auth_code: Secret) -> Self {
        Self {
            grant_type: B2b2cGrantType::AuthorizationCode,
            auth_code: Some(auth_code),
            refresh_token: None,
            additional_info: None,
        }
    }

    /// A request renewing with a refresh token.
    pub fn refresh(refresh_token: Secret) -> Self {
        Self {
            grant_type: B2b2cGrantType::RefreshToken,
            auth_code: None,
            refresh_token: Some(refresh_token),
            additional_info: None,
        }
    }
}

impl Validate for B2b2cTokenRequest {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        match self.grant_type {
            B2b2cGrantType::AuthorizationCode => {
                optional_token_present(&at.field("authCode"), self.auth_code.as_ref())
            }
            B2b2cGrantType::RefreshToken => {
                optional_token_present(&at.field("refreshToken"), self.refresh_token.as_ref())
            }
            B2b2cGrantType::Other(_) => {
                Err(at.field("grantType").error(FieldErrorKind::InvalidValue {
                    expected: "AUTHORIZATION_CODE or REFRESH_TOKEN",
                }))
            }
        }
    }
}

/// The B2B2C token answer (`2007400`): the customer's access and refresh tokens.
///
/// OVO's access token lives 15 days; the refresh token until unbinding, a phone change or account
/// closure \[S\]. Field names follow ASPI and DOKU's library \[P\]; OVO's exact names are
/// unconfirmed \[I\], so `expiresIn` is accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct B2b2cTokenResponse {
    /// `responseCode`: `2007400` (HTTP 200, service 74, case 00) on success \[P\].
    pub response_code: ResponseCode,
    /// `responseMessage`; ≤ 150 characters \[P\]. For logs, not for branching.
    pub response_message: String,
    /// The customer access token.
    pub access_token: Secret,
    /// `tokenType`: `Bearer` \[P\]; the token goes in `Authorization: Bearer …`.
    pub token_type: String,
    /// When the access token expires (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_expiry_time: Option<String>,
    /// `refreshToken`: renews `accessToken` once it expires \[S\]. Store it; it is absent when OVO
    /// sends none, and broken by unbinding, a phone change or account closure \[S\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// When the refresh token expires (ISO-8601), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expiry_time: Option<String>,
    /// Lifetime in seconds, where a provider sends it instead of an expiry time \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<ExpiresIn>,
    /// `additionalInfo`, as received; the seeds name no key for this answer \[I\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
}

impl Validate for B2b2cTokenResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        check_message(at, &self.response_message)?;
        token_present(&at.field("accessToken"), &self.access_token)?;
        check::required(&at.field("tokenType"), &self.token_type, 32)
    }
}

/// The answer of OVO's Generate Token (`/user/v1/oauth/token?grantType=authorization_code&code=`),
/// which turns the payment webview's `authCode` into the single-use token of the second debit call.
///
/// This is an OVO-signed, non-SNAP API whose body is not public \[S\]: the token is read from
/// `singleUseToken`, `accessToken` or `access_token`, whichever is present \[I\].
///
/// ```
/// let answer: ovo_model::snap::GenerateTokenResponse =
///     ovo_model::from_json(br#"{"accessToken":"sut-123","expiresIn":900}"#)?;
/// assert_eq!(answer.single_use_token.expose(), "sut-123");
/// # Ok::<(), ovo_model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateTokenResponse {
    /// The single-use token (lives 15 minutes, used once) \[S\].
    #[serde(alias = "accessToken", alias = "access_token")]
    pub single_use_token: Secret,
    /// Lifetime in seconds, if sent.
    #[serde(default, alias = "expires_in", skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<ExpiresIn>,
}

impl Validate for GenerateTokenResponse {
    fn validate_at(&self, at: &FieldPath) -> Result<(), FieldError> {
        token_present(&at.field("singleUseToken"), &self.single_use_token)
    }
}

/// A lifetime in seconds, sent as a number or a string depending on the provider \[P\]; written as
/// a string, ASPI's type.
///
/// ```
/// use ovo_model::snap::ExpiresIn;
///
/// assert_eq!(serde_json::from_str::<ExpiresIn>("900").unwrap(), ExpiresIn(900));
/// assert_eq!(serde_json::from_str::<ExpiresIn>("\"900\"").unwrap(), ExpiresIn(900));
/// assert_eq!(serde_json::to_string(&ExpiresIn(900)).unwrap(), "\"900\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpiresIn(pub u64);

impl Serialize for ExpiresIn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ExpiresIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;

        impl Visitor<'_> for SecondsVisitor {
            type Value = ExpiresIn;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds, as a number or a string of digits")
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<ExpiresIn, E> {
                Ok(ExpiresIn(value))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<ExpiresIn, E> {
                u64::try_from(value)
                    .map(ExpiresIn)
                    .map_err(|_| E::custom("a negative lifetime"))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<ExpiresIn, E> {
                value
                    .parse()
                    .map(ExpiresIn)
                    .map_err(|_| E::custom("a lifetime that is not a whole number of seconds"))
            }
        }

        deserializer.deserialize_any(SecondsVisitor)
    }
}

pub(crate) fn token_present(at: &FieldPath, token: &Secret) -> Result<(), FieldError> {
    if token.is_empty() {
        return Err(at.error(FieldErrorKind::Missing));
    }
    Ok(())
}

pub(crate) fn optional_token_present(
    at: &FieldPath,
    token: Option<&Secret>,
) -> Result<(), FieldError> {
    token.map_or(Err(at.error(FieldErrorKind::Missing)), |t| {
        token_present(at, t)
    })
}
