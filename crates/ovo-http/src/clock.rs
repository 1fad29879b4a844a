//! Where the client reads the time: replaceable, so that tests (and a merchant whose hosts'
//! clocks drift) can give it their own.

use time::OffsetDateTime;

/// Where the client reads the time.
pub trait Clock: Send + Sync {
    /// The current time, in UTC or any offset: it stamps SNAP timestamps (which OVO checks
    /// against its own clock), token expiries and every flow's deadlines.
    fn now(&self) -> OffsetDateTime;
}

/// The host's clock ([`OffsetDateTime::now_utc`]), the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
