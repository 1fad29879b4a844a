//! The single calls: tokens, lookup, balance, status. Each body is serialized here, once.

use ovo_model::snap::{
    B2b2cTokenRequest, B2bTokenRequest, BalanceInquiryRequest, DebitStatusRequest,
};
use ovo_model::{Secret, Validate};
use serde::Serialize;

use crate::call::{Authorization, Call, Target};
use crate::config::SnapEndpoint;
use crate::error::FlowError;

/// Validates and serializes a body.
pub(crate) fn body<T: Serialize + Validate>(message: &T) -> Result<Vec<u8>, FlowError> {
    message.validate()?;
    serde_json::to_vec(message).map_err(|e| FlowError::Serialize(e.to_string()))
}

fn post(
    endpoint: SnapEndpoint,
    body: Vec<u8>,
    authorization: Authorization,
    moves_money: bool,
) -> Call {
    Call {
        method: http::Method::POST,
        target: Target::Snap(endpoint),
        body,
        authorization,
        moves_money,
    }
}

/// `access-token/b2b`.
///
/// ```
/// let call = ovo_flows::calls::b2b_token()?;
/// assert_eq!(call.body, br#"{"grantType":"client_credentials"}"#);
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
pub fn b2b_token() -> Result<Call, FlowError> {
    Ok(post(
        SnapEndpoint::B2bToken,
        body(&B2bTokenRequest::default())?,
        Authorization::TokenCall(None),
        false,
    ))
}

/// `access-token/b2b2c` with a refresh token (no `Authorization` \[P\]).
pub fn refresh(refresh_token: Secret) -> Result<Call, FlowError> {
    let request = B2b2cTokenRequest::refresh(refresh_token);
    Ok(post(
        SnapEndpoint::B2b2cToken,
        body(&request)?,
        Authorization::TokenCall(None),
        false,
    ))
}

/// `access-token/b2b2c` exchanging a binding `authCode`, authorized by the linkage token \[P\].
pub fn exchange_code(auth_code: Secret, linkage_token: Secret) -> Result<Call, FlowError> {
    let request = B2b2cTokenRequest::authorization_code(auth_code);
    Ok(post(
        SnapEndpoint::B2b2cToken,
        body(&request)?,
        Authorization::TokenCall(Some(linkage_token)),
        false,
    ))
}

/// `GET /user/v2/account/lookup?phone=...` with the B2B token \[I: OVO's own signature is not
/// public; the SNAP symmetric one is used\].
pub fn lookup(phone: &str) -> Call {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("phone", phone)
        .finish();
    Call {
        method: http::Method::GET,
        target: Target::Path(format!("/user/v2/account/lookup?{query}")),
        body: Vec::new(),
        authorization: Authorization::B2b,
        moves_money: false,
    }
}

/// `balance-inquiry` with the customer's access token.
pub fn balance(access: Secret, request: &BalanceInquiryRequest) -> Result<Call, FlowError> {
    Ok(post(
        SnapEndpoint::Balance,
        body(request)?,
        Authorization::Bearer(access),
        false,
    ))
}

/// `debit/status` for a payment, with the customer's token or the B2B token.
pub fn status(authorization: Authorization, partner_reference_no: &str) -> Result<Call, FlowError> {
    let request = DebitStatusRequest::for_payment(partner_reference_no);
    Ok(post(
        SnapEndpoint::Status,
        body(&request)?,
        authorization,
        false,
    ))
}

/// `GET /user/v1/oauth/token?grantType=authorization_code&code=...` \[S\], with the access token \[I\].
pub fn generate_token(access: Secret, auth_code: &Secret) -> Call {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("grantType", "authorization_code")
        .append_pair("code", auth_code.expose())
        .finish();
    Call {
        method: http::Method::GET,
        target: Target::Path(format!("/user/v1/oauth/token?{query}")),
        body: Vec::new(),
        authorization: Authorization::Bearer(access),
        moves_money: false,
    }
}
