//! DOKU "OVO Recurring": the six endpoints, DOKU signature checks, the registration page.

use std::time::Duration;

use http::StatusCode;
use ovo_model::doku::{
    BalanceRequest, BalanceResponse, Balances, BindingRequest, BindingResponse, Customer,
    DokuError, DokuErrorBody, PaymentRequest, PaymentResponse, PaymentResult, PaymentStatus,
    RefundDetail, RefundRequest, RefundResponse, RefundStatus, RegistrationAccount,
    RegistrationStatus, TokenData, TokenListRequest, TokenListResponse, TokenType, UnbindRequest,
    UnbindResponse, UnbindResult, Wallet,
};
use ovo_model::endpoint::header;
use ovo_model::{DokuAmount, ModelError, Secret, Validate};
use ovo_sign::doku::Components;
use serde::de::DeserializeOwned;

use crate::provider::Env;
use crate::provider::challenge::{self, Outcome};
use crate::provider::exchange::{Handled, Incoming, Page, Reply, Submitted};
use crate::provider::ids;
use crate::provider::ledger::Channel;
use crate::provider::outbox;
use crate::provider::state::{
    AccountId, AccountStatus, DokuPartner, DokuPayment, DokuPaymentPage, DokuPaymentStatus,
    DokuRegistration, DokuToken, State,
};
use crate::provider::wallet::{self, Movement, WalletError};
use crate::provider::{DOKU_PAYMENT_PAGE, DOKU_REGISTRATION};

/// A DOKU OVO token is valid one year \[S\].
const TOKEN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// How long a payment's PIN page stays open: OVO's webview timeout, 15 minutes \[S\].
const PAYMENT_PAGE_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long the registration page stays open \[I\].
const REGISTRATION_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// DOKU's error answer: `{"error":{"code","message","type"}}` \[P\].
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &DokuErrorBody {
            error: DokuError {
                code: code.to_owned(),
                message: message.to_owned(),
                kind: "invalid_request_error".to_owned(),
            },
        },
    )
}

/// Headers, timestamp window, signature and `Request-Id` uniqueness of a DOKU request.
fn check(
    env: &Env<'_>,
    state: &mut State,
    request: &Incoming,
) -> Result<(DokuPartner, String), Reply> {
    let header = |name: &str| {
        request
            .header(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "invalid_header",
                    &format!("missing header {name}"),
                )
            })
    };
    let client_id = header(header::CLIENT_ID)?;
    let request_id = header(header::REQUEST_ID)?;
    let timestamp = header(header::REQUEST_TIMESTAMP)?;
    let signature = header(header::SIGNATURE)?;
    if request_id.chars().count() > 128 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_header",
            "Request-Id is longer than 128 characters",
        ));
    }
    let partner = state.doku_partners.get(client_id).cloned().ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_client_id",
            "Invalid Client-Id",
        )
    })?;
    let at = ovo_sign::parse_doku_timestamp(timestamp).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_header",
            "Request-Timestamp is not yyyy-MM-ddTHH:mm:ssZ",
        )
    })?;
    if (env.now - at).unsigned_abs() > env.config.timestamp_window {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "invalid_timestamp",
            "Request-Timestamp is outside the accepted window",
        ));
    }
    let components = Components::post(
        client_id,
        request_id,
        timestamp,
        &request.path,
        &request.body,
    );
    ovo_sign::doku::verify(&partner.secrets, &components, signature).map_err(|_| {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "Invalid Header Signature",
        )
    })?;
    if !state
        .doku_request_ids
        .insert((partner.client_id.clone(), request_id.to_owned()))
    {
        return Err(error(
            StatusCode::CONFLICT,
            "duplicate_request_id",
            "Request-Id was already used",
        ));
    }
    Ok((partner, request_id.to_owned()))
}

fn parse<T: DeserializeOwned + Validate>(body: &[u8]) -> Result<T, Reply> {
    ovo_model::from_json(body).map_err(|e| match e {
        ModelError::Field(field) => error(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            &field.to_string(),
        ),
        _ => error(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "malformed JSON body",
        ),
    })
}

