//! Everything the provider remembers: partners, accounts, tokens, payments, refunds, the ledger.

use std::collections::{HashMap, HashSet};

use ovo_model::Idr;
use ovo_model::snap::TransactionStatus;
use ovo_sign::{ClientSecret, PublicKey};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::provider::JAKARTA;
use crate::provider::ledger::Ledger;

/// A stable account id: a customer's phone can change, the account stays.
pub(crate) type AccountId = u64;

/// A partner registered for OVO direct (SNAP).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Partner {
    pub(crate) client_id: String,
    pub(crate) merchant_id: String,
    /// Several during rotation.
    #[serde(with = "crate::provider::codec::secrets")]
    pub(crate) secrets: Vec<ClientSecret>,
    /// The signature verification keys (PKCS#1, SPKI or X.509 as registered).
    #[serde(with = "crate::provider::codec::public_keys")]
    pub(crate) public_keys: Vec<PublicKey>,
    /// The webview only redirects to URLs starting with one of these \[S\].
    pub(crate) callback_urls: Vec<String>,
    pub(crate) daily_refund_limit: Idr,
}

/// A partner registered for DOKU OVO Recurring.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DokuPartner {
    pub(crate) client_id: String,
    #[serde(with = "crate::provider::codec::secrets")]
    pub(crate) secrets: Vec<ClientSecret>,
    /// Where DOKU posts signed HTTP notifications.
    pub(crate) notification_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum AccountStatus {
    Active,
    Closed,
}

/// A customer's OVO account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Account {
    pub(crate) phone: String,
    pub(crate) pin: String,
    pub(crate) cash: Idr,
    pub(crate) points: Idr,
    pub(crate) status: AccountStatus,
    /// Bumped by a phone change or a closure: tokens of an older generation are broken \[S\].
    pub(crate) generation: u64,
    pub(crate) otp_requests: u32,
    pub(crate) otp_failures: u32,
    pub(crate) pin_failures: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) blocked_until: Option<OffsetDateTime>,
    pub(crate) blocked_forever: bool,
}

impl Account {
    /// A new, active account with no failed attempts and no block.
    pub(crate) fn active(phone: String, pin: String, cash: Idr, points: Idr) -> Self {
        Self {
            phone,
            pin,
            cash,
            points,
            status: AccountStatus::Active,
            generation: 0,
            otp_requests: 0,
            otp_failures: 0,
            pin_failures: 0,
            blocked_until: None,
            blocked_forever: false,
        }
    }

    /// The OTP in staging: the phone's last four digits \[S\].
    pub(crate) fn otp(&self) -> &str {
        crate::otp(&self.phone)
    }
}

/// What a webview attempt is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Purpose {
    /// Linking: OTP then PIN; the code goes to the B2B2C token call.
    Binding,
    /// Confirming a debit: PIN; the code goes to Generate Token.
    Payment { reference: String },
    /// Confirming an unbinding: PIN; the code goes to the second unbinding call.
    Unbinding,
}

/// A webview attempt, opened with a linkage token (or, for payments, a session id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WebviewSession {
    pub(crate) client_id: String,
    pub(crate) account: AccountId,
    pub(crate) purpose: Purpose,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
    pub(crate) otp_passed: bool,
}

/// A code the webview hands back through the partner's callback.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) account: AccountId,
    pub(crate) purpose: Purpose,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
    /// For a binding code: the linkage token that must authorize its exchange \[P\].
    pub(crate) linkage_token: Option<String>,
}

/// A customer token (access or refresh).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CustomerToken {
    pub(crate) client_id: String,
    pub(crate) account: AccountId,
    pub(crate) generation: u64,
    pub(crate) binding: u64,
    /// `None` for refresh tokens: they live until unbinding \[S\].
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) expires: Option<OffsetDateTime>,
}

/// A B2B system token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SystemToken {
    pub(crate) client_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
}

/// A single-use token for the second debit call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SingleUseToken {
    pub(crate) client_id: String,
    pub(crate) reference: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
    pub(crate) used: bool,
}

