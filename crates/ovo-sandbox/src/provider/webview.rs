//! OVO's webview, played by the sandbox: a real page (rendered as HTML by the shell) where the customer types the OTP (in
//! staging, the phone's last four digits \[S\]) and the PIN, which redirects to the partner's
//! `destination?response=<url-encoded JSON>` \[S\]. Wrong entries keep the page, without redirect \[S\].
//! The same submit accepts JSON (`{"session","destination","state","otp","pin"}`) for tests.

use std::time::Duration;

use http::StatusCode;
use ovo_model::Secret;
use ovo_model::snap::WebviewCallback;
use serde::Deserialize;
use url::Url;

use crate::provider::Env;
use crate::provider::challenge::{self, Outcome};
use crate::provider::exchange::{Handled, Incoming, Page, Reply, Submitted};
use crate::provider::ids;
use crate::provider::state::{AuthCode, Purpose, State, WebviewSession};

/// How long a webview's code may wait for its exchange \[I\].
const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The fields of a submission, from a form or JSON.
#[derive(Debug, Default, Deserialize)]
struct Submission {
    session: String,
    destination: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    otp: Option<String>,
    #[serde(default)]
    pin: String,
}

/// `GET /cellblockui/partner/activation?token=<linkageToken>|session=<payment session>&destination=..`.
pub(crate) fn page(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let params = request.query_params();
    let key = params
        .get("token")
        .or_else(|| params.get("session"))
        .cloned()
        .unwrap_or_default();
    let destination = params.get("destination").cloned().unwrap_or_default();
    let state_param = params.get("state").cloned();
    let session = open_session(state, env, &key, &destination)?;
    if let Purpose::Payment { reference } = &session.purpose
        && let Some(intent) = state
            .intents
            .get_mut(&(session.client_id.clone(), reference.clone()))
    {
        intent.webview_opened.get_or_insert(env.now);
    }
    let needs_otp = session.purpose == Purpose::Binding && !session.otp_passed;
    let account = state
        .accounts
        .get_mut(&session.account)
        .ok_or_else(|| message_page(StatusCode::NOT_FOUND, "Account not found"))?;
    if needs_otp && !challenge::request_otp(account, env.now) {
        return Err(message_page(
            StatusCode::FORBIDDEN,
            "Too many attempts: try again later",
        ));
    }
    if challenge::blocked(account, env.now) {
        return Err(message_page(
            StatusCode::FORBIDDEN,
            "Too many attempts: try again later",
        ));
    }
    Ok(form(
        &key,
        &destination,
        state_param.as_deref(),
        needs_otp,
        None,
    ))
}

/// `POST /cellblockui/partner/submit` (form or JSON).
pub(crate) fn submit(state: &mut State, env: &Env<'_>, request: &Incoming) -> Handled {
    let json_mode = request
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"));
    let submission: Submission = if json_mode {
        serde_json::from_slice(&request.body)
            .map_err(|_| json_error(StatusCode::BAD_REQUEST, "malformed submission", None))?
    } else {
        let mut form = request.form_params();
        Submission {
            session: form.remove("session").unwrap_or_default(),
            destination: form.remove("destination").unwrap_or_default(),
            state: form.remove("state").filter(|s| !s.is_empty()),
            otp: form.remove("otp"),
            pin: form.remove("pin").unwrap_or_default(),
        }
    };
    let session =
        open_session(state, env, &submission.session, &submission.destination).map_err(|page| {
            if json_mode {
                json_error(
                    page.status,
                    "session expired or destination not registered",
                    None,
                )
            } else {
                page
            }
        })?;
    let needs_otp = session.purpose == Purpose::Binding && !session.otp_passed;
    let otp = if needs_otp {
        Some(submission.otp.as_deref().unwrap_or_default())
    } else {
        None
    };
    let outcome = match state.accounts.get_mut(&session.account) {
        Some(account) => challenge::submit(account, env.now, otp, &submission.pin),
        None => Outcome::Blocked,
    };
    let (message, left) = match outcome {
        Outcome::Passed => return finish(state, env, &submission, &session, json_mode),
        Outcome::WrongOtp { attempts_left } => ("Wrong OTP", attempts_left),
        Outcome::WrongPin { attempts_left } => {
            if needs_otp {
                // The OTP was right: the page now asks only for the PIN.
                if let Some(s) = state.webviews.get_mut(&submission.session) {
                    s.otp_passed = true;
                }
            }
            ("Wrong PIN", attempts_left)
        }
        Outcome::Blocked => {
            return Err(if json_mode {
                json_error(StatusCode::FORBIDDEN, "blocked", Some(0))
            } else {
                message_page(StatusCode::FORBIDDEN, "Too many attempts: try again later")
            });
        }
    };
    if json_mode {
        return Err(json_error(StatusCode::OK, message, Some(left)));
    }
    let still_needs_otp = state
        .webviews
        .get(&submission.session)
        .is_some_and(|s| s.purpose == Purpose::Binding && !s.otp_passed);
    Ok(form(
        &submission.session,
        &submission.destination,
        submission.state.as_deref(),
        still_needs_otp,
        Some(&format!("{message}. {left} attempts left.")),
    ))
}