/// The partner's valid token for this customer.
fn valid_token(
    state: &State,
    env: &Env<'_>,
    client_id: &str,
    customer_id: &str,
    token_id: &str,
) -> Result<DokuToken, Reply> {
    state
        .doku_tokens
        .get(token_id)
        .filter(|t| {
            t.client_id == client_id
                && t.customer_id == customer_id
                && t.active
                && env.now < t.expires
        })
        .filter(|t| {
            state
                .accounts
                .get(&t.account)
                .is_some_and(|a| a.generation == t.generation && a.status == AccountStatus::Active)
        })
        .cloned()
        .ok_or_else(|| {
            error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "token_id is invalid, expired or deleted",
            )
        })
}

/// `POST /ovo-open-api/v1/token`: 201 with a registration page, status `PENDING` \[S\].
pub(crate) fn binding(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, _) = check(env, state, request)?;
    let body: BindingRequest = parse(&request.body)?;
    if let Some((account, _)) = state.account_by_phone(&body.ovo_account.account_mobile_phone)
        && bound_elsewhere(state, env, &partner.client_id, &body.customer.id, account)
    {
        return Err(error(
            StatusCode::CONFLICT,
            "account_already_bound",
            "this OVO account is bound to another customer of this merchant",
        ));
    }
    let session = ids::token("reg")?;
    state.doku_registrations.insert(
        session.clone(),
        DokuRegistration {
            client_id: partner.client_id,
            customer_id: body.customer.id.clone(),
            phone: body.ovo_account.account_mobile_phone.clone(),
            success_url: body.ovo_account.success_registration_url.clone(),
            failed_url: body.ovo_account.failed_registration_url.clone(),
            expires: env.now + REGISTRATION_LIFETIME,
        },
    );
    Ok(Reply::json(
        StatusCode::CREATED,
        &BindingResponse {
            customer: body.customer,
            ovo_account: RegistrationAccount {
                account_mobile_phone: None,
                registration_url: format!("{}{DOKU_REGISTRATION}{session}", env.base_url),
                status: RegistrationStatus::Pending,
            },
        },
    ))
}

/// Whether `account` is bound, by a live token, to another customer of this merchant: "each OVO
/// account can only binding to one customer on one merchant" \[S\].
fn bound_elsewhere(
    state: &State,
    env: &Env<'_>,
    client_id: &str,
    customer_id: &str,
    account: crate::provider::state::AccountId,
) -> bool {
    state.doku_tokens.values().any(|t| {
        t.client_id == client_id
            && t.account == account
            && t.customer_id != customer_id
            && t.active
            && env.now < t.expires
    })
}

/// `GET /ovo-open-api/registration/{session}`: OVO's OTP and PIN page.
pub(crate) fn registration_page(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let session = request.page.clone();
    let registration = open_registration(state, env, &session)?;
    let account = state
        .account_by_phone(&registration.phone)
        .map(|(id, _)| id);
    if let Some(account) = account.and_then(|id| state.accounts.get_mut(&id))
        && !challenge::request_otp(account, env.now)
    {
        return Ok(Reply::redirect(registration.failed_url));
    }
    Ok(registration_form(&session, None))
}

