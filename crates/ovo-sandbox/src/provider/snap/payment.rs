//! Balance (11), the two-phase direct debit (54) with Generate Token, status (55), refund (58).

use std::time::Duration;

use ovo_model::snap::{
    AccountInfo, BalanceInquiryRequest, BalanceInquiryResponse, BalanceType, DebitStatusRequest,
    DebitStatusResponse, DirectDebitRequest, DirectDebitResponse, ExpiresIn, GenerateTokenResponse,
    RefundHistory, RefundRequest, RefundResponse, TransactionStatus, UrlParamType,
};
use ovo_model::{Case, Idr, Secret, ServiceCode, SnapMoney};

use super::linking::require_system_token;
use super::tokens::expiry;
use super::{answer, check_symmetric_call, fail, parse, succeeded, success};
use crate::provider::Env;
use crate::provider::exchange::{Handled, Incoming, Reply};
use crate::provider::ids;
use crate::provider::ledger::Channel;
use crate::provider::state::{
    CustomerToken, Intent, Purpose, RefundRecord, SingleUseToken, State, WebviewSession,
};
use crate::provider::wallet::{self, Movement, WalletError};
use crate::provider::{WEBVIEW_PAGE, session_page};

/// The whole debit times out 15 minutes after the webview opens \[S\]; a single-use token lives
/// 15 minutes \[S\].
pub(crate) const DEBIT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Refunds are allowed up to 60 days after payment by default \[S\].
pub(crate) const REFUND_WINDOW: Duration = Duration::from_secs(60 * 24 * 3600);

const BALANCE: ServiceCode = ServiceCode::BALANCE_INQUIRY;
const DEBIT: ServiceCode = ServiceCode::DIRECT_DEBIT_PAYMENT;
const STATUS: ServiceCode = ServiceCode::DIRECT_DEBIT_STATUS;
const REFUND: ServiceCode = ServiceCode::DIRECT_DEBIT_REFUND;
const GENERATE: ServiceCode = ServiceCode(0);

fn money(amount: Idr) -> Option<SnapMoney> {
    Some(SnapMoney::idr(amount))
}

/// The partner's valid customer access token named in `Authorization`.
fn customer(
    state: &State,
    env: &Env<'_>,
    client_id: &str,
    token: &str,
    service: ServiceCode,
) -> Result<CustomerToken, Reply> {
    state
        .access_tokens
        .get(token)
        .filter(|t| t.client_id == client_id && state.customer_token_valid(t, env.now))
        .cloned()
        .ok_or_else(|| {
            fail(
                service,
                Case::InvalidCustomerToken,
                "accessToken is invalid, expired or revoked",
            )
        })
}

/// `POST .../balance-inquiry`.
pub(crate) fn balance(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, BALANCE)?;
    let customer = customer(state, env, &partner.client_id, &token, BALANCE)?;
    let body: BalanceInquiryRequest = parse(BALANCE, &request.body)?;
    let account = state
        .accounts
        .get(&customer.account)
        .ok_or_else(|| fail(BALANCE, Case::InvalidAccount, ""))?;
    let info = |balance_type, amount| AccountInfo {
        balance_type: Some(balance_type),
        amount: money(amount),
        available_balance: money(amount),
        ..AccountInfo::default()
    };
    let (response_code, response_message) = succeeded(200, BALANCE);
    Ok(answer(
        response_code,
        &BalanceInquiryResponse {
            response_code,
            response_message,
            reference_no: None,
            partner_reference_no: body.partner_reference_no,
            account_no: None,
            name: None,
            account_infos: vec![
                info(BalanceType::Cash, account.cash),
                info(BalanceType::Points, account.points),
            ],
            additional_info: None,
        },
    ))
}