/// An account bound to a partner (one partner per OVO account \[S\]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Binding {
    pub(crate) serial: u64,
    pub(crate) client_id: String,
    pub(crate) active: bool,
}

/// A direct debit, from its first call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Intent {
    pub(crate) account: AccountId,
    pub(crate) amount: Idr,
    /// The minified body of the first call; the second must be identical \[S\].
    pub(crate) body: Vec<u8>,
    pub(crate) status: TransactionStatus,
    pub(crate) reference_no: String,
    pub(crate) external_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) paid: Option<OffsetDateTime>,
    /// Set when the PIN webview is opened: the debit times out 15 minutes later \[S\].
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) webview_opened: Option<OffsetDateTime>,
    pub(crate) points_first: bool,
    pub(crate) recurring: bool,
    /// The single-use token whose call 2 settled it (captured, or refused for want of funds): a
    /// replay with it gets the same answer.
    pub(crate) captured_with: Option<String>,
    /// The capture was refused for want of funds: a replay of the call that tried it (call 2,
    /// or call 1 of a recurring debit) is refused again, not answered "in progress".
    #[serde(default)]
    pub(crate) refused: bool,
    /// The `PAY_NOTIFY` URL of the first call, notified when the debit is captured.
    #[serde(default)]
    pub(crate) notify_url: Option<String>,
}

/// A SNAP refund.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RefundRecord {
    pub(crate) reference: String,
    pub(crate) amount: Idr,
    pub(crate) refund_no: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) at: OffsetDateTime,
    pub(crate) body: Vec<u8>,
}

/// A DOKU registration page session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DokuRegistration {
    pub(crate) client_id: String,
    pub(crate) customer_id: String,
    pub(crate) phone: String,
    pub(crate) success_url: String,
    pub(crate) failed_url: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
}

/// A DOKU OVO token (valid one year \[S\]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DokuToken {
    pub(crate) client_id: String,
    pub(crate) customer_id: String,
    pub(crate) account: AccountId,
    pub(crate) generation: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
    pub(crate) active: bool,
}

/// Where a DOKU payment stands: `PENDING` until the customer's PIN, then `SUCCESS` or `FAILED` \[S\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) enum DokuPaymentStatus {
    Pending,
    #[default]
    Success,
    Failed,
}

impl DokuPaymentStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
        }
    }
}

/// A DOKU recurring payment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DokuPayment {
    pub(crate) request_id: String,
    pub(crate) invoice_number: String,
    pub(crate) account: AccountId,
    #[serde(default)]
    pub(crate) status: DokuPaymentStatus,
    #[serde(default)]
    pub(crate) amount: Idr,
    #[serde(default)]
    pub(crate) use_points: bool,
}

/// OVO's PIN page for a DOKU payment that waits for the customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DokuPaymentPage {
    pub(crate) client_id: String,
    pub(crate) invoice_number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expires: OffsetDateTime,
}

/// The whole provider state.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) partners: HashMap<String, Partner>,
    pub(crate) doku_partners: HashMap<String, DokuPartner>,
    pub(crate) accounts: HashMap<AccountId, Account>,
    pub(crate) phones: HashMap<String, AccountId>,
    pub(crate) next_id: u64,
    pub(crate) bindings: HashMap<AccountId, Binding>,
    pub(crate) system_tokens: HashMap<String, SystemToken>,
    pub(crate) webviews: HashMap<String, WebviewSession>,
    pub(crate) auth_codes: HashMap<String, AuthCode>,
    pub(crate) access_tokens: HashMap<String, CustomerToken>,
    pub(crate) refresh_tokens: HashMap<String, CustomerToken>,
    pub(crate) single_use_tokens: HashMap<String, SingleUseToken>,
    #[serde(with = "crate::provider::codec::pairs")]
    pub(crate) intents: HashMap<(String, String), Intent>,
    #[serde(with = "crate::provider::codec::pairs")]
    pub(crate) refunds: HashMap<(String, String), RefundRecord>,
    pub(crate) external_ids: HashSet<(String, Date, String)>,
    pub(crate) doku_registrations: HashMap<String, DokuRegistration>,
    pub(crate) doku_tokens: HashMap<String, DokuToken>,
    #[serde(with = "crate::provider::codec::pairs")]
    pub(crate) doku_payments: HashMap<(String, String), DokuPayment>,
    pub(crate) doku_request_ids: HashSet<(String, String)>,
    #[serde(default)]
    pub(crate) doku_payment_pages: HashMap<String, DokuPaymentPage>,
    pub(crate) ledger: Ledger,
    /// DOKU notifications waiting to be sent (not persisted: a restart drops them).
    #[serde(skip)]
    pub(crate) outbox: Vec<crate::provider::outbox::Outgoing>,
    /// Every notification delivery attempt.
    pub(crate) deliveries: Vec<crate::provider::outbox::Attempt>,
    /// The query strings the stand-in callback page received, in order.
    #[serde(default)]
    pub(crate) callbacks: Vec<String>,
    /// What the stand-in merchant notification endpoint received, in order.
    #[serde(default)]
    pub(crate) inbox: Vec<InboxEntry>,
}