/// The OTP and PIN the customer entered, from the page's form or its JSON (the headless
/// submit); a missing field is empty, and so refused as a wrong code.
fn entered_codes(request: &Incoming, json_mode: bool) -> (String, String) {
    if json_mode {
        let value: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let field = |name: &str| {
            value
                .get(name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        (field("otp"), field("pin"))
    } else {
        let mut form = request.form_params();
        (
            form.remove("otp").unwrap_or_default(),
            form.remove("pin").unwrap_or_default(),
        )
    }
}

/// Binds `account` to the registration's customer: a new token, and the customer's older tokens
/// at this merchant end (one OVO account per customer of a merchant \[S\]).
fn bind(
    state: &mut State,
    env: &Env<'_>,
    registration: &DokuRegistration,
    account: AccountId,
    generation: u64,
) -> Result<(), Reply> {
    let token_id = ids::random_hex(16)?;
    for token in state.doku_tokens.values_mut() {
        if token.client_id == registration.client_id
            && token.customer_id == registration.customer_id
        {
            token.active = false;
        }
    }
    state.doku_tokens.insert(
        token_id,
        DokuToken {
            client_id: registration.client_id.clone(),
            customer_id: registration.customer_id.clone(),
            account,
            generation,
            expires: env.now + TOKEN_LIFETIME,
            active: true,
        },
    );
    Ok(())
}

/// `POST /ovo-open-api/registration/{session}` (form, or JSON `{"otp","pin"}`): on success the
/// token is created and the customer returns to `success_registration_url` \[S\].
pub(crate) fn registration_submit(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let session = request.page.clone();
    let json_mode = request
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"));
    let (otp, pin) = entered_codes(request, json_mode);
    let registration = open_registration(state, env, &session)?;
    let outcome = match state
        .account_by_phone(&registration.phone)
        .map(|(id, _)| id)
    {
        Some(id) => match state.accounts.get_mut(&id) {
            Some(account) if account.status == AccountStatus::Active => (
                challenge::submit(account, env.now, Some(&otp), &pin),
                Some((id, account.generation)),
            ),
            _ => (Outcome::Blocked, None),
        },
        None => (Outcome::Blocked, None),
    };
    let location = match outcome {
        (Outcome::Passed, Some((account, _)))
            if bound_elsewhere(
                state,
                env,
                &registration.client_id,
                &registration.customer_id,
                account,
            ) =>
        {
            // Another customer of this merchant bound the account meanwhile \[S\].
            state.doku_registrations.remove(&session);
            registration.failed_url
        }
        (Outcome::Passed, Some((account, generation))) => {
            bind(state, env, &registration, account, generation)?;
            state.doku_registrations.remove(&session);
            registration.success_url
        }
        (Outcome::WrongOtp { attempts_left } | Outcome::WrongPin { attempts_left }, _) => {
            return Ok(if json_mode {
                Reply::json(
                    StatusCode::OK,
                    &Submitted::Refused {
                        error: "wrong OTP or PIN",
                        retry_attempts_left: Some(attempts_left),
                    },
                )
            } else {
                registration_form(
                    &session,
                    Some(&format!("Wrong OTP or PIN. {attempts_left} attempts left.")),
                )
            });
        }
        _ => {
            state.doku_registrations.remove(&session);
            registration.failed_url
        }
    };
    Ok(if json_mode {
        Reply::json(
            StatusCode::OK,
            &Submitted::Redirect {
                redirect: &location,
            },
        )
    } else {
        Reply::redirect(location)
    })
}

fn open_registration(
    state: &State,
    env: &Env<'_>,
    session: &str,
) -> Result<DokuRegistration, Reply> {
    state
        .doku_registrations
        .get(session)
        .filter(|r| env.now < r.expires)
        .cloned()
        .ok_or_else(|| Reply::text(StatusCode::GONE, "This registration page has expired"))
}

fn registration_form(session: &str, error: Option<&str>) -> Reply {
    Reply::page(
        StatusCode::OK,
        Page::DokuRegistration {
            session: session.to_owned(),
            error: error.map(str::to_owned),
        },
    )
}

/// `POST /tokenization/v1/tokens` \[S\].
pub(crate) fn tokens(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, _) = check(env, state, request)?;
    let body: TokenListRequest = parse(&request.body)?;
    let (token_id, token) = state
        .doku_tokens
        .iter()
        .find(|(_, t)| {
            t.client_id == partner.client_id
                && t.customer_id == body.customer.id
                && t.active
                && env.now < t.expires
        })
        .map(|(id, t)| (id.clone(), t.clone()))
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "token_not_found",
                "the customer has no active token",
            )
        })?;
    let phone = state
        .accounts
        .get(&token.account)
        .map(|a| a.phone.clone())
        .unwrap_or_default();
    let masked_phone = format!(
        "****{}",
        phone
            .get(phone.len().saturating_sub(4)..)
            .unwrap_or_default()
    );
    Ok(Reply::json(
        StatusCode::OK,
        &TokenListResponse {
            customer: Customer {
                id: body.customer.id,
                name: body.customer.name,
                email: None,
                phone: None,
                additional_info: None,
            },
            token_data: TokenData {
                kind: Some(TokenType::WalletRecurring),
            },
            wallet: Wallet {
                issuer: "OVO".to_owned(),
                token_id: Secret::new(token_id),
                masked_phone_number: masked_phone,
            },
        },
    ))
}

