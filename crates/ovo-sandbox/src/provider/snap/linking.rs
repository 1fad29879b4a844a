//! Phone lookup, account binding (service 07) and unbinding (service 09).

use std::time::Duration;

use ovo_model::snap::{
    AccountState, AdditionalInfo, BindingAdditionalInfo, BindingRequest, BindingResponse,
    LookupResponse, LookupStatus, QParams, UnbindingRequest, UnbindingResponse,
};
use ovo_model::{Case, ResponseCode, Secret, ServiceCode};
use serde::Serialize;

use super::{
    answer, check_rsa_service_call, check_symmetric_call, fail, parse, succeeded, success,
};
use crate::provider::Env;
use crate::provider::WEBVIEW_PAGE;
use crate::provider::exchange::{Handled, Incoming, Reply};
use crate::provider::ids;
use crate::provider::state::{AccountId, AccountStatus, Purpose, State, WebviewSession};

/// A linkage token lives 5 minutes \[S\].
pub(crate) const LINKAGE_LIFETIME: Duration = Duration::from_secs(5 * 60);

const LOOKUP: ServiceCode = ServiceCode(0);
const BINDING: ServiceCode = ServiceCode::ACCOUNT_BINDING;
/// An unbinding's errors carry service `07`, as OVO's published example answers `4010700` \[S\];
/// its success keeps the SNAP tables' `09` \[P\].
const UNBINDING: ServiceCode = ServiceCode::ACCOUNT_BINDING;
const UNBINDING_SUCCESS: ServiceCode = ServiceCode::ACCOUNT_UNBINDING;

/// `GET /user/v2/account/lookup?phone=...`: OVO-signed and non-SNAP; the sandbox checks the SNAP
/// symmetric signature with the partner's B2B token \[I\] and answers a `status`:
/// `CAN_LINK`, `CAN_REGISTER` (no OVO account) \[S\], `LINKED_ELSEWHERE` or `CLOSED` \[I\].
pub(crate) fn lookup(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, LOOKUP)?;
    require_system_token(state, env, &partner.client_id, &token, LOOKUP)?;
    let phone = request.query_params().remove("phone").unwrap_or_default();
    let status = match state.account_by_phone(&phone) {
        None => "CAN_REGISTER",
        Some((_, account)) if account.status == AccountStatus::Closed => "CLOSED",
        Some((id, _)) => match state.bindings.get(&id) {
            Some(binding) if binding.active && binding.client_id != partner.client_id => {
                "LINKED_ELSEWHERE"
            }
            _ => "CAN_LINK",
        },
    };
    let answer = LookupResponse {
        status: LookupStatus::parse(status),
        other: AdditionalInfo::new(),
    };
    Ok(success(200, LOOKUP, answer))
}

/// `GET /reference/v1/topup/options`: OVO's Top Up Instruction, listed in the FAQ among the APIs
/// with OVO's signature \[S\]; like the lookup, the sandbox checks the SNAP symmetric signature with
/// the partner's B2B token \[I\]. The answer's shape is not published: the ways to top up an OVO
/// account, each with its steps \[I\].
pub(crate) fn top_up_options(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, LOOKUP)?;
    require_system_token(state, env, &partner.client_id, &token, LOOKUP)?;
    let options = TOP_UP_OPTIONS
        .iter()
        .map(|&(channel, name, steps)| TopUpOption {
            channel,
            name,
            steps,
        })
        .collect();
    Ok(success(
        200,
        LOOKUP,
        TopUpOptions {
            top_up_options: options,
        },
    ))
}

/// The Top Up Instruction's body; `ovo-model` has no type for it (the SDK does not call it, and
/// its shape is not published) \[I\].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TopUpOptions {
    top_up_options: Vec<TopUpOption>,
}

/// One way to top up, with its steps \[I\].
#[derive(Debug, Serialize)]
struct TopUpOption {
    channel: &'static str,
    name: &'static str,
    steps: &'static [&'static str],
}