/// One request the stand-in merchant notification endpoint (`POST /_sandbox/inbox`) received:
/// its headers and its body exactly as sent, so a verifier can check the signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InboxEntry {
    pub(crate) headers: std::collections::BTreeMap<String, String>,
    pub(crate) body: String,
}

impl State {
    /// A fresh id for accounts and bindings.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The account holding `phone`.
    pub(crate) fn account_by_phone(&self, phone: &str) -> Option<(AccountId, &Account)> {
        let id = *self.phones.get(phone)?;
        self.accounts.get(&id).map(|account| (id, account))
    }

    /// Records an `X-EXTERNAL-ID`; `false` if the partner already used it this Jakarta day \[P\].
    pub(crate) fn claim_external_id(
        &mut self,
        client_id: &str,
        now: OffsetDateTime,
        id: &str,
    ) -> bool {
        let day = now.to_offset(JAKARTA).date();
        self.external_ids
            .insert((client_id.to_owned(), day, id.to_owned()))
    }

    /// Whether a customer token is still good: known generation, active binding, not expired.
    pub(crate) fn customer_token_valid(&self, token: &CustomerToken, now: OffsetDateTime) -> bool {
        let account_ok = self
            .accounts
            .get(&token.account)
            .is_some_and(|a| a.generation == token.generation && a.status == AccountStatus::Active);
        let binding_ok = self
            .bindings
            .get(&token.account)
            .is_some_and(|b| b.active && b.serial == token.binding);
        account_ok && binding_ok && token.expires.is_none_or(|expires| now < expires)
    }

    /// Refunds (SNAP and DOKU) a partner made on the Jakarta day of `now`.
    pub(crate) fn refunded_today(&self, partner: &str, now: OffsetDateTime) -> Idr {
        let day = now.to_offset(JAKARTA).date();
        let sen = self
            .ledger
            .entries()
            .iter()
            .filter(|e| e.partner == partner && e.at.to_offset(JAKARTA).date() == day)
            .filter(|e| matches!(e.kind, crate::provider::ledger::EntryKind::Refund { .. }))
            .map(|e| e.cash.sen() + e.points.sen())
            .sum();
        Idr::from_sen(sen)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn external_ids_are_unique_per_jakarta_day_not_per_utc_day() {
        let mut state = State::default();
        // 23:59:59 WIB, then Jakarta midnight (17:00 UTC): a new day for the same id.
        let before = datetime!(2026-11-22 16:59:59 UTC);
        assert!(state.claim_external_id("p", before, "A"));
        assert!(!state.claim_external_id("p", before, "A"), "same day");
        assert!(state.claim_external_id("q", before, "A"), "another partner");
        let midnight = datetime!(2026-11-22 17:00:00 UTC);
        assert!(
            state.claim_external_id("p", midnight, "A"),
            "a new Jakarta day"
        );
        // UTC midnight falls inside one Jakarta day (06:59 and 07:01 WIB): still a duplicate.
        assert!(state.claim_external_id("p", datetime!(2026-11-22 23:59:00 UTC), "B"));
        assert!(!state.claim_external_id("p", datetime!(2026-11-23 00:01:00 UTC), "B"));
    }
}
