//! Timestamp headers: SNAP `X-TIMESTAMP` and DOKU `Request-Timestamp`, from a time the caller gives.
//!
//! Nothing here reads the clock. The text returned is what goes into the header *and* into the
//! string-to-sign: format it once and use the same string for both.

use time::format_description::FormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, UtcOffset};

use crate::error::TimestampError;

#[cfg(test)]
const SNAP_MILLIS: &[FormatItem<'_>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
);
#[cfg(test)]
const SNAP_SECONDS: &[FormatItem<'_>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
);
const DOKU: &[FormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The years (in UTC) a timestamp may fall in. Outside them an instant may not format back as
/// four digits in every offset (year 0000 at `+15:10` is year -0001 in Jakarta), so it is refused
/// on the way in and on the way out. Any real request falls well inside.
pub const VALID_YEARS: std::ops::RangeInclusive<i32> = 1970..=9998;

fn in_range(at: OffsetDateTime) -> bool {
    VALID_YEARS.contains(&at.to_offset(UtcOffset::UTC).year())
}

/// Whether SNAP timestamps carry milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Precision {
    /// `2022-10-24T13:42:13.092+07:00`: OVO's example and its tech-doc's `.SSS` (the default).
    #[default]
    Millis,
    /// `2022-10-24T13:42:13+07:00`: the 25-character form most other SNAP providers document.
    Seconds,
}

/// How SNAP `X-TIMESTAMP` values are written: ISO-8601 with an explicit offset.
///
/// The default is OVO's: Jakarta time (`+07:00`) with milliseconds, truncated, never rounded.
///
/// ```
/// use ovo_sign::{Precision, SnapTimestampFormat};
/// use time::macros::{datetime, offset};
///
/// let at = datetime!(2022-10-24 06:42:13.0929 UTC);
/// assert_eq!(SnapTimestampFormat::default().format(at)?, "2022-10-24T13:42:13.092+07:00");
/// let plain = SnapTimestampFormat::new(offset!(+7), Precision::Seconds);
/// assert_eq!(plain.format(at)?, "2022-10-24T13:42:13+07:00");
/// # Ok::<(), ovo_sign::TimestampError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapTimestampFormat {
    offset: UtcOffset,
    precision: Precision,
}

impl Default for SnapTimestampFormat {
    fn default() -> Self {
        Self::OVO
    }
}

impl SnapTimestampFormat {
    /// OVO's format: `yyyy-MM-ddTHH:mm:ss.SSS+07:00`.
    pub const OVO: Self = Self {
        offset: offset!(+7),
        precision: Precision::Millis,
    };

    /// A format with another offset or precision.
    pub fn new(offset: UtcOffset, precision: Precision) -> Self {
        Self { offset, precision }
    }

    /// The offset written.
    pub fn offset(&self) -> UtcOffset {
        self.offset
    }

    /// Whether milliseconds are written.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Writes `at` in this format, converted to the format's offset.
    ///
    /// The digits are written directly (a signature's timestamp is formatted on every call);
    /// a property test holds them to the `time` crate's formatting of the same description.
    pub fn format(&self, at: OffsetDateTime) -> Result<String, TimestampError> {
        if !in_range(at) {
            return Err(TimestampError::Unrepresentable {
                format: "a SNAP X-TIMESTAMP",
            });
        }
        let local = at.to_offset(self.offset);
        let mut text = String::with_capacity(29);
        // In range, a year has four digits in every offset (1969 to 9999).
        push_digits(&mut text, local.year().unsigned_abs(), 4);
        text.push('-');
        push_digits(&mut text, u32::from(u8::from(local.month())), 2);
        text.push('-');
        push_digits(&mut text, u32::from(local.day()), 2);
        text.push('T');
        push_digits(&mut text, u32::from(local.hour()), 2);
        text.push(':');
        push_digits(&mut text, u32::from(local.minute()), 2);
        text.push(':');
        push_digits(&mut text, u32::from(local.second()), 2);
        if self.precision == Precision::Millis {
            text.push('.');
            // Truncated, never rounded.
            push_digits(&mut text, u32::from(local.millisecond()), 3);
        }
        text.push(if self.offset.is_negative() { '-' } else { '+' });
        push_digits(
            &mut text,
            u32::from(self.offset.whole_hours().unsigned_abs()),
            2,
        );
        text.push(':');
        push_digits(
            &mut text,
            u32::from(self.offset.minutes_past_hour().unsigned_abs()),
            2,
        );
        Ok(text)
    }
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width - 1);
    while divisor > 0 {
        let digit = (value / divisor) % 10;
        text.push(char::from(b'0' + digit as u8));
        divisor /= 10;
    }
}

/// Parses a SNAP `X-TIMESTAMP` (RFC 3339: an offset or `Z`, fractional seconds optional).
///
/// ```
/// let at = ovo_sign::parse_snap_timestamp("2022-10-24T13:42:13.092+07:00")?;
/// assert_eq!(at.unix_timestamp(), 1_666_593_733);
/// assert!(ovo_sign::parse_snap_timestamp("2022-10-24 13:42:13").is_err());
/// # Ok::<(), ovo_sign::TimestampError>(())
/// ```
pub fn parse_snap_timestamp(text: &str) -> Result<OffsetDateTime, TimestampError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .filter(|at| in_range(*at))
        .ok_or_else(|| TimestampError::Parse {
            format: "SNAP X-TIMESTAMP (RFC 3339, as OVO's yyyy-MM-ddTHH:mm:ss.SSS+07:00; years 1970 to 9998)",
            input: text.to_owned(),
        })
}