/// `POST /ovo-open-api/v1/balance` \[S\].
pub(crate) fn balance(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, _) = check(env, state, request)?;
    let body: BalanceRequest = parse(&request.body)?;
    let token = valid_token(
        state,
        env,
        &partner.client_id,
        &body.customer.id,
        body.ovo_account.token_id.expose(),
    )?;
    let account = state.accounts.get(&token.account).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "account_not_found",
            "account not found",
        )
    })?;
    Ok(Reply::json(
        StatusCode::CREATED,
        &BalanceResponse {
            customer: body.customer,
            ovo_account: Balances {
                ovo_cash_balance: DokuAmount(account.cash.sen() / 100),
                ovo_point_balance: DokuAmount(account.points.sen() / 100),
            },
        },
    ))
}

/// `POST /ovo-open-api/v1/payment-recurring`: points first with `payment_use_ovo_point` \[S\];
/// `invoice_number` unique per client id \[S\]. Notifies the merchant when configured \[P\].
pub(crate) fn payment(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, request_id) = check(env, state, request)?;
    let body: PaymentRequest = parse(&request.body)?;
    let token = valid_token(
        state,
        env,
        &partner.client_id,
        &body.customer.id,
        body.ovo_account.token_id.expose(),
    )?;
    let key = (partner.client_id.clone(), body.order.invoice_number.clone());
    if state.doku_payments.contains_key(&key) {
        return Err(error(
            StatusCode::CONFLICT,
            "duplicate_invoice_number",
            "invoice_number was already used",
        ));
    }
    let amount = body.order.amount.idr();
    let use_points = body
        .ovo_account
        .payment_use_ovo_point
        .is_some_and(|flag| flag.0);
    let mut payment = DokuPayment {
        request_id: request_id.clone(),
        invoice_number: key.1.clone(),
        account: token.account,
        status: DokuPaymentStatus::Pending,
        amount,
        use_points,
    };
    let mut answer = PaymentResponse {
        customer: body.customer,
        additional_info: body.additional_info,
        order: body.order,
        payment: PaymentResult {
            status: PaymentStatus::Pending,
            authorization_url: None,
        },
    };
    if env
        .config
        .doku_pin
        .needs_pin(body.ovo_account.first_payment)
    {
        let page = ids::token("pay")?;
        state.doku_payment_pages.insert(
            page.clone(),
            DokuPaymentPage {
                client_id: partner.client_id.clone(),
                invoice_number: key.1.clone(),
                expires: env.now + PAYMENT_PAGE_LIFETIME,
            },
        );
        state.doku_payments.insert(key, payment);
        answer.payment.authorization_url =
            Some(format!("{}{DOKU_PAYMENT_PAGE}{page}", env.base_url));
        return Ok(Reply::json(StatusCode::CREATED, &answer));
    }
    settle(state, env, &partner, &mut payment)?;
    outbox::doku_payment(state, env, &partner, &payment);
    state.doku_payments.insert(key, payment);
    answer.payment.status = PaymentStatus::Success;
    Ok(Reply::json(StatusCode::CREATED, &answer))
}

