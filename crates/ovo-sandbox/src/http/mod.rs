//! The HTTP shell around the provider core: accepting connections with their limits and
//! timeouts, routing, the fault plan, the control API, the clock, the state directory and the
//! delivery of queued notifications, and the pages rendered as HTML. It uses `crate::provider`; never the reverse.

pub(crate) mod clock;
pub(crate) mod control;
pub(crate) mod delivery;
pub(crate) mod faults;
pub(crate) mod pages;
pub(crate) mod persist;
pub(crate) mod route;
pub(crate) mod server;