/// Success: issue the code and redirect to the partner with `response` (and `state`).
fn finish(
    state: &mut State,
    env: &Env<'_>,
    submission: &Submission,
    session: &WebviewSession,
    json_mode: bool,
) -> Handled {
    let code = ids::random_hex(16)?;
    let linkage_token = match session.purpose {
        Purpose::Binding | Purpose::Unbinding => Some(submission.session.clone()),
        Purpose::Payment { .. } => None,
    };
    state.auth_codes.insert(
        code.clone(),
        AuthCode {
            client_id: session.client_id.clone(),
            account: session.account,
            purpose: session.purpose.clone(),
            expires: env.now + CODE_LIFETIME,
            linkage_token,
        },
    );
    state.webviews.remove(&submission.session);
    let callback = WebviewCallback {
        display_msg: Some("SUCCESS".to_owned()),
        display_header: Some(String::new()),
        retry_attempts_left: Some(3),
        auth_code: Some(Secret::new(code)),
        error_code: Some(String::new()),
        enable_redirection: Some(false),
    };
    let response = serde_json::to_string(&callback)
        .map_err(|_| message_page(StatusCode::INTERNAL_SERVER_ERROR, "serialization failed"))?;
    let mut location = Url::parse(&submission.destination).map_err(|_| {
        message_page(
            StatusCode::BAD_REQUEST,
            "The destination is not a registered callback URL",
        )
    })?;
    {
        let mut query = location.query_pairs_mut();
        query.append_pair("response", &response);
        if let Some(partner_state) = &submission.state {
            query.append_pair("state", partner_state);
        }
    }
    let location = String::from(location);
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

/// `destination`, parsed, if it is one of the partner's callback URLs: the callback URL is a
/// static value registered with OVO \[S\], so scheme, host, port and path must be exactly a
/// registered one's (a query is allowed; credentials and a fragment are not). A prefix is not
/// enough: `https://cb.example.evil.example/` and `https://cb.example@evil.example/` are other
/// hosts.
pub(crate) fn registered_destination(registered: &[String], destination: &str) -> Option<Url> {
    let wanted = Url::parse(destination).ok()?;
    let plain = wanted.username().is_empty()
        && wanted.password().is_none()
        && wanted.fragment().is_none()
        && wanted.has_host();
    let same = |url: &String| {
        Url::parse(url).is_ok_and(|url| {
            url.scheme() == wanted.scheme()
                && url.host() == wanted.host()
                && url.port_or_known_default() == wanted.port_or_known_default()
                && url.path() == wanted.path()
        })
    };
    (plain && registered.iter().any(same)).then_some(wanted)
}

/// The session named by `key`, if open, and only towards a registered callback URL \[S\].
fn open_session(
    state: &State,
    env: &Env<'_>,
    key: &str,
    destination: &str,
) -> Result<WebviewSession, Reply> {
    let session = state
        .webviews
        .get(key)
        .filter(|s| env.now < s.expires)
        .cloned()
        .ok_or_else(|| message_page(StatusCode::GONE, "This page has expired"))?;
    let registered = state
        .partners
        .get(&session.client_id)
        .is_some_and(|p| registered_destination(&p.callback_urls, destination).is_some());
    if !registered {
        return Err(message_page(
            StatusCode::BAD_REQUEST,
            "The destination is not a registered callback URL",
        ));
    }
    Ok(session)
}

fn json_error(status: StatusCode, message: &str, attempts_left: Option<u32>) -> Reply {
    Reply::json(
        status,
        &Submitted::Refused {
            error: message,
            retry_attempts_left: attempts_left,
        },
    )
}

fn message_page(status: StatusCode, message: &str) -> Reply {
    Reply::page(
        status,
        Page::WebviewMessage {
            message: message.to_owned(),
        },
    )
}

fn form(
    session: &str,
    destination: &str,
    partner_state: Option<&str>,
    needs_otp: bool,
    error: Option<&str>,
) -> Reply {
    Reply::page(
        StatusCode::OK,
        Page::WebviewForm {
            session: session.to_owned(),
            destination: destination.to_owned(),
            state: partner_state.map(str::to_owned),
            needs_otp,
            error: error.map(str::to_owned),
        },
    )
}