/// Captures a payment (points first with `payment_use_ovo_point` \[S\]); an insufficient balance
/// fails it.
fn settle(
    state: &mut State,
    env: &Env<'_>,
    partner: &DokuPartner,
    payment: &mut DokuPayment,
) -> Result<(), Reply> {
    let movement = Movement {
        at: env.now,
        channel: Channel::Doku,
        partner: &partner.client_id,
        account: payment.account,
        reference: &payment.invoice_number,
    };
    let captured = wallet::capture(state, &movement, payment.amount, payment.use_points);
    payment.status = if captured.is_ok() {
        DokuPaymentStatus::Success
    } else {
        DokuPaymentStatus::Failed
    };
    match captured {
        Ok(_) => Ok(()),
        Err(WalletError::Insufficient) => Err(error(
            StatusCode::BAD_REQUEST,
            "insufficient_balance",
            "the OVO balance is insufficient",
        )),
        Err(problem) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ledger",
            &format!("{problem:?}"),
        )),
    }
}

/// `GET /ovo-open-api/payment/{page}`: OVO's PIN page for a `PENDING` payment \[S\]\[I: path\].
pub(crate) fn payment_page(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let page = request.page.clone();
    open_payment_page(state, env, &page)?;
    Ok(payment_form(&page, None))
}

/// `POST /ovo-open-api/payment/{page}` (form, or JSON `{"pin"}`): the right PIN captures the
/// payment; its outcome reaches the merchant by notification \[S\]. Too many wrong PINs fail it.
pub(crate) fn payment_submit(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let page = request.page.clone();
    let json_mode = is_json(request);
    let pin = submitted(request, json_mode, "pin");
    let (partner, key) = open_payment_page(state, env, &page)?;
    let mut payment = state.doku_payments.get(&key).cloned().ok_or_else(gone)?;
    let outcome = match state.accounts.get_mut(&payment.account) {
        Some(account) if account.status == AccountStatus::Active => {
            challenge::submit(account, env.now, None, &pin)
        }
        _ => Outcome::Blocked,
    };
    match outcome {
        Outcome::WrongOtp { attempts_left } | Outcome::WrongPin { attempts_left } => {
            return Ok(if json_mode {
                Reply::json(
                    StatusCode::OK,
                    &Submitted::Refused {
                        error: "wrong PIN",
                        retry_attempts_left: Some(attempts_left),
                    },
                )
            } else {
                payment_form(
                    &page,
                    Some(&format!("Wrong PIN. {attempts_left} attempts left.")),
                )
            });
        }
        Outcome::Passed => {
            // An insufficient balance is the payment's outcome, told by notification.
            let _ = settle(state, env, &partner, &mut payment);
        }
        Outcome::Blocked => payment.status = DokuPaymentStatus::Failed,
    }
    outbox::doku_payment(state, env, &partner, &payment);
    state.doku_payment_pages.remove(&page);
    let status = payment.status.as_str();
    state.doku_payments.insert(key, payment);
    Ok(if json_mode {
        Reply::json(StatusCode::OK, &Submitted::Done { status })
    } else {
        Reply::page(
            StatusCode::OK,
            Page::DokuPaymentDone {
                status: status.to_owned(),
            },
        )
    })
}

fn gone() -> Reply {
    Reply::text(StatusCode::GONE, "This page has expired")
}

/// The open payment page `page`: its merchant and the payment's key.
fn open_payment_page(
    state: &State,
    env: &Env<'_>,
    page: &str,
) -> Result<(DokuPartner, (String, String)), Reply> {
    let open = state
        .doku_payment_pages
        .get(page)
        .filter(|p| env.now < p.expires)
        .ok_or_else(gone)?;
    let partner = state
        .doku_partners
        .get(&open.client_id)
        .cloned()
        .ok_or_else(gone)?;
    Ok((
        partner,
        (open.client_id.clone(), open.invoice_number.clone()),
    ))
}

fn is_json(request: &Incoming) -> bool {
    request
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
}