/// `POST .../debit/payment-host-to-host`: call 1 with the access token opens the payment (nothing
/// moves) and answers `2025400` with the PIN webview; call 2 with the single-use token and the
/// identical body captures it \[S\]. A recurring debit (`subTransactionType: AUTO`) captures on call 1
/// when the sandbox is configured so (the default) \[I\].
pub(crate) fn debit(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, external_id) = check_symmetric_call(env, state, request, DEBIT)?;
    let client = partner.client_id.clone();
    if state.single_use_tokens.contains_key(&token) {
        let body: DirectDebitRequest = parse(DEBIT, &request.body)?;
        return second_call(state, env, &client, &token, &body, &request.body);
    }
    let customer = customer(state, env, &client, &token, DEBIT)?;
    let body: DirectDebitRequest = parse(DEBIT, &request.body)?;
    let minified = minified(&request.body)?;
    let key = (client.clone(), body.partner_reference_no.clone());
    if let Some(intent) = state.intents.get(&key) {
        // The API is idempotent [S]: the same first call gets the same answer.
        if intent.body != minified || intent.account != customer.account {
            return Err(fail(
                DEBIT,
                Case::DuplicatePartnerReferenceNo,
                "partnerReferenceNo already used",
            ));
        }
        return Ok(debit_answer(
            env,
            intent,
            &key.1,
            &webview_session_of(state, &key),
        ));
    }
    let reference_no = ids::random_hex(8)?;
    let points_first = body
        .pay_option_details
        .iter()
        .flatten()
        .any(|option| option.pay_method.eq_ignore_ascii_case("POINTS"));
    let mut intent = Intent {
        account: customer.account,
        amount: body.amount.value,
        body: minified,
        status: TransactionStatus::Initiated,
        reference_no,
        external_id,
        created: env.now,
        paid: None,
        webview_opened: None,
        points_first,
        recurring: body.is_recurring(),
        captured_with: None,
        notify_url: body
            .url_params
            .iter()
            .flatten()
            .find(|param| param.kind == UrlParamType::PayNotify)
            .map(|param| param.url.clone()),
    };
    if intent.recurring && env.config.recurring_skips_pin {
        let captured = capture(state, env, &client, &key.1, &mut intent);
        state.intents.insert(key.clone(), intent.clone());
        captured?;
        return Ok(debit_answer(env, &intent, &key.1, ""));
    }
    let session = ids::token("pw")?;
    state.webviews.insert(
        session.clone(),
        WebviewSession {
            client_id: client.clone(),
            account: customer.account,
            purpose: Purpose::Payment {
                reference: key.1.clone(),
            },
            expires: env.now + DEBIT_TIMEOUT,
            otp_passed: true,
        },
    );
    let answer = debit_answer(env, &intent, &key.1, &session);
    state.intents.insert(key, intent);
    Ok(answer)
}

/// The webview session still open for a payment, if any (for a replayed first call).
fn webview_session_of(state: &State, key: &(String, String)) -> String {
    state
        .webviews
        .iter()
        .find(|(_, s)| {
            s.client_id == key.0
                && s.purpose
                    == Purpose::Payment {
                        reference: key.1.clone(),
                    }
        })
        .map(|(id, _)| id.clone())
        .unwrap_or_default()
}

fn debit_answer(env: &Env<'_>, intent: &Intent, reference: &str, session: &str) -> Reply {
    let captured = intent.status == TransactionStatus::Success;
    let (response_code, response_message) = succeeded(if captured { 200 } else { 202 }, DEBIT);
    let mut response = DirectDebitResponse {
        response_code,
        response_message,
        reference_no: Some(intent.reference_no.clone()),
        partner_reference_no: Some(reference.to_owned()),
        approval_code: None,
        app_redirect_url: None,
        web_redirect_url: None,
        additional_info: None,
    };
    if captured {
        response.approval_code = Some(intent.reference_no.clone());
    } else {
        response.web_redirect_url = Some(session_page(env.base_url, WEBVIEW_PAGE, session));
    }
    answer(response_code, &response)
}

/// Call 2: the single-use token, the identical body, and the capture.
fn second_call(
    state: &mut State,
    env: &Env<'_>,
    client: &str,
    token: &str,
    body: &DirectDebitRequest,
    raw: &[u8],
) -> Handled {
    let invalid = || {
        fail(
            DEBIT,
            Case::InvalidCustomerToken,
            "singleUseToken is invalid, used or expired",
        )
    };
    let grant = state
        .single_use_tokens
        .get(token)
        .cloned()
        .ok_or_else(invalid)?;
    if grant.client_id != client || grant.reference != body.partner_reference_no {
        return Err(invalid());
    }
    let key = (client.to_owned(), grant.reference.clone());
    let mut intent = state.intents.get(&key).cloned().ok_or_else(invalid)?;
    if intent.body != minified(raw)? {
        return Err(fail(
            DEBIT,
            Case::DuplicatePartnerReferenceNo,
            "the body differs from the first call",
        ));
    }
    if grant.used {
        // Idempotent replay of the capturing call: the same answer, no second capture.
        return if intent.captured_with.as_deref() == Some(token) {
            Ok(debit_answer(env, &intent, &key.1, ""))
        } else {
            Err(invalid())
        };
    }
    if env.now >= grant.expires {
        return Err(invalid());
    }
    let opened = intent.webview_opened.unwrap_or(intent.created);
    if env.now >= opened + DEBIT_TIMEOUT {
        intent.status = TransactionStatus::Failed;
        state.intents.insert(key, intent);
        return Err(fail(
            DEBIT,
            Case::TransactionExpired,
            "the debit timed out 15 minutes after the webview opened",
        ));
    }
    if intent.status != TransactionStatus::Initiated {
        return Err(fail(
            DEBIT,
            Case::TransactionNotPermitted,
            "the payment is not waiting for confirmation",
        ));
    }
    if let Some(grant) = state.single_use_tokens.get_mut(token) {
        grant.used = true;
    }
    intent.captured_with = Some(token.to_owned());
    let captured = capture(state, env, client, &key.1, &mut intent);
    state.intents.insert(key.clone(), intent.clone());
    captured?;
    Ok(debit_answer(env, &intent, &key.1, ""))
}