/// Writes a DOKU `Request-Timestamp`: UTC, whole seconds, literal `Z` (`2020-08-11T08:45:42Z`).
///
/// ```
/// use time::macros::datetime;
///
/// let at = datetime!(2020-09-22 08:51:00.75 +7);
/// assert_eq!(ovo_sign::format_doku_timestamp(at)?, "2020-09-22T01:51:00Z");
/// # Ok::<(), ovo_sign::TimestampError>(())
/// ```
pub fn format_doku_timestamp(at: OffsetDateTime) -> Result<String, TimestampError> {
    if !in_range(at) {
        return Err(TimestampError::Unrepresentable {
            format: "a DOKU Request-Timestamp",
        });
    }
    at.to_offset(UtcOffset::UTC)
        .format(DOKU)
        .map_err(|_| TimestampError::Unrepresentable {
            format: "a DOKU Request-Timestamp",
        })
}

/// Parses a DOKU `Request-Timestamp` in exactly the form DOKU documents, `yyyy-MM-ddTHH:mm:ssZ`.
///
/// ```
/// assert!(ovo_sign::parse_doku_timestamp("2020-08-11T08:45:42Z").is_ok());
/// assert!(ovo_sign::parse_doku_timestamp("2020-08-11T08:45:42+00:00").is_err());
/// ```
pub fn parse_doku_timestamp(text: &str) -> Result<OffsetDateTime, TimestampError> {
    time::PrimitiveDateTime::parse(text, DOKU)
        .map(|at| at.assume_utc())
        .ok()
        .filter(|at| in_range(*at))
        .ok_or_else(|| TimestampError::Parse {
            format: "DOKU Request-Timestamp (yyyy-MM-ddTHH:mm:ssZ, years 1970 to 9998)",
            input: text.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use time::macros::offset;

    use super::*;

    #[test]
    fn timestamps_outside_the_valid_years_are_refused_both_ways() {
        // Found by fuzzing: this parsed, formatted as year -0001, and did not parse back.
        assert!(parse_snap_timestamp("0000-01-01T00:00:10+15:10").is_err());
        assert!(parse_snap_timestamp("9999-12-31T23:59:59+00:00").is_err());
        assert!(parse_snap_timestamp("1969-12-31T23:59:59Z").is_err());
        assert!(parse_snap_timestamp("1970-01-01T00:00:00Z").is_ok());
        assert!(parse_snap_timestamp("9998-12-31T23:59:59Z").is_ok());
        assert!(parse_doku_timestamp("0001-01-01T00:00:00Z").is_err());
        let ancient = time::macros::datetime!(0001-01-01 00:00 UTC);
        assert!(SnapTimestampFormat::OVO.format(ancient).is_err());
        let late = time::macros::datetime!(9999-01-01 00:00 UTC);
        assert!(SnapTimestampFormat::OVO.format(late).is_err());
        let early = time::macros::datetime!(1969-12-31 23:59:59.999 UTC);
        assert!(SnapTimestampFormat::OVO.format(early).is_err());
        assert!(format_doku_timestamp(ancient).is_err());
        // Every edge of the range formats back to itself in Jakarta time.
        for text in [
            "1970-01-01T00:00:00.000+00:00",
            "9998-12-31T23:59:59.999+00:00",
        ] {
            let at = parse_snap_timestamp(text).unwrap();
            let again = SnapTimestampFormat::OVO.format(at).unwrap();
            assert_eq!(parse_snap_timestamp(&again).unwrap(), at);
        }
    }

    proptest::proptest! {
        /// The digits written by hand are the `time` crate's, for any instant in range, any
        /// offset and both precisions.
        #[test]
        fn snap_format_is_the_time_crates(
            seconds in 0i64..253_370_764_800, // 1970-01-01 up to 9999-01-01 (excluded), in UTC
            nanos in 0u32..1_000_000_000,
            offset_seconds in -93_599i32..=93_599, // every offset `time` allows, to ±25:59:59
            millis in proptest::bool::ANY,
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap()
                + time::Duration::nanoseconds(i64::from(nanos));
            let offset = UtcOffset::from_whole_seconds(offset_seconds).unwrap();
            let (precision, description) = if millis {
                (Precision::Millis, SNAP_MILLIS)
            } else {
                (Precision::Seconds, SNAP_SECONDS)
            };
            let ours = SnapTimestampFormat::new(offset, precision).format(at);
            let local = at.to_offset(offset);
            proptest::prop_assert_eq!(ours.unwrap(), local.format(description).unwrap());
        }
    }

    #[test]
    fn a_format_reports_the_offset_and_precision_it_was_given() {
        let plain = SnapTimestampFormat::new(offset!(+8), Precision::Seconds);
        assert_eq!(plain.precision(), Precision::Seconds);
        assert_eq!(plain.offset(), offset!(+8));
        assert_eq!(SnapTimestampFormat::OVO.precision(), Precision::Millis);
        assert_eq!(SnapTimestampFormat::OVO.offset(), offset!(+7));
    }
}
