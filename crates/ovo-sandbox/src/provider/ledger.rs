//! The append-only ledger: every movement of money, and the invariants that keep it honest.

use std::collections::HashMap;

use ovo_model::Idr;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Which integration moved the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Channel {
    /// OVO direct (SNAP).
    Snap,
    /// DOKU OVO Recurring.
    Doku,
}

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntryKind {
    /// Money taken from the customer for a payment intent.
    Capture {
        /// The partner's reference of the payment (SNAP `partnerReferenceNo`, DOKU invoice number).
        reference: String,
    },
    /// Money returned to the customer.
    Refund {
        /// The payment refunded.
        reference: String,
        /// The partner's reference of the refund.
        refund_reference: String,
    },
}

/// One ledger entry: an element of `GET /_sandbox/ledger`'s `entries`, or of
/// [`SandboxHandle::ledger`](crate::SandboxHandle::ledger).
///
/// ```
/// use ovo_sandbox::{Channel, Entry, EntryKind};
///
/// let json = serde_json::json!({
///     "sequence": 1, "at": "2026-01-02T03:04:05Z", "channel": "snap", "partner": "oamerchant",
///     "phone": "6281234567890", "kind": "capture", "reference": "INV-1",
///     "cash": "25000.00", "points": "0.00"
/// });
/// let entry: Entry = serde_json::from_value(json.clone())?;
/// assert_eq!(entry.channel, Channel::Snap);
/// assert_eq!(entry.kind, EntryKind::Capture { reference: "INV-1".into() });
/// assert_eq!(serde_json::to_value(&entry)?, json);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// Position in the ledger, from 1.
    pub sequence: u64,
    /// Sandbox time of the movement.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Which API moved the money: OVO direct (SNAP) or DOKU OVO Recurring.
    pub channel: Channel,
    /// The partner (SNAP client id or DOKU client id).
    pub partner: String,
    /// The customer's phone.
    pub phone: String,
    /// Capture or refund.
    #[serde(flatten)]
    pub kind: EntryKind,
    /// OVO Cash moved.
    pub cash: Idr,
    /// OVO Points moved.
    pub points: Idr,
}

/// Why an entry was refused: each would lose or double money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LedgerViolation {
    #[error("payment {0} is already captured")]
    AlreadyCaptured(String),
    #[error("refund of {0} without a capture")]
    NoCapture(String),
    #[error("refunds of {0} would exceed its capture")]
    OverRefund(String),
}

/// The ledger. Appending checks that no payment is captured twice and that refunds never exceed
/// their capture; a violation is a bug in the sandbox, reported as a server error.
///
/// Each payment's capture and refunded sums are kept in an index beside the entries (rebuilt
/// from them when a saved state is read), so an append costs the same with 10 or 10^6 entries.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(from = "Entries")]
pub(crate) struct Ledger {
    entries: Vec<Entry>,
    #[serde(skip)]
    /// Partner → payment reference → sums.
    payments: HashMap<String, HashMap<String, Payment>>,
}

/// A payment's capture and what was refunded of it, in cash and points.
#[derive(Debug, Default, Clone, Copy)]
struct Payment {
    captured: Option<(Idr, Idr)>,
    refunded: (Idr, Idr),
}

/// The ledger as it is saved: its entries.
#[derive(Deserialize)]
struct Entries {
    entries: Vec<Entry>,
}

impl From<Entries> for Ledger {
    fn from(saved: Entries) -> Self {
        let mut ledger = Self::default();
        for entry in saved.entries {
            ledger.index(&entry);
            ledger.entries.push(entry);
        }
        ledger
    }
}

impl Ledger {
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn payment(&self, partner: &str, reference: &str) -> Payment {
        self.payments
            .get(partner)
            .and_then(|payments| payments.get(reference))
            .copied()
            .unwrap_or_default()
    }

    fn captured(&self, partner: &str, reference: &str) -> Option<(Idr, Idr)> {
        self.payment(partner, reference).captured
    }

    /// Cash and points already refunded of a payment.
    pub(crate) fn refunded(&self, partner: &str, reference: &str) -> (Idr, Idr) {
        self.payment(partner, reference).refunded
    }

    /// Counts `entry` in its payment's sums.
    fn index(&mut self, entry: &Entry) {
        let reference = match &entry.kind {
            EntryKind::Capture { reference } | EntryKind::Refund { reference, .. } => reference,
        };
        let payment = self
            .payments
            .entry(entry.partner.clone())
            .or_default()
            .entry(reference.clone())
            .or_default();
        match entry.kind {
            EntryKind::Capture { .. } => payment.captured = Some((entry.cash, entry.points)),
            EntryKind::Refund { .. } => {
                let (cash, points) = payment.refunded;
                payment.refunded = (
                    Idr::from_sen(cash.sen() + entry.cash.sen()),
                    Idr::from_sen(points.sen() + entry.points.sen()),
                );
            }
        }
    }

