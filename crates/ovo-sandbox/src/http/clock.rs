//! The sandbox clock: real time plus an offset that the control API advances.
//!
//! The offset is bounded ([`MAX_OFFSET`]) and every sum is checked, so no request (nor any
//! lifetime added to "now" afterwards) can overflow the calendar.

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

/// How far the sandbox clock may be moved ahead of real time, in total: 100 years \[I\], far
/// beyond every lifetime the provider has (the longest, a DOKU token, is one year) and far from
/// the end of the calendar (year 9999).
pub(crate) const MAX_OFFSET: Duration = Duration::from_secs(100 * 366 * 24 * 3600);

/// A move that would take the clock past [`MAX_OFFSET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooFar;

/// Real time shifted by an offset that only grows, up to [`MAX_OFFSET`].
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    /// The sandbox's current time.
    pub(crate) fn now(&self) -> OffsetDateTime {
        shifted(OffsetDateTime::now_utc(), self.offset())
    }

    /// Moves the sandbox's time forward, unless that would take it past [`MAX_OFFSET`].
    pub(crate) fn advance(&self, by: Duration) -> Result<(), TooFar> {
        let mut offset = self
            .offset
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let moved = offset
            .checked_add(by)
            .filter(|moved| *moved <= MAX_OFFSET)
            .ok_or(TooFar)?;
        *offset = moved;
        Ok(())
    }

    /// Restores an offset (from a state directory), at most [`MAX_OFFSET`].
    pub(crate) fn set_offset(&self, to: Duration) {
        if let Ok(mut offset) = self.offset.lock() {
            *offset = to.min(MAX_OFFSET);
        }
    }

    pub(crate) fn offset(&self) -> Duration {
        self.offset.lock().map(|offset| *offset).unwrap_or_default()
    }
}

/// `at + offset`, or `at` itself if that sum leaves the calendar (it cannot within
/// [`MAX_OFFSET`]; this only keeps the arithmetic total).
fn shifted(at: OffsetDateTime, offset: Duration) -> OffsetDateTime {
    time::Duration::try_from(offset)
        .ok()
        .and_then(|offset| at.checked_add(offset))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_past_the_bound_is_refused_and_changes_nothing() {
        let clock = Clock::default();
        assert_eq!(
            clock.advance(Duration::from_secs(300_000_000_000)),
            Err(TooFar)
        );
        assert_eq!(clock.offset(), Duration::ZERO);
        assert_eq!(clock.advance(MAX_OFFSET), Ok(()));
        assert_eq!(clock.advance(Duration::from_secs(1)), Err(TooFar));
        assert_eq!(clock.advance(Duration::MAX), Err(TooFar));
        assert_eq!(clock.offset(), MAX_OFFSET);
        // Still a time every lifetime can be added to.
        let _ = clock.now() + Duration::from_secs(365 * 24 * 3600);
    }

    #[test]
    fn a_restored_offset_is_bounded_and_sums_never_overflow() {
        let clock = Clock::default();
        clock.set_offset(Duration::MAX);
        assert_eq!(clock.offset(), MAX_OFFSET);
        let end = time::macros::datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(shifted(end, Duration::from_secs(10)), end);
        assert_eq!(shifted(end, Duration::MAX), end);
    }
}