/// The sandbox's top-up options \[I\].
const TOP_UP_OPTIONS: &[(&str, &str, &[&str])] = &[
    (
        "BANK_TRANSFER",
        "Bank transfer (virtual account)",
        &[
            "Choose Transfer in your bank's app",
            "Enter the OVO virtual account number: the bank's code and your OVO phone number",
            "Enter the amount and confirm",
        ],
    ),
    (
        "OVO_APP",
        "OVO app",
        &[
            "Open the OVO app and choose Top Up",
            "Pick a method and follow its steps",
        ],
    ),
    (
        "MERCHANT",
        "At a partner store",
        &[
            "Tell the cashier your OVO phone number and the amount",
            "Pay the cashier",
        ],
    ),
];

/// A valid, unexpired B2B token of this partner.
pub(crate) fn require_system_token(
    state: &State,
    env: &Env<'_>,
    client_id: &str,
    token: &str,
    service: ServiceCode,
) -> Result<(), Reply> {
    match state.system_tokens.get(token) {
        Some(t) if t.client_id == client_id && env.now < t.expires => Ok(()),
        _ => Err(fail(
            service,
            Case::InvalidToken,
            "B2B access token is invalid or expired",
        )),
    }
}

/// `POST .../oauth/account/registration-account-binding`: answers a linkage token and the webview.
pub(crate) fn binding(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, _) = check_rsa_service_call(env, state, request, BINDING)?;
    let body: BindingRequest = parse(BINDING, &request.body)?;
    if body.merchant_id != partner.merchant_id {
        return Err(fail(
            BINDING,
            Case::InvalidFieldFormat,
            "merchantId is not this partner's",
        ));
    }
    let phone = body.phone_no.clone().unwrap_or_default();
    let (account, status) = match state.account_by_phone(&phone) {
        Some((id, account)) => (id, account.status),
        None => {
            return Err(fail(
                BINDING,
                Case::InvalidAccount,
                "no OVO account for phoneNo",
            ));
        }
    };
    if status == AccountStatus::Closed {
        return Err(fail(
            BINDING,
            Case::InactiveAccount,
            "the OVO account is closed",
        ));
    }
    if state
        .bindings
        .get(&account)
        .is_some_and(|b| b.active && b.client_id != partner.client_id)
    {
        return Err(fail(
            BINDING,
            Case::FeatureNotAllowed,
            "the OVO account is linked to another partner",
        ));
    }
    let opened = open_webview(
        state,
        env,
        &partner.client_id,
        account,
        Purpose::Binding,
        &phone,
    )?;
    let (response_code, response_message) = succeeded(200, BINDING);
    Ok(answer(
        response_code,
        &BindingResponse {
            response_code,
            response_message,
            reference_no: Some(opened.reference_no),
            partner_reference_no: body.partner_reference_no,
            linkage_token: Some(Secret::new(opened.linkage_token)),
            redirect_url: Some(opened.redirect_url),
            additional_info: Some(BindingAdditionalInfo {
                account: Some(AccountState {
                    account_status: Some(ovo_model::snap::AccountStatus::Active),
                    other: AdditionalInfo::new(),
                }),
                q_params: Some(opened.q_params),
                other: AdditionalInfo::new(),
            }),
        },
    ))
}

