//! Balance (11), the two-phase direct debit (54) with Generate Token, status (55), refund (58).

use std::time::Duration;

use ovo_model::snap::{
    BalanceInquiryRequest, DebitStatusRequest, DirectDebitRequest, RefundRequest,
    TransactionStatus, UrlParamType,
};
use ovo_model::{Case, Idr, ServiceCode};
use serde_json::{Value, json};

use super::linking::require_system_token;
use super::tokens::expiry;
use super::{check_symmetric_call, fail, parse, success};
use crate::exchange::{Handled, Incoming, Reply};
use crate::ids;
use crate::ledger::Channel;
use crate::route::WEBVIEW_PAGE;
use crate::server::Ctx;
use crate::state::{
    CustomerToken, Intent, Purpose, RefundRecord, SingleUseToken, State, WebviewSession,
};
use crate::wallet::{self, Movement, WalletError};

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

fn money(amount: Idr) -> Value {
    json!({"value": amount.to_snap_value(), "currency": "IDR"})
}

/// The partner's valid customer access token named in `Authorization`.
fn customer(
    state: &State,
    ctx: Ctx<'_>,
    client_id: &str,
    token: &str,
    service: ServiceCode,
) -> Result<CustomerToken, Reply> {
    state
        .access_tokens
        .get(token)
        .filter(|t| t.client_id == client_id && state.customer_token_valid(t, ctx.now))
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
pub(crate) fn balance(ctx: Ctx<'_>, request: &Incoming) -> Handled {
    let mut state = ctx.shared.state();
    let (partner, token, _) = check_symmetric_call(ctx, &mut state, request, BALANCE)?;
    let customer = customer(&state, ctx, &partner.client_id, &token, BALANCE)?;
    let body: BalanceInquiryRequest = parse(BALANCE, &request.body)?;
    let account = state
        .accounts
        .get(&customer.account)
        .ok_or_else(|| fail(BALANCE, Case::InvalidAccount, ""))?;
    Ok(success(
        200,
        BALANCE,
        json!({
            "partnerReferenceNo": body.partner_reference_no,
            "accountInfos": [
                {"balanceType": "CASH", "amount": money(account.cash), "availableBalance": money(account.cash)},
                {"balanceType": "POINTS", "amount": money(account.points), "availableBalance": money(account.points)},
            ],
        }),
    ))
}

/// `POST .../debit/payment-host-to-host`: call 1 with the access token opens the payment (nothing
/// moves) and answers `2025400` with the PIN webview; call 2 with the single-use token and the
/// identical body captures it \[S\]. A recurring debit (`subTransactionType: AUTO`) captures on call 1
/// when the sandbox is configured so (the default) \[I\].
pub(crate) fn debit(ctx: Ctx<'_>, request: &Incoming) -> Handled {
    let mut state = ctx.shared.state();
    let (partner, token, external_id) = check_symmetric_call(ctx, &mut state, request, DEBIT)?;
    let client = partner.client_id.clone();
    if state.single_use_tokens.contains_key(&token) {
        let body: DirectDebitRequest = parse(DEBIT, &request.body)?;
        return second_call(&mut state, ctx, &client, &token, &body, &request.body);
    }
    let customer = customer(&state, ctx, &client, &token, DEBIT)?;
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
            ctx,
            intent,
            &key.1,
            &webview_session_of(&state, &key),
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
        created: ctx.now,
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
    if intent.recurring && ctx.config().recurring_skips_pin {
        let captured = capture(&mut state, ctx, &client, &key.1, &mut intent);
        state.intents.insert(key.clone(), intent.clone());
        captured?;
        return Ok(debit_answer(ctx, &intent, &key.1, ""));
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
            expires: ctx.now + DEBIT_TIMEOUT,
            otp_passed: true,
        },
    );
    let answer = debit_answer(ctx, &intent, &key.1, &session);
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

fn debit_answer(ctx: Ctx<'_>, intent: &Intent, reference: &str, session: &str) -> Reply {
    if intent.status == TransactionStatus::Success {
        return success(
            200,
            DEBIT,
            json!({
                "partnerReferenceNo": reference,
                "referenceNo": intent.reference_no,
                "approvalCode": intent.reference_no,
            }),
        );
    }
    success(
        202,
        DEBIT,
        json!({
            "partnerReferenceNo": reference,
            "referenceNo": intent.reference_no,
            "webRedirectUrl": format!("{}{WEBVIEW_PAGE}?session={session}", ctx.shared.base_url),
        }),
    )
}

/// Call 2: the single-use token, the identical body, and the capture.
fn second_call(
    state: &mut State,
    ctx: Ctx<'_>,
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
            Ok(debit_answer(ctx, &intent, &key.1, ""))
        } else {
            Err(invalid())
        };
    }
    if ctx.now >= grant.expires {
        return Err(invalid());
    }
    let opened = intent.webview_opened.unwrap_or(intent.created);
    if ctx.now >= opened + DEBIT_TIMEOUT {
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
    let captured = capture(state, ctx, client, &key.1, &mut intent);
    state.intents.insert(key.clone(), intent.clone());
    captured?;
    Ok(debit_answer(ctx, &intent, &key.1, ""))
}