    /// Appends `entry` (its `sequence` is assigned here) if it keeps every invariant; returns the
    /// sequence number.
    pub(crate) fn append(&mut self, mut entry: Entry) -> Result<u64, LedgerViolation> {
        let (partner, cash, points) = (entry.partner.as_str(), entry.cash, entry.points);
        match &entry.kind {
            EntryKind::Capture { reference } => {
                if self.captured(partner, reference).is_some() {
                    return Err(LedgerViolation::AlreadyCaptured(reference.clone()));
                }
            }
            EntryKind::Refund { reference, .. } => {
                let (captured_cash, captured_points) = self
                    .captured(partner, reference)
                    .ok_or_else(|| LedgerViolation::NoCapture(reference.clone()))?;
                let (refunded_cash, refunded_points) = self.refunded(partner, reference);
                if refunded_cash.sen() + cash.sen() > captured_cash.sen()
                    || refunded_points.sen() + points.sen() > captured_points.sen()
                {
                    return Err(LedgerViolation::OverRefund(reference.clone()));
                }
            }
        }
        entry.sequence = self.entries.len() as u64 + 1;
        let sequence = entry.sequence;
        self.index(&entry);
        self.entries.push(entry);
        Ok(sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, cash: u64, points: u64) -> Entry {
        Entry {
            sequence: 0,
            at: OffsetDateTime::UNIX_EPOCH,
            channel: Channel::Snap,
            partner: "p".to_owned(),
            phone: "62".to_owned(),
            kind,
            cash: Idr::from_sen(cash),
            points: Idr::from_sen(points),
        }
    }

    fn capture(reference: &str) -> EntryKind {
        EntryKind::Capture {
            reference: reference.to_owned(),
        }
    }

    fn refund(reference: &str, no: &str) -> EntryKind {
        EntryKind::Refund {
            reference: reference.to_owned(),
            refund_reference: no.to_owned(),
        }
    }

    #[test]
    fn a_payment_is_captured_once() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.append(entry(capture("A"), 100, 0)), Ok(1));
        assert_eq!(
            ledger.append(entry(capture("A"), 100, 0)),
            Err(LedgerViolation::AlreadyCaptured("A".to_owned()))
        );
        assert_eq!(ledger.entries().len(), 1);
    }

    #[test]
    fn refunds_never_exceed_their_capture_in_cash_or_points() {
        let mut ledger = Ledger::default();
        assert_eq!(
            ledger.append(entry(refund("A", "R0"), 1, 0)),
            Err(LedgerViolation::NoCapture("A".to_owned()))
        );
        ledger.append(entry(capture("A"), 100, 50)).unwrap();
        ledger.append(entry(refund("A", "R1"), 60, 50)).unwrap();
        assert_eq!(
            ledger.append(entry(refund("A", "R2"), 41, 0)),
            Err(LedgerViolation::OverRefund("A".to_owned()))
        );
        assert_eq!(
            ledger.append(entry(refund("A", "R3"), 0, 1)),
            Err(LedgerViolation::OverRefund("A".to_owned()))
        );
        ledger.append(entry(refund("A", "R4"), 40, 0)).unwrap();
        assert_eq!(
            ledger.refunded("p", "A"),
            (Idr::from_sen(100), Idr::from_sen(50))
        );
    }

    #[test]
    fn a_saved_ledger_read_back_keeps_every_invariant() {
        let mut ledger = Ledger::default();
        ledger.append(entry(capture("A"), 100, 0)).unwrap();
        ledger.append(entry(refund("A", "R1"), 60, 0)).unwrap();
        let saved = serde_json::to_string(&ledger).unwrap();
        assert!(!saved.contains("payments"), "{saved}");
        let mut read: Ledger = serde_json::from_str(&saved).unwrap();
        assert_eq!(read.entries(), ledger.entries());
        assert_eq!(
            read.append(entry(capture("A"), 1, 0)),
            Err(LedgerViolation::AlreadyCaptured("A".to_owned()))
        );
        assert_eq!(
            read.append(entry(refund("A", "R2"), 41, 0)),
            Err(LedgerViolation::OverRefund("A".to_owned()))
        );
        assert_eq!(read.append(entry(refund("A", "R3"), 40, 0)), Ok(3));
    }
}
