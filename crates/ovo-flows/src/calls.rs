//! The single calls: tokens, lookup, balance, status, Generate Token. Each body is serialized
//! here, once.

use bytes::Bytes;
use ovo_model::endpoint::OvoEndpoint;
use ovo_model::snap::{
    B2b2cTokenRequest, B2bTokenRequest, BalanceInquiryRequest, DebitStatusRequest,
};
use ovo_model::{Secret, Validate};
use serde::Serialize;

use crate::call::{Authorization, Call, Resend, Target};
use crate::error::FlowError;

/// Validates and serializes a body.
pub(crate) fn body<T: Serialize + Validate>(message: &T) -> Result<Vec<u8>, FlowError> {
    message.validate()?;
    serde_json::to_vec(message).map_err(|e| FlowError::Serialize(e.to_string()))
}

/// Validates and serializes a body, as text (it is stored with the flow).
pub(crate) fn body_text<T: Serialize + Validate>(message: &T) -> Result<String, FlowError> {
    message.validate()?;
    serde_json::to_string(message).map_err(|e| FlowError::Serialize(e.to_string()))
}

/// `access-token/b2b`.
///
/// ```
/// let call = ovo_flows::calls::b2b_token()?;
/// assert_eq!(call.body, &br#"{"grantType":"client_credentials"}"#[..]);
/// # Ok::<(), ovo_flows::FlowError>(())
/// ```
pub fn b2b_token() -> Result<Call, FlowError> {
    Ok(Call::ovo(
        OvoEndpoint::B2bToken,
        body(&B2bTokenRequest::default())?,
        Authorization::TokenCall(None),
    ))
}

/// `access-token/b2b2c` with a refresh token in the body (no `Authorization` \[P\]).
pub fn refresh(refresh_token: Secret) -> Result<Call, FlowError> {
    let request = B2b2cTokenRequest::refresh(refresh_token);
    Ok(Call::ovo(
        OvoEndpoint::B2b2cToken,
        body(&request)?,
        Authorization::TokenCall(None),
    ))
}

/// `access-token/b2b2c` exchanging a binding `authCode`, authorized by the linkage token \[P\].
/// The code is single-use: the call is never re-sent once it may have arrived.
pub fn exchange_code(auth_code: Secret, linkage_token: Secret) -> Result<Call, FlowError> {
    let request = B2b2cTokenRequest::authorization_code(auth_code);
    let mut call = Call::ovo(
        OvoEndpoint::B2b2cToken,
        body(&request)?,
        Authorization::TokenCall(Some(linkage_token)),
    );
    call.resend = Resend::OnlyIfNotSent;
    Ok(call)
}

fn get(endpoint: OvoEndpoint, query: String, authorization: Authorization) -> Call {
    Call {
        target: Target::Ovo {
            endpoint,
            query: Some(query),
        },
        body: Bytes::new(),
        authorization,
        resend: Resend::Safe,
    }
}

/// `GET /user/v2/account/lookup?phone=...` with the B2B token \[I: OVO's own signature is not
/// public; the SNAP symmetric one is used\].
///
/// ```
/// let call = ovo_flows::calls::lookup("6281234567890");
/// assert_eq!(call.method(), http::Method::GET);
/// ```
pub fn lookup(phone: &str) -> Call {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("phone", phone)
        .finish();
    get(OvoEndpoint::Lookup, query, Authorization::B2b)
}

/// `balance-inquiry` with the customer's access token (supplied by the driver).
pub fn balance(request: &BalanceInquiryRequest) -> Result<Call, FlowError> {
    Ok(Call::ovo(
        OvoEndpoint::Balance,
        body(request)?,
        Authorization::Customer,
    ))
}

/// `debit/status` for a payment. The seed: the B2B token is "use only for refund", so the status
/// takes the customer's token \[S\].
pub fn status(authorization: Authorization, partner_reference_no: &str) -> Result<Call, FlowError> {
    let request = DebitStatusRequest::for_payment(partner_reference_no);
    Ok(Call::ovo(
        OvoEndpoint::Status,
        body(&request)?,
        authorization,
    ))
}

/// `GET /user/v1/oauth/token?grantType=authorization_code&code=...` \[S\], with the customer's
/// access token \[I\]. The `authCode` is single-use: never re-sent once it may have arrived.
pub fn generate_token(auth_code: &Secret) -> Call {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("grantType", "authorization_code")
        .append_pair("code", auth_code.expose())
        .finish();
    let mut call = get(OvoEndpoint::GenerateToken, query, Authorization::Customer);
    call.resend = Resend::OnlyIfNotSent;
    call
}