/// Moves the money of an intent: points first when asked, then cash \[S\].
fn capture(
    state: &mut State,
    ctx: Ctx<'_>,
    client: &str,
    reference: &str,
    intent: &mut Intent,
) -> Result<(), Reply> {
    let movement = Movement {
        at: ctx.now,
        channel: Channel::Snap,
        partner: client,
        account: intent.account,
        reference,
    };
    match wallet::capture(state, &movement, intent.amount, intent.points_first) {
        Ok(_) => {
            intent.status = TransactionStatus::Success;
            intent.paid = Some(ctx.now);
            crate::notify::snap_debit_paid(state, ctx, client, reference, intent);
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
pub(crate) fn generate_token(ctx: Ctx<'_>, request: &Incoming) -> Handled {
    let mut state = ctx.shared.state();
    let (partner, token, _) = check_symmetric_call(ctx, &mut state, request, GENERATE)?;
    customer(&state, ctx, &partner.client_id, &token, GENERATE)?;
    let params = request.query_params();
    if params.get("grantType").map(String::as_str) != Some("authorization_code") {
        return Err(fail(GENERATE, Case::InvalidFieldFormat, "grantType"));
    }
    let code = params.get("code").cloned().unwrap_or_default();
    let grant = state
        .auth_codes
        .get(&code)
        .filter(|g| g.client_id == partner.client_id && ctx.now < g.expires)
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
            expires: ctx.now + DEBIT_TIMEOUT,
            used: false,
        },
    );
    Ok(success(
        200,
        GENERATE,
        json!({
            "singleUseToken": single_use,
            "expiresIn": DEBIT_TIMEOUT.as_secs().to_string(),
        }),
    ))
}

/// `POST .../debit/status`, with the customer's access token: the B2B token "will be use only
/// for refund" \[S\], so it gets `401xx02` here. An unknown payment answers
/// `latestTransactionStatus: 07` (not found) \[P\].
pub(crate) fn status(ctx: Ctx<'_>, request: &Incoming) -> Handled {
    let mut state = ctx.shared.state();
    let (partner, token, _) = check_symmetric_call(ctx, &mut state, request, STATUS)?;
    let client = partner.client_id;
    customer(&state, ctx, &client, &token, STATUS)?;
    let body: DebitStatusRequest = parse(STATUS, &request.body)?;
    let found = state.intents.iter().find(|((c, reference), intent)| {
        *c == client
            && (body.original_partner_reference_no.as_deref() == Some(reference.as_str())
                || body.original_reference_no.as_deref() == Some(intent.reference_no.as_str())
                || body.original_external_id.as_deref() == Some(intent.external_id.as_str()))
    });
    let Some(((_, reference), intent)) = found else {
        return Ok(success(
            200,
            STATUS,
            json!({
                "originalPartnerReferenceNo": body.original_partner_reference_no,
                "serviceCode": "54",
                "latestTransactionStatus": "07",
                "transactionStatusDesc": "Not found",
            }),
        ));
    };
    let history: Vec<Value> = state
        .refunds
        .iter()
        .filter(|((c, _), record)| *c == client && record.reference == *reference)
        .map(|((_, refund_no), record)| {
            json!({
                "refundNo": record.refund_no,
                "partnerRefundNo": refund_no,
                "refundAmount": money(record.amount),
                "refundStatus": "00",
                "refundDate": expiry(record.at),
            })
        })
        .collect();
    let status = intent.status.clone();
    Ok(success(
        200,
        STATUS,
        json!({
            "originalPartnerReferenceNo": reference,
            "originalReferenceNo": intent.reference_no,
            "originalExternalId": intent.external_id,
            "serviceCode": "54",
            "latestTransactionStatus": status.as_str(),
            "transactionStatusDesc": describe(&status),
            "paidTime": intent.paid.map(expiry),
            "amount": money(intent.amount),
            "refundHistory": history,
        }),
    ))
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
pub(crate) fn refund(ctx: Ctx<'_>, request: &Incoming) -> Handled {
    let mut state = ctx.shared.state();
    let (partner, token, _) = check_symmetric_call(ctx, &mut state, request, REFUND)?;
    require_system_token(&state, ctx, &partner.client_id, &token, REFUND)?;
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
        .is_some_and(|paid| ctx.now > paid + REFUND_WINDOW)
    {
        return Err(fail(
            REFUND,
            Case::TransactionExpired,
            "the refund window of 60 days has passed",
        ));
    }
    let amount = body.refund_amount.value;
    if state.refunded_today(&client, ctx.now).sen() + amount.sen()
        > partner.daily_refund_limit.sen()
    {
        return Err(fail(
            REFUND,
            Case::ExceedsTransactionAmountLimit,
            "the daily refund limit is reached",
        ));
    }
    let movement = Movement {
        at: ctx.now,
        channel: Channel::Snap,
        partner: &client,
        account: intent.account,
        reference: &key.1,
    };
    match wallet::refund(&mut state, &movement, &body.partner_refund_no, amount) {
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
    if wallet::remaining(&state, &client, &key.1) == (Idr::ZERO, Idr::ZERO)
        && let Some(intent) = state.intents.get_mut(&key)
    {
        intent.status = TransactionStatus::Refunded;
    }
    let record = RefundRecord {
        reference: key.1.clone(),
        amount,
        refund_no: ids::random_hex(8)?,
        at: ctx.now,
        body: minified,
    };
    let answer = refund_answer(&body, &record);
    state.refunds.insert(refund_key, record);
    Ok(answer)
}

fn refund_answer(body: &RefundRequest, record: &RefundRecord) -> Reply {
    success(
        200,
        REFUND,
        json!({
            "originalPartnerReferenceNo": body.original_partner_reference_no,
            "partnerRefundNo": body.partner_refund_no,
            "refundNo": record.refund_no,
            "refundAmount": money(record.amount),
            "refundTime": expiry(record.at),
        }),
    )
}

fn minified(body: &[u8]) -> Result<Vec<u8>, Reply> {
    ovo_sign::minify(body)
        .map(|m| m.into_owned())
        .map_err(|_| fail(DEBIT, Case::BadRequest, "malformed JSON body"))
}