/// A submitted field, from JSON or a form.
fn submitted(request: &Incoming, json_mode: bool, name: &str) -> String {
    if json_mode {
        serde_json::from_slice::<serde_json::Value>(&request.body)
            .ok()
            .and_then(|value| value.get(name)?.as_str().map(str::to_owned))
            .unwrap_or_default()
    } else {
        request.form_params().remove(name).unwrap_or_default()
    }
}

fn payment_form(page: &str, error: Option<&str>) -> Reply {
    Reply::page(
        StatusCode::OK,
        Page::DokuPayment {
            page: page.to_owned(),
            error: error.map(str::to_owned),
        },
    )
}

/// `POST /ovo-open-api/v1/payment-refund`: by the payment's `Request-Id`; points first \[S\].
pub(crate) fn refund(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, _) = check(env, state, request)?;
    let body: RefundRequest = parse(&request.body)?;
    let key = (partner.client_id.clone(), body.order.invoice_number.clone());
    let payment = state
        .doku_payments
        .get(&key)
        .filter(|p| {
            p.request_id == body.payment.original_request_id
                && p.status == DokuPaymentStatus::Success
        })
        .cloned()
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "transaction_not_found",
                "no payment with this invoice_number and original_request_id",
            )
        })?;
    let movement = Movement {
        at: env.now,
        channel: Channel::Doku,
        partner: &partner.client_id,
        account: payment.account,
        reference: &payment.invoice_number,
    };
    let refund_reference = ids::random_hex(8)?;
    let outcome = match wallet::refund(
        state,
        &movement,
        &refund_reference,
        body.refund.amount.idr(),
    ) {
        Ok(_) => (RefundStatus::Success, "SUCCESS"),
        Err(WalletError::Exceeds) => (RefundStatus::Failed, "EXCEEDED"),
        Err(problem) => {
            return Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ledger",
                &format!("{problem:?}"),
            ));
        }
    };
    Ok(Reply::json(
        StatusCode::CREATED,
        &RefundResponse {
            order: body.order,
            payment: body.payment,
            refund: RefundDetail {
                amount: body.refund.amount,
                reason: body.refund.reason,
                status: Some(outcome.0),
                message: Some(outcome.1.to_owned()),
            },
        },
    ))
}