/// `POST .../oauth/account/registration-account-unbinding`, in two calls \[S\]\[P\]: the first, with
/// the customer's access token, answers a linkage token for the confirmation webview; the second,
/// with that linkage token and the webview's `authCode`, unbinds.
pub(crate) fn unbinding(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, UNBINDING)?;
    let body: UnbindingRequest = parse(UNBINDING, &request.body)?;
    if let Some(code) = body.auth_code.as_ref().map(|c| c.expose().to_owned()) {
        let grant = state
            .auth_codes
            .get(&code)
            .filter(|g| {
                g.client_id == partner.client_id
                    && g.purpose == Purpose::Unbinding
                    && env.now < g.expires
            })
            .filter(|g| g.linkage_token.as_deref() == Some(token.as_str()))
            .cloned()
            .ok_or_else(|| {
                fail(
                    UNBINDING,
                    Case::InvalidCustomerToken,
                    "authCode is invalid, used or expired",
                )
            })?;
        state.auth_codes.remove(&code);
        unbind(state, grant.account);
        let (response_code, response_message) = succeeded(200, UNBINDING_SUCCESS);
        return Ok(answer(
            response_code,
            &UnbindingResponse {
                partner_reference_no: body.partner_reference_no,
                unlink_result: Some("SUCCESS".to_owned()),
                ..unbinding_response(response_code, response_message)
            },
        ));
    }
    let access = state
        .access_tokens
        .get(&token)
        .filter(|t| t.client_id == partner.client_id && state.customer_token_valid(t, env.now))
        .cloned()
        .ok_or_else(|| {
            fail(
                UNBINDING,
                Case::InvalidCustomerToken,
                "accessToken is invalid or revoked",
            )
        })?;
    let phone = state
        .accounts
        .get(&access.account)
        .map(|a| a.phone.clone())
        .unwrap_or_default();
    let opened = open_webview(
        state,
        env,
        &partner.client_id,
        access.account,
        Purpose::Unbinding,
        &phone,
    )?;
    let (response_code, response_message) = succeeded(200, UNBINDING_SUCCESS);
    Ok(answer(
        response_code,
        &UnbindingResponse {
            reference_no: Some(opened.reference_no),
            partner_reference_no: body.partner_reference_no,
            linkage_token: Some(Secret::new(opened.linkage_token)),
            redirect_url: Some(opened.redirect_url),
            additional_info: Some(BindingAdditionalInfo {
                account: None,
                q_params: Some(opened.q_params),
                other: AdditionalInfo::new(),
            }),
            ..unbinding_response(response_code, response_message)
        },
    ))
}

/// An unbinding answer with only its code and message.
fn unbinding_response(response_code: ResponseCode, response_message: String) -> UnbindingResponse {
    UnbindingResponse {
        response_code,
        response_message,
        reference_no: None,
        partner_reference_no: None,
        merchant_id: None,
        sub_merchant_id: None,
        link_id: None,
        unlink_result: None,
        linkage_token: None,
        redirect_url: None,
        additional_info: None,
    }
}

/// What opening a webview gives the answer: the token, the page and the `qParams` it must carry.
struct OpenedWebview {
    reference_no: String,
    linkage_token: String,
    redirect_url: String,
    q_params: QParams,
}

/// Ends a binding: its access and refresh tokens die with it \[S\].
pub(crate) fn unbind(state: &mut State, account: AccountId) {
    if let Some(binding) = state.bindings.get_mut(&account) {
        binding.active = false;
    }
    state.access_tokens.retain(|_, t| t.account != account);
    state.refresh_tokens.retain(|_, t| t.account != account);
}

/// Opens a webview session keyed by a new linkage token; returns the answer's fields: the token,
/// the webview's URL and the `qParams` it must carry \[S\].
fn open_webview(
    state: &mut State,
    env: &Env<'_>,
    client_id: &str,
    account: AccountId,
    purpose: Purpose,
    phone: &str,
) -> Result<OpenedWebview, Reply> {
    let linkage = ids::token("lt")?;
    let ref_id = ids::random_hex(16)?;
    let action = if purpose == Purpose::Binding {
        "otpLinkage"
    } else {
        "otpUnlinkage"
    };
    state.webviews.insert(
        linkage.clone(),
        WebviewSession {
            client_id: client_id.to_owned(),
            account,
            purpose,
            expires: env.now + LINKAGE_LIFETIME,
            otp_passed: false,
        },
    );
    Ok(OpenedWebview {
        reference_no: ref_id.clone(),
        linkage_token: linkage,
        redirect_url: format!("{}{WEBVIEW_PAGE}", env.base_url),
        q_params: QParams {
            action: Some(action.to_owned()),
            auth_type: Some("2FA".to_owned()),
            client_id: Some(client_id.to_owned()),
            phone_number: Some(masked(phone)),
            ref_id: Some(ref_id),
            other: AdditionalInfo::new(),
        },
    })
}

/// `08129376****`: all but the last four digits, as OVO's sample shows \[S\].
pub(crate) fn masked(phone: &str) -> String {
    let keep = phone.len().saturating_sub(4);
    format!("{}****", phone.get(..keep).unwrap_or_default())
}
