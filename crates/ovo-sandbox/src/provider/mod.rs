//! The provider core: OVO's and DOKU's rules as plain functions of
//! `(&mut State, &Env, &Incoming) -> Result<Reply, Reply>`.
//!
//! Nothing here reads a clock, opens a socket, spawns a task or takes a lock: the HTTP shell
//! (`http/`) holds the state's lock, reads the time into an [`Env`], calls a rule and sends
//! what it answers (and what it queued in the outbox). So every rule runs, and is tested, in
//! process without a server. Nothing under `provider/` imports the shell
//! (`.ci/check-layering`).

use time::{OffsetDateTime, UtcOffset};

use crate::config::SandboxConfig;

pub(crate) mod challenge;
pub(crate) mod codec;
pub(crate) mod doku;
pub(crate) mod exchange;
pub(crate) mod ids;
pub(crate) mod ledger;
pub(crate) mod outbox;
pub(crate) mod snap;
pub(crate) mod state;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod wallet;
pub(crate) mod webview;

/// Jakarta time (WIB), in which `X-EXTERNAL-ID` uniqueness resets daily \[P\].
pub(crate) const JAKARTA: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The paths of the pages the provider names in its answers, and of the Top Up Instruction.
/// Webview paths, modelled on OVO's `/cellblockui/partner/activation` \[S\].
pub(crate) const WEBVIEW_PAGE: &str = "/cellblockui/partner/activation";
pub(crate) const WEBVIEW_SUBMIT: &str = "/cellblockui/partner/submit";
/// DOKU's registration page.
pub(crate) const DOKU_REGISTRATION: &str = "/ovo-open-api/registration/";
/// OVO's PIN page for a DOKU payment that waits for the customer \[I: path\].
pub(crate) const DOKU_PAYMENT_PAGE: &str = "/ovo-open-api/payment/";
/// The Top Up Instruction \[S\].
pub(crate) const TOP_UP_OPTIONS: &str = "/reference/v1/topup/options";

/// The page at `path` of the sandbox at `base_url`, for the webview `session`: its URL with the
/// session as an encoded query parameter.
pub(crate) fn session_page(base_url: &str, path: &str, session: &str) -> String {
    let page = format!("{base_url}{path}");
    match url::Url::parse(&page) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair("session", session);
            url.into()
        }
        // Not reached: the base URL is the sandbox's own address. A page without its session
        // shows the customer an unknown-session page, not another session's.
        Err(_) => page,
    }
}

/// What a rule may know besides the state and the request: plain data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env<'a> {
    /// The sandbox's time for this request.
    pub(crate) now: OffsetDateTime,
    pub(crate) config: &'a SandboxConfig,
    /// `http://ADDR`, for the URLs of pages in answers.
    pub(crate) base_url: &'a str,
    /// The key the sandbox signs as OVO with (SNAP notifications).
    pub(crate) provider_key: &'a ovo_sign::PrivateKey,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_page_carries_its_session_encoded() {
        assert_eq!(
            super::session_page("http://127.0.0.1:8080", super::WEBVIEW_PAGE, "ab12"),
            "http://127.0.0.1:8080/cellblockui/partner/activation?session=ab12"
        );
        assert_eq!(
            super::session_page("http://127.0.0.1:8080", "/p", "a&b c"),
            "http://127.0.0.1:8080/p?session=a%26b+c"
        );
    }
}