/// `POST /ovo-open-api/v1/token-delete` \[S\].
pub(crate) fn unbind(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let (partner, _) = check(env, state, request)?;
    let body: UnbindRequest = parse(&request.body)?;
    let token_id = body.ovo_account.token_id.expose().to_owned();
    valid_token(state, env, &partner.client_id, &body.customer.id, &token_id)?;
    if let Some(token) = state.doku_tokens.get_mut(&token_id) {
        token.active = false;
    }
    Ok(Reply::json(
        StatusCode::CREATED,
        &UnbindResponse {
            customer: body.customer,
            ovo_account: UnbindResult {
                token_id: Secret::new(token_id),
                status: "SUCCESS".to_owned(),
                message: Some("Success Unbinding Ovo Account".to_owned()),
            },
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failing test should fail loudly
mod tests {
    use ovo_model::Idr;
    use serde_json::{Value, json};

    use super::*;
    use crate::provider::state::AccountId;
    use crate::provider::testkit::{DokuCall, NOW, WRONG_SECRET, World, doku_code, json};

    const PAYMENT_PATH: &str = "/ovo-open-api/v1/payment-recurring";
    const REFUND_PATH: &str = "/ovo-open-api/v1/payment-refund";
    const CUSTOMER: &str = "c1";
    /// One second beyond the default window of 300 s.
    const LATE: Duration = Duration::from_secs(301);

    fn pay_body(token: &str, invoice: &str, amount: u64) -> Value {
        json!({
            "customer": {"id": CUSTOMER},
            "order": {"invoice_number": invoice, "amount": amount},
            "ovo_account": {"token_id": token, "payment_use_ovo_point": false},
        })
    }

    /// A DOKU customer with 100 000 rupiah.
    fn customer() -> (World, AccountId, String) {
        let mut world = World::new();
        let (account, token) = world.doku_customer(CUSTOMER, 100_000);
        (world, account, token)
    }

    /// A payment of 25 000 for `invoice` as `request_id`.
    fn pay(token: &str, request_id: &str, invoice: &str) -> DokuCall {
        DokuCall::post(PAYMENT_PATH, request_id, &pay_body(token, invoice, 25_000))
    }

    /// Sends a payment of 25 000 for `invoice` as `request_id`.
    fn attempt(world: &mut World, token: &str, request_id: &str, invoice: &str) -> Handled {
        world.call(payment, &pay(token, request_id, invoice).signed())
    }

    /// What the customer paid for `invoice`, and their cash.
    fn money(world: &World, account: AccountId, invoice: &str) -> (Vec<(&'static str, Idr)>, Idr) {
        (world.movements(invoice), world.cash(account))
    }

    fn refused(status: StatusCode, code: &str) -> (StatusCode, String) {
        (status, code.to_owned())
    }

    fn captured(world: &World, account: AccountId, invoice: &str) -> bool {
        money(world, account, invoice)
            == (
                vec![("capture", Idr::from_rupiah(25_000))],
                Idr::from_rupiah(75_000),
            )
    }

    #[test]
    fn each_refused_request_gets_its_code_and_claims_no_request_id() {
        let token = customer().2;
        let good = pay(&token, "req-1", "INV-1");
        let invalid_header = refused(StatusCode::BAD_REQUEST, "invalid_header");
        let invalid_signature = refused(StatusCode::UNAUTHORIZED, "invalid_signature");
        let outside = refused(StatusCode::UNAUTHORIZED, "invalid_timestamp");
        let cases = [
            (good.signed().without("Client-Id"), invalid_header.clone()),
            (good.signed().without("Request-Id"), invalid_header.clone()),
            (
                good.signed().without("Request-Timestamp"),
                invalid_header.clone(),
            ),
            (good.signed().without("Signature"), invalid_header.clone()),
            (good.signed().with("Signature", ""), invalid_header.clone()),
            (
                pay(&token, &"r".repeat(129), "INV-1").signed(),
                invalid_header.clone(),
            ),
            (
                DokuCall {
                    client_id: "q".to_owned(),
                    ..good.clone()
                }
                .signed(),
                refused(StatusCode::UNAUTHORIZED, "invalid_client_id"),
            ),
            (
                DokuCall {
                    timestamp: "2026-12-01T17:00:00+07:00".to_owned(),
                    ..good.clone()
                }
                .signed(),
                invalid_header.clone(),
            ),
            (
                DokuCall {
                    timestamp: "2026-12-01 10:00:00".to_owned(),
                    ..good.clone()
                }
                .signed(),
                invalid_header,
            ),
            (good.clone().at(NOW - LATE).signed(), outside.clone()),
            (good.clone().at(NOW + LATE).signed(), outside),
            (
                DokuCall {
                    secret: WRONG_SECRET.to_owned(),
                    ..good.clone()
                }
                .signed(),
                invalid_signature.clone(),
            ),
            (
                Incoming {
                    body: serde_json::to_vec(&pay_body(&token, "INV-1", 1)).unwrap(),
                    ..good.signed()
                },
                invalid_signature.clone(),
            ),
            (
                Incoming {
                    path: REFUND_PATH.to_owned(),
                    ..good.signed()
                },
                invalid_signature,
            ),
        ];
        for (request, expected) in cases {
            let (mut world, account, _) = customer();
            let answer = world.call(payment, &request).unwrap_err();
            assert_eq!(doku_code(&answer), expected, "{:?}", request.headers);
            assert_eq!(
                money(&world, account, "INV-1"),
                (Vec::new(), Idr::from_rupiah(100_000))
            );
            let paid = world.call(payment, &good.signed()).unwrap();
            assert_eq!(paid.status, StatusCode::CREATED, "{:?}", request.headers);
            assert!(captured(&world, account, "INV-1"), "{:?}", request.headers);
        }
    }

    #[test]
    fn the_window_holds_its_edges_and_a_request_id_may_have_128_characters() {
        let (_, _, token) = customer();
        let window = Duration::from_secs(300);
        for call in [
            pay(&token, "req-1", "INV-1").at(NOW - window),
            pay(&token, "req-1", "INV-1").at(NOW + window),
            pay(&token, &"r".repeat(128), "INV-1"),
        ] {
            let (mut world, account, _) = customer();
            let paid = world.call(payment, &call.signed()).unwrap();
            assert_eq!(paid.status, StatusCode::CREATED, "{call:?}");
            assert!(captured(&world, account, "INV-1"), "{call:?}");
        }
    }

    #[test]
    fn a_payment_is_captured_once() {
        let (mut world, account, token) = customer();
        let paid = attempt(&mut world, &token, "req-1", "INV-1").unwrap();
        assert_eq!(paid.status, StatusCode::CREATED);
        assert_eq!(json(&paid)["payment"]["status"], "SUCCESS");
        assert!(captured(&world, account, "INV-1"));
        // The same Request-Id again, even for another invoice: refused, nothing moves.
        let reused = attempt(&mut world, &token, "req-1", "INV-2").unwrap_err();
        assert_eq!(
            doku_code(&reused),
            refused(StatusCode::CONFLICT, "duplicate_request_id")
        );
        assert_eq!(world.movements("INV-2"), Vec::new());
        // The same invoice with a new Request-Id: refused, not captured again.
        let again = attempt(&mut world, &token, "req-2", "INV-1").unwrap_err();
        assert_eq!(
            doku_code(&again),
            refused(StatusCode::CONFLICT, "duplicate_invoice_number")
        );
        assert!(captured(&world, account, "INV-1"));
    }

    #[test]
    fn insufficient_funds_are_refused_with_nothing_captured() {
        let (mut world, account, token) = customer();
        let call = DokuCall::post(PAYMENT_PATH, "req-1", &pay_body(&token, "INV-1", 100_001));
        let refused_payment = world.call(payment, &call.signed()).unwrap_err();
        assert_eq!(
            doku_code(&refused_payment),
            refused(StatusCode::BAD_REQUEST, "insufficient_balance")
        );
        assert_eq!(
            money(&world, account, "INV-1"),
            (Vec::new(), Idr::from_rupiah(100_000))
        );
    }

    #[test]
    fn a_refund_never_returns_more_than_was_captured() {
        let (mut world, account, token) = customer();
        attempt(&mut world, &token, "req-1", "INV-1").unwrap();
        let refund_call = |request_id: &str, amount: u64| {
            DokuCall::post(
                REFUND_PATH,
                request_id,
                &json!({
                    "order": {"invoice_number": "INV-1"},
                    "payment": {"original_request_id": "req-1"},
                    "refund": {"amount": amount, "reason": "Cancel Order"},
                }),
            )
            .signed()
        };
        let over = world.call(refund, &refund_call("rf-1", 25_001)).unwrap();
        assert_eq!(over.status, StatusCode::CREATED);
        assert_eq!(json(&over)["refund"]["status"], "FAILED");
        assert_eq!(json(&over)["refund"]["message"], "EXCEEDED");
        assert!(captured(&world, account, "INV-1"));
        let whole = world.call(refund, &refund_call("rf-2", 25_000)).unwrap();
        assert_eq!(json(&whole)["refund"]["status"], "SUCCESS");
        let refunded = (
            vec![
                ("capture", Idr::from_rupiah(25_000)),
                ("refund", Idr::from_rupiah(25_000)),
            ],
            Idr::from_rupiah(100_000),
        );
        assert_eq!(money(&world, account, "INV-1"), refunded);
        let twice = world.call(refund, &refund_call("rf-3", 1)).unwrap();
        assert_eq!(json(&twice)["refund"]["message"], "EXCEEDED");
        assert_eq!(money(&world, account, "INV-1"), refunded);
    }
}
