//! Moving money, for both channels: captures and refunds against an account, always through the
//! ledger. Points go first when asked on a capture, and come back first on a refund \[S\].

use ovo_model::Idr;
use time::OffsetDateTime;

use crate::provider::ledger::{Channel, Entry, EntryKind};
use crate::provider::state::{AccountId, State};

/// Who moves money, for what.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Movement<'a> {
    pub(crate) at: OffsetDateTime,
    pub(crate) channel: Channel,
    pub(crate) partner: &'a str,
    pub(crate) account: AccountId,
    /// The payment's reference (SNAP `partnerReferenceNo`, DOKU invoice number).
    pub(crate) reference: &'a str,
}

/// Why money did not move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WalletError {
    /// The account's cash does not cover the capture.
    Insufficient,
    /// The refund is larger than what is left of the capture.
    Exceeds,
    /// The ledger refused the entry (a double capture or an over-refund: a sandbox bug).
    Ledger(String),
}

/// Takes `amount` from the account (points first if `points_first`); returns (cash, points) taken.
pub(crate) fn capture(
    state: &mut State,
    movement: &Movement<'_>,
    amount: Idr,
    points_first: bool,
) -> Result<(Idr, Idr), WalletError> {
    let account = state
        .accounts
        .get(&movement.account)
        .ok_or(WalletError::Insufficient)?;
    let points = if points_first {
        amount.sen().min(account.points.sen())
    } else {
        0
    };
    let cash = amount.sen() - points;
    if cash > account.cash.sen() {
        return Err(WalletError::Insufficient);
    }
    let kind = EntryKind::Capture {
        reference: movement.reference.to_owned(),
    };
    record(state, movement, kind, cash, points)?;
    adjust(
        state,
        movement.account,
        |balance, moved| balance - moved,
        cash,
        points,
    );
    Ok((Idr::from_sen(cash), Idr::from_sen(points)))
}

/// Returns `amount` of a captured payment (points first); returns (cash, points) returned.
pub(crate) fn refund(
    state: &mut State,
    movement: &Movement<'_>,
    refund_reference: &str,
    amount: Idr,
) -> Result<(Idr, Idr), WalletError> {
    let (cash_left, points_left) = remaining(state, movement.partner, movement.reference);
    if amount.sen() > cash_left.sen() + points_left.sen() {
        return Err(WalletError::Exceeds);
    }
    let points = amount.sen().min(points_left.sen());
    let cash = amount.sen() - points;
    let kind = EntryKind::Refund {
        reference: movement.reference.to_owned(),
        refund_reference: refund_reference.to_owned(),
    };
    record(state, movement, kind, cash, points)?;
    adjust(
        state,
        movement.account,
        |balance, moved| balance + moved,
        cash,
        points,
    );
    Ok((Idr::from_sen(cash), Idr::from_sen(points)))
}

/// What is left to refund of a payment: (cash, points).
pub(crate) fn remaining(state: &State, partner: &str, reference: &str) -> (Idr, Idr) {
    let captured = state
        .ledger
        .entries()
        .iter()
        .find(|e| {
            e.partner == partner
                && e.kind
                    == EntryKind::Capture {
                        reference: reference.to_owned(),
                    }
        })
        .map_or((0, 0), |e| (e.cash.sen(), e.points.sen()));
    let (cash, points) = state.ledger.refunded(partner, reference);
    (
        Idr::from_sen(captured.0.saturating_sub(cash.sen())),
        Idr::from_sen(captured.1.saturating_sub(points.sen())),
    )
}

fn record(
    state: &mut State,
    movement: &Movement<'_>,
    kind: EntryKind,
    cash: u64,
    points: u64,
) -> Result<(), WalletError> {
    let phone = state
        .accounts
        .get(&movement.account)
        .map(|a| a.phone.clone())
        .unwrap_or_default();
    state
        .ledger
        .append(Entry {
            sequence: 0,
            at: movement.at,
            channel: movement.channel,
            partner: movement.partner.to_owned(),
            phone,
            kind,
            cash: Idr::from_sen(cash),
            points: Idr::from_sen(points),
        })
        .map(drop)
        .map_err(|violation| WalletError::Ledger(violation.to_string()))
}

fn adjust(
    state: &mut State,
    account: AccountId,
    apply: fn(u64, u64) -> u64,
    cash: u64,
    points: u64,
) {
    if let Some(account) = state.accounts.get_mut(&account) {
        account.cash = Idr::from_sen(apply(account.cash.sen(), cash));
        account.points = Idr::from_sen(apply(account.points.sen(), points));
    }
}
