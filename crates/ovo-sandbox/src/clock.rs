//! The sandbox clock: real time plus an offset that the control API advances.

use std::sync::Mutex;
use std::time::Duration;

use time::{OffsetDateTime, UtcOffset};

/// Jakarta time (WIB), in which `X-EXTERNAL-ID` uniqueness resets daily \[P\].
pub(crate) const JAKARTA: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Real time shifted by an offset that only grows.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    /// The sandbox's current time.
    pub(crate) fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset()
    }

    /// Moves the sandbox's time forward.
    pub(crate) fn advance(&self, by: Duration) {
        if let Ok(mut offset) = self.offset.lock() {
            *offset += by;
        }
    }

    /// Restores an offset (from a state directory).
    pub(crate) fn set_offset(&self, to: Duration) {
        if let Ok(mut offset) = self.offset.lock() {
            *offset = to;
        }
    }

    pub(crate) fn offset(&self) -> Duration {
        self.offset.lock().map(|offset| *offset).unwrap_or_default()
    }
}