/// Moves the money of an intent: points first when asked, then cash \[S\].
fn capture(
    state: &mut State,
    env: &Env<'_>,
    client: &str,
    reference: &str,
    intent: &mut Intent,
) -> Result<(), Reply> {
    let movement = Movement {
        at: env.now,
        channel: Channel::Snap,
        partner: client,
        account: intent.account,
        reference,
    };
    match wallet::capture(state, &movement, intent.amount, intent.points_first) {
        Ok(_) => {
            intent.status = TransactionStatus::Success;
            intent.paid = Some(env.now);
            crate::provider::outbox::snap_debit_paid(state, env, client, reference, intent);
            Ok(())
        }
        Err(WalletError::Insufficient) => {
            intent.status = TransactionStatus::Failed;
            Err(fail(DEBIT, Case::InsufficientFunds, ""))
        }
        Err(error) => Err(fail(DEBIT, Case::GeneralError, &format!("{error:?}"))),
    }
}

/// `GET /user/v1/oauth/token?grantType=authorization_code&code=<authCode>`: turns the payment
/// webview's code into the single-use token of call 2 \[S\]. OVO-signed and non-SNAP; the sandbox
/// checks the SNAP symmetric signature with the customer's access token \[I\].
pub(crate) fn generate_token(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, GENERATE)?;
    customer(state, env, &partner.client_id, &token, GENERATE)?;
    let params = request.query_params();
    if params.get("grantType").map(String::as_str) != Some("authorization_code") {
        return Err(fail(GENERATE, Case::InvalidFieldFormat, "grantType"));
    }
    let code = params.get("code").cloned().unwrap_or_default();
    let grant = state
        .auth_codes
        .get(&code)
        .filter(|g| g.client_id == partner.client_id && env.now < g.expires)
        .cloned()
        .ok_or_else(|| {
            fail(
                GENERATE,
                Case::InvalidCustomerToken,
                "code is invalid, used or expired",
            )
        })?;
    let Purpose::Payment { reference } = grant.purpose else {
        return Err(fail(
            GENERATE,
            Case::InvalidCustomerToken,
            "code is not a payment code",
        ));
    };
    state.auth_codes.remove(&code);
    let single_use = ids::token("sut")?;
    state.single_use_tokens.insert(
        single_use.clone(),
        SingleUseToken {
            client_id: partner.client_id,
            reference,
            expires: env.now + DEBIT_TIMEOUT,
            used: false,
        },
    );
    Ok(success(
        200,
        GENERATE,
        GenerateTokenResponse {
            single_use_token: Secret::new(single_use),
            expires_in: Some(ExpiresIn(DEBIT_TIMEOUT.as_secs())),
        },
    ))
}

