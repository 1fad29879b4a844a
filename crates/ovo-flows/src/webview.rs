//! The webview URL and the callback it returns to.

use ovo_model::Secret;
use ovo_model::snap::{BindingAdditionalInfo, QParams, WebviewCallback};

use crate::error::FlowError;

/// The webview URL: `redirectUrl` + every `qParams` entry + `token` + `destination` +
/// `submissionType=redirect` + optionally `state` \[S\].
///
/// ```
/// let q: ovo_model::snap::QParams = serde_json::from_str(r#"{"action":"otpLinkage","client-id":"c"}"#).unwrap();
/// let url = ovo_flows::webview_url("https://w.example/activation", Some(&q), "LT", "https://m.example/cb", Some("s1"));
/// assert_eq!(url, "https://w.example/activation?action=otpLinkage&client-id=c&token=LT&destination=https%3A%2F%2Fm.example%2Fcb&submissionType=redirect&state=s1");
/// ```
pub fn webview_url(
    redirect_url: &str,
    q_params: Option<&QParams>,
    token: &str,
    destination: &str,
    state: Option<&str>,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in q_params.map(QParams::pairs).unwrap_or_default() {
        query.append_pair(&name, &value);
    }
    query.append_pair("token", token);
    query.append_pair("destination", destination);
    query.append_pair("submissionType", "redirect");
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    let separator = if redirect_url.contains('?') { '&' } else { '?' };
    format!("{redirect_url}{separator}{}", query.finish())
}

/// The PIN webview of a debit: OVO's `webRedirectUrl` plus `destination`, `submissionType` and
/// `state` (the payment's reference) \[S\]. Built once, by the flow.
///
/// ```
/// let url = ovo_flows::payment_webview("https://ovo.example/pay?session=s", "https://m.example/cb", "INV-1");
/// assert_eq!(url, "https://ovo.example/pay?session=s&destination=https%3A%2F%2Fm.example%2Fcb&submissionType=redirect&state=INV-1");
/// ```
pub fn payment_webview(url: &str, destination: &str, state: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("destination", destination)
        .append_pair("submissionType", "redirect")
        .append_pair("state", state)
        .finish();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

/// The webview an answer with a linkage token asks for (binding, unbinding's confirmation): its
/// URL and the token; `None` when the answer carries no linkage token or redirect URL.
pub(crate) fn linkage_webview(
    linkage: Option<Secret>,
    redirect: Option<String>,
    info: Option<&BindingAdditionalInfo>,
    destination: &str,
    state: Option<&str>,
) -> Option<(String, Secret)> {
    let (linkage, redirect) = (linkage?, redirect?);
    let q_params = info.and_then(|i| i.q_params.as_ref());
    let url = webview_url(&redirect, q_params, linkage.expose(), destination, state);
    Some((url, linkage))
}

/// The `authCode` of a webview's redirect to the partner, or why there is none.
pub(crate) fn auth_code(callback_url: &str) -> Result<ovo_model::Secret, FlowError> {
    let (callback, _) = WebviewCallback::from_url(callback_url)
        .map_err(|_| FlowError::UnexpectedEvent("the callback URL carries no webview response"))?;
    match callback.auth_code {
        Some(code) if callback.is_success() => Ok(code),
        _ => Err(FlowError::UnexpectedEvent("the webview did not succeed")),
    }
}
