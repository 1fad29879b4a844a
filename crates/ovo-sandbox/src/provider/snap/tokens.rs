//! `access-token/b2b` (service 73) and `access-token/b2b2c` (service 74).

use std::time::Duration;

use ovo_model::snap::{
    B2b2cGrantType, B2b2cTokenRequest, B2b2cTokenResponse, B2bTokenRequest, B2bTokenResponse,
    ExpiresIn,
};
use ovo_model::{Case, ModelError, Secret, ServiceCode, Validate as _};
use ovo_sign::SnapTimestampFormat;
use time::OffsetDateTime;

use super::{answer, bearer, check_token_call, fail, parse, succeeded};
use crate::provider::Env;
use crate::provider::exchange::{Handled, Incoming};
use crate::provider::ids;
use crate::provider::state::{Binding, CustomerToken, Purpose, State, SystemToken};

/// B2B system token: 15 minutes \[S\].
pub(crate) const SYSTEM_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Customer access token: 15 days \[S\].
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 24 * 3600);

const B2B: ServiceCode = ServiceCode::ACCESS_TOKEN_B2B;
const B2B2C: ServiceCode = ServiceCode::ACCESS_TOKEN_B2B2C;

/// `POST /OVOSNAP/v1.0/access-token/b2b`.
pub(crate) fn b2b(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let partner = check_token_call(env, state, request, B2B)?;
    let _: B2bTokenRequest = parse(B2B, &request.body)?;
    let token = ids::token("b2b")?;
    state.system_tokens.insert(
        token.clone(),
        SystemToken {
            client_id: partner.client_id,
            expires: env.now + SYSTEM_TOKEN_LIFETIME,
        },
    );
    let (response_code, response_message) = succeeded(200, B2B);
    Ok(answer(
        response_code,
        &B2bTokenResponse {
            response_code,
            response_message,
            access_token: Secret::new(token),
            token_type: "Bearer".to_owned(),
            expires_in: ExpiresIn(SYSTEM_TOKEN_LIFETIME.as_secs()),
            additional_info: None,
        },
    ))
}

/// `POST /OVOSNAP/v2.0/access-token/b2b2c`: a new token from the binding webview's `authCode`
/// (authorized by the linkage token \[P\]), or a refresh.
pub(crate) fn b2b2c(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let partner = check_token_call(env, state, request, B2B2C)?;
    let body = token_request(request)?;
    let (access, refresh) = match body.grant_type {
        B2b2cGrantType::AuthorizationCode => {
            let linkage = bearer(request, B2B2C)?;
            let code = body
                .auth_code
                .map(|c| c.expose().to_owned())
                .unwrap_or_default();
            exchange_code(state, env.now, &partner.client_id, &code, &linkage)?
        }
        B2b2cGrantType::RefreshToken => {
            let refresh = body
                .refresh_token
                .map(|t| t.expose().to_owned())
                .unwrap_or_default();
            // In the body, or as the authorization (the FAQ's form \[S\]): both must agree.
            if let Ok(authorization) = bearer(request, B2B2C)
                && authorization != refresh
            {
                return Err(fail(
                    B2B2C,
                    Case::InvalidCustomerToken,
                    "refreshToken in the body and in Authorization differ",
                ));
            }
            let token = state
                .refresh_tokens
                .get(&refresh)
                .filter(|t| {
                    t.client_id == partner.client_id && state.customer_token_valid(t, env.now)
                })
                .cloned()
                .ok_or_else(|| {
                    fail(
                        B2B2C,
                        Case::InvalidCustomerToken,
                        "refreshToken is invalid or revoked",
                    )
                })?;
            let access = issue_access(state, env.now, &token)?;
            (access, refresh)
        }
        _ => return Err(fail(B2B2C, Case::InvalidFieldFormat, "grantType")),
    };
    let (response_code, response_message) = succeeded(200, B2B2C);
    Ok(answer(
        response_code,
        &B2b2cTokenResponse {
            response_code,
            response_message,
            access_token: Secret::new(access),
            token_type: "Bearer".to_owned(),
            access_token_expiry_time: Some(expiry(env.now + ACCESS_TOKEN_LIFETIME)),
            refresh_token: Some(Secret::new(refresh)),
            refresh_token_expiry_time: None,
            expires_in: None,
            additional_info: None,
        },
    ))
}

/// The B2B2C token request. A refresh may carry its refresh token "as the authorization"
/// (`Authorization: Bearer <refreshToken>`, the FAQ \[S\]) instead of, or as well as, in the body's
/// `refreshToken` (the SNAP form \[P\]).
fn token_request(
    request: &Incoming,
) -> Result<B2b2cTokenRequest, crate::provider::exchange::Reply> {
    let mut body: B2b2cTokenRequest =
        ovo_model::from_json_unvalidated(&request.body).map_err(|error| match error {
            ModelError::Field(field) => super::field_error(B2B2C, &field),
            _ => fail(B2B2C, Case::BadRequest, "malformed JSON body"),
        })?;
    if body.grant_type == B2b2cGrantType::RefreshToken
        && body.refresh_token.is_none()
        && let Ok(token) = bearer(request, B2B2C)
    {
        body.refresh_token = Some(Secret::new(token));
    }
    body.validate()
        .map_err(|error| super::field_error(B2B2C, &error))?;
    Ok(body)
}

/// Exchanges a binding code: binds the account to the partner and issues both tokens.
fn exchange_code(
    state: &mut State,
    now: OffsetDateTime,
    client_id: &str,
    code: &str,
    linkage: &str,
) -> Result<(String, String), crate::provider::exchange::Reply> {
    let invalid = || {
        fail(
            B2B2C,
            Case::InvalidCustomerToken,
            "authCode is invalid, used or expired",
        )
    };
    let grant = state.auth_codes.get(code).cloned().ok_or_else(invalid)?;
    let usable = grant.client_id == client_id
        && grant.purpose == Purpose::Binding
        && now < grant.expires
        && grant.linkage_token.as_deref() == Some(linkage);
    if !usable {
        return Err(invalid());
    }
    state.auth_codes.remove(code);
    let serial = state.next_id();
    state.bindings.insert(
        grant.account,
        Binding {
            serial,
            client_id: client_id.to_owned(),
            active: true,
        },
    );
    let generation = state
        .accounts
        .get(&grant.account)
        .map_or(0, |a| a.generation);
    let refresh = ids::token("rt")?;
    let template = CustomerToken {
        client_id: client_id.to_owned(),
        account: grant.account,
        generation,
        binding: serial,
        expires: None,
    };
    state
        .refresh_tokens
        .insert(refresh.clone(), template.clone());
    let access = issue_access(state, now, &template)?;
    Ok((access, refresh))
}

fn issue_access(
    state: &mut State,
    now: OffsetDateTime,
    template: &CustomerToken,
) -> Result<String, crate::provider::exchange::Reply> {
    let access = ids::token("at")?;
    state.access_tokens.insert(
        access.clone(),
        CustomerToken {
            expires: Some(now + ACCESS_TOKEN_LIFETIME),
            ..template.clone()
        },
    );
    Ok(access)
}

/// An expiry time in OVO's timestamp form.
pub(crate) fn expiry(at: OffsetDateTime) -> String {
    SnapTimestampFormat::OVO.format(at).unwrap_or_default()
}