/// `POST .../debit/status`, with the customer's access token: the B2B token "will be use only
/// for refund" \[S\], so it gets `401xx02` here. An unknown payment answers
/// `latestTransactionStatus: 07` (not found) \[P\].
pub(crate) fn status(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, STATUS)?;
    let client = partner.client_id;
    customer(state, env, &client, &token, STATUS)?;
    let body: DebitStatusRequest = parse(STATUS, &request.body)?;
    let found = state.intents.iter().find(|((c, reference), intent)| {
        *c == client
            && (body.original_partner_reference_no.as_deref() == Some(reference.as_str())
                || body.original_reference_no.as_deref() == Some(intent.reference_no.as_str())
                || body.original_external_id.as_deref() == Some(intent.external_id.as_str()))
    });
    let (response_code, response_message) = succeeded(200, STATUS);
    let mut response = DebitStatusResponse {
        response_code,
        response_message,
        original_partner_reference_no: body.original_partner_reference_no.clone(),
        original_reference_no: None,
        original_external_id: None,
        service_code: Some("54".to_owned()),
        approval_code: None,
        latest_transaction_status: TransactionStatus::NotFound,
        transaction_status_desc: Some("Not found".to_owned()),
        original_response_code: None,
        original_response_message: None,
        paid_time: None,
        refund_history: Vec::new(),
        amount: None,
        additional_info: None,
    };
    let Some(((_, reference), intent)) = found else {
        return Ok(answer(response_code, &response));
    };
    response.refund_history = state
        .refunds
        .iter()
        .filter(|((c, _), record)| *c == client && record.reference == *reference)
        .map(|((_, refund_no), record)| RefundHistory {
            refund_no: Some(record.refund_no.clone()),
            partner_refund_no: Some(refund_no.clone()),
            refund_amount: money(record.amount),
            refund_status: Some(TransactionStatus::Success),
            refund_date: Some(expiry(record.at)),
            reason: None,
        })
        .collect();
    response.original_partner_reference_no = Some(reference.clone());
    response.original_reference_no = Some(intent.reference_no.clone());
    response.original_external_id = Some(intent.external_id.clone());
    response.transaction_status_desc = Some(describe(&intent.status).to_owned());
    response.latest_transaction_status = intent.status.clone();
    response.paid_time = intent.paid.map(expiry);
    response.amount = money(intent.amount);
    Ok(answer(response_code, &response))
}

fn describe(status: &TransactionStatus) -> &'static str {
    match status {
        TransactionStatus::Success => "Success",
        TransactionStatus::Initiated => "Initiated",
        TransactionStatus::Paying => "Paying",
        TransactionStatus::Pending => "Pending",
        TransactionStatus::Refunded => "Refunded",
        TransactionStatus::Canceled => "Canceled",
        TransactionStatus::Failed => "Failed",
        _ => "Not found",
    }
}

/// `POST .../debit/refund` with the partner's B2B token; works after unbinding \[S\]. Full or
/// partial \[P\], within 60 days \[S\] and the partner's daily refund limit \[S\]; points first \[I\].
pub(crate) fn refund(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, token, _) = check_symmetric_call(env, state, request, REFUND)?;
    require_system_token(state, env, &partner.client_id, &token, REFUND)?;
    let body: RefundRequest = parse(REFUND, &request.body)?;
    let client = partner.client_id.clone();
    let minified = minified(&request.body)?;
    let refund_key = (client.clone(), body.partner_refund_no.clone());
    if let Some(record) = state.refunds.get(&refund_key) {
        if record.body != minified {
            return Err(fail(
                REFUND,
                Case::DuplicatePartnerReferenceNo,
                "partnerRefundNo already used",
            ));
        }
        return Ok(refund_answer(&body, record));
    }
    let key = (client.clone(), body.original_partner_reference_no.clone());
    let intent = state
        .intents
        .get(&key)
        .filter(|i| {
            matches!(
                i.status,
                TransactionStatus::Success | TransactionStatus::Refunded
            )
        })
        .cloned()
        .ok_or_else(|| {
            fail(
                REFUND,
                Case::TransactionNotFound,
                "no captured payment with this originalPartnerReferenceNo",
            )
        })?;
    if intent
        .paid
        .is_some_and(|paid| env.now > paid + REFUND_WINDOW)
    {
        return Err(fail(
            REFUND,
            Case::TransactionExpired,
            "the refund window of 60 days has passed",
        ));
    }
    let amount = body.refund_amount.value;
    if state.refunded_today(&client, env.now).sen() + amount.sen()
        > partner.daily_refund_limit.sen()
    {
        return Err(fail(
            REFUND,
            Case::ExceedsTransactionAmountLimit,
            "the daily refund limit is reached",
        ));
    }
    let movement = Movement {
        at: env.now,
        channel: Channel::Snap,
        partner: &client,
        account: intent.account,
        reference: &key.1,
    };
    match wallet::refund(state, &movement, &body.partner_refund_no, amount) {
        Ok(_) => {}
        Err(WalletError::Exceeds) => {
            return Err(fail(
                REFUND,
                Case::TransactionNotPermitted,
                "the refund exceeds what is left of the payment",
            ));
        }
        Err(error) => return Err(fail(REFUND, Case::GeneralError, &format!("{error:?}"))),
    }
    if wallet::remaining(state, &client, &key.1) == (Idr::ZERO, Idr::ZERO)
        && let Some(intent) = state.intents.get_mut(&key)
    {
        intent.status = TransactionStatus::Refunded;
    }
    let record = RefundRecord {
        reference: key.1.clone(),
        amount,
        refund_no: ids::random_hex(8)?,
        at: env.now,
        body: minified,
    };
    let answer = refund_answer(&body, &record);
    state.refunds.insert(refund_key, record);
    Ok(answer)
}

