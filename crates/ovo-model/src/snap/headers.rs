//! SNAP header values with documented limits.

use std::fmt;

use crate::error::FieldError;
use crate::validate::{FieldPath, check};

macro_rules! header_text {
    ($(#[$meta:meta])* $name:ident, $header:literal, $max:literal, $rule:expr, $expected:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks the value against the header's documented limit.
            pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
                let value = value.into();
                let at = FieldPath::root().field($header);
                check::required(&at, &value, $max)?;
                check::chars(&at, &value, $rule, $expected)?;
                Ok(Self(value))
            }

            /// The header value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn visible_ascii(c: char) -> bool {
    c.is_ascii_graphic()
}

header_text!(
    /// `X-EXTERNAL-ID`: unique per day, at most 36 characters \[P\].
    ///
    /// ```
    /// assert!(ovo_model::snap::ExternalId::new("1666593760774").is_ok());
    /// assert!(ovo_model::snap::ExternalId::new("x".repeat(37)).is_err());
    /// ```
    ExternalId, "X-EXTERNAL-ID", 36, visible_ascii, "visible ASCII characters"
);
header_text!(
    /// `CHANNEL-ID`: at most 5 characters, assigned by the provider \[P\].
    ///
    /// ```
    /// assert!(ovo_model::snap::ChannelId::new("95221").is_ok());
    /// ```
    ChannelId, "CHANNEL-ID", 5, visible_ascii, "visible ASCII characters"
);
header_text!(
    /// `X-DEVICE-ID`: mandatory for OVO, at most 400 characters \[P\].
    ///
    /// ```
    /// assert!(ovo_model::snap::DeviceId::new("merchant-backend-01").is_ok());
    /// ```
    DeviceId, "X-DEVICE-ID", 400, |c: char| !c.is_control(), "no control characters"
);

/// The `CHANNEL-ID` sent unless one is configured: the example value of the SNAP documents \[P\].
/// The provider assigns each partner its own; set it in the configuration.
///
/// ```
/// assert!(ovo_model::snap::ChannelId::new(ovo_model::snap::DEFAULT_CHANNEL_ID).is_ok());
/// ```
pub const DEFAULT_CHANNEL_ID: &str = "95221";