fn refund_answer(body: &RefundRequest, record: &RefundRecord) -> Reply {
    let (response_code, response_message) = succeeded(200, REFUND);
    answer(
        response_code,
        &RefundResponse {
            response_code,
            response_message,
            original_partner_reference_no: Some(body.original_partner_reference_no.clone()),
            original_reference_no: None,
            original_external_id: None,
            partner_trx_id: None,
            refund_no: record.refund_no.clone(),
            partner_refund_no: body.partner_refund_no.clone(),
            refund_amount: money(record.amount),
            refund_time: expiry(record.at),
            additional_info: None,
        },
    )
}

fn minified(body: &[u8]) -> Result<Vec<u8>, Reply> {
    ovo_sign::minify(body)
        .map(|m| m.into_owned())
        .map_err(|_| fail(DEBIT, Case::BadRequest, "malformed JSON body"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing test should fail loudly
mod tests {
    use http::{HeaderMap, HeaderName, Method, StatusCode};
    use ovo_sign::{ClientSecret, SignatureEncoding, SnapTimestampFormat};
    use time::OffsetDateTime;
    use time::macros::datetime;

    use super::*;
    use crate::config::SandboxConfig;
    use crate::provider::state::{Partner, SystemToken};

    /// A signed status inquiry with `token`, as plain data: no server, no socket.
    fn status_call(secret: &ClientSecret, now: OffsetDateTime, token: &str) -> Incoming {
        let path = "/OVOSNAP/v2.0/debit/status";
        let body = br#"{"originalPartnerReferenceNo":"INV-1","serviceCode":"54"}"#;
        let timestamp = SnapTimestampFormat::OVO.format(now).unwrap();
        let signed = ovo_sign::snap::ServiceRequest {
            method: "POST",
            path,
            access_token: token,
            body,
            timestamp: &timestamp,
        };
        let signature = ovo_sign::snap::sign_service(secret, &signed, SignatureEncoding::Base64)
            .unwrap()
            .into_header_value();
        let mut headers = HeaderMap::new();
        let bearer = format!("Bearer {token}");
        for (name, value) in [
            ("x-partner-id", "p"),
            ("x-timestamp", timestamp.as_str()),
            ("x-signature", signature.as_str()),
            ("x-external-id", "1"),
            ("channel-id", "95221"),
            ("x-device-id", "unit-test"),
            ("authorization", bearer.as_str()),
        ] {
            headers.insert(HeaderName::from_static(name), value.parse().unwrap());
        }
        Incoming {
            method: Method::POST,
            path: path.to_owned(),
            query: String::new(),
            headers,
            body: body.to_vec(),
            page: String::new(),
        }
    }

    #[test]
    fn the_status_rule_refuses_a_b2b_token_in_process() {
        let config = SandboxConfig::default();
        let key = ovo_sign::PrivateKey::from_pem(crate::PROVIDER_PRIVATE_KEY_PEM).unwrap();
        let now = datetime!(2026-12-01 10:00 UTC);
        let env = Env {
            now,
            config: &config,
            base_url: "http://sandbox.invalid",
            provider_key: &key,
        };
        let secret = ClientSecret::new("unit-test-secret").unwrap();
        let mut state = State::default();
        state.partners.insert(
            "p".to_owned(),
            Partner {
                client_id: "p".to_owned(),
                merchant_id: "p".to_owned(),
                secrets: vec![secret.clone()],
                public_keys: Vec::new(),
                callback_urls: Vec::new(),
                daily_refund_limit: Idr::ZERO,
            },
        );
        state.system_tokens.insert(
            "b2b-1".to_owned(),
            SystemToken {
                client_id: "p".to_owned(),
                expires: now + Duration::from_secs(900),
            },
        );
        let refused = status(&mut state, &env, &status_call(&secret, now, "b2b-1")).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
        assert_eq!(body["responseCode"], "4015502", "{body}");
        assert!(body.get("latestTransactionStatus").is_none());
    }
}
