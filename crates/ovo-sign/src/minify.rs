//! JSON minification for the SNAP body hash.
//!
//! SNAP hashes `minify(body)`: the body with every insignificant whitespace byte removed and every
//! other byte kept exactly: key order, escapes (`\u00e9` stays six bytes), number spelling, `null`
//! and raw UTF-8. Whitespace inside string literals is significant and is never touched. This is
//! Go's `json.Compact`, not a re-serialisation: re-serialising through a JSON value would re-escape
//! strings and reorder or re-spell numbers, so the hash would no longer match the bytes sent.

use std::borrow::Cow;

use crate::error::MinifyError;

/// Removes whitespace (space, tab, LF, CR) outside JSON string literals and keeps every other byte.
///
/// The scan is lexical: it tracks string literals and escapes, not the JSON grammar, so it never
/// rejects a body that the provider would accept; the one malformed input it refuses is an
/// unterminated string, where it cannot know which whitespace is significant. A body that is
/// already compact is returned borrowed, without a copy. An empty body stays empty.
///
/// ```
/// use ovo_sign::minify;
///
/// let sent = br#"{ "name" : "Setya Wardana",  "amount": { "value": "10000.00" } }"#;
/// assert_eq!(
///     minify(sent).unwrap().as_ref(),
///     br#"{"name":"Setya Wardana","amount":{"value":"10000.00"}}"#
/// );
/// assert!(minify(br#"{"a":"open"#).is_err());
/// ```
pub fn minify(json: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
    // `out` stays `None` until the first insignificant whitespace byte: compact input is borrowed.
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while let Some(&byte) = json.get(i) {
        if byte == b'"' {
            let end = string_end(json, i)?;
            if let Some(copy) = out.as_mut() {
                copy.extend_from_slice(&json[i..end]);
            }
            i = end;
        } else {
            if is_json_whitespace(byte) {
                out.get_or_insert_with(|| {
                    let mut copy = Vec::with_capacity(json.len());
                    copy.extend_from_slice(&json[..i]);
                    copy
                });
            } else if let Some(copy) = out.as_mut() {
                copy.push(byte);
            }
            i += 1;
        }
    }
    Ok(match out {
        Some(copy) => Cow::Owned(copy),
        None => Cow::Borrowed(json),
    })
}

/// The index just past the string literal whose opening quote is at `start`. String contents are
/// skipped with a SIMD search for the next quote or backslash, not byte by byte.
fn string_end(json: &[u8], start: usize) -> Result<usize, MinifyError> {
    let unterminated = MinifyError::UnterminatedString { start };
    let mut i = start + 1;
    loop {
        let rest = json.get(i..).ok_or(unterminated.clone())?;
        let found = memchr::memchr2(b'"', b'\\', rest).ok_or(unterminated.clone())?;
        i += found;
        if json[i] == b'"' {
            return Ok(i + 1);
        }
        // A backslash escapes the next byte, whatever it is (`\"`, `\\`, `\u`, ...).
        i += 2;
    }
}

/// The four whitespace bytes of RFC 8259 §2; nothing else (no NBSP, no form feed) is insignificant.
fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(input: &str) -> String {
        String::from_utf8(minify(input.as_bytes()).unwrap().into_owned()).unwrap()
    }

    #[test]
    fn keeps_whitespace_inside_strings() {
        // A real tab and two spaces inside the string survive; the ones outside do not.
        assert_eq!(min("{ \"a\" :\t\"x  y\t\" }"), "{\"a\":\"x  y\t\"}");
    }

    #[test]
    fn escaped_quote_does_not_end_the_string() {
        assert_eq!(
            min(r#"{ "a" : "say \" hi \\" , "b" : 1 }"#),
            r#"{"a":"say \" hi \\","b":1}"#
        );
    }

    #[test]
    fn keeps_escapes_nulls_and_non_ascii_as_sent() {
        assert_eq!(
            min("{\n  \"c\": \"caf\\u00e9 café\",\n  \"n\": null,\n  \"u\": \"\\/\"\n}\n"),
            "{\"c\":\"caf\\u00e9 café\",\"n\":null,\"u\":\"\\/\"}"
        );
    }

    #[test]
    fn compact_input_is_borrowed() {
        assert!(matches!(minify(br#"{"a":1}"#).unwrap(), Cow::Borrowed(_)));
        assert!(matches!(minify(br#"{"a": 1}"#).unwrap(), Cow::Owned(_)));
    }

    #[test]
    fn non_json_whitespace_is_kept() {
        // A form feed and a no-break space are not JSON whitespace: they are bytes of the body.
        assert_eq!(min("{\u{c}\"a\":1\u{a0}}"), "{\u{c}\"a\":1\u{a0}}");
    }

    #[test]
    fn unterminated_string_is_refused_with_its_offset() {
        assert_eq!(
            minify(br#"{"a": "b}"#),
            Err(MinifyError::UnterminatedString { start: 6 })
        );
        assert_eq!(
            minify(br#"{"a": "b\"}"#),
            Err(MinifyError::UnterminatedString { start: 6 })
        );
    }

    #[test]
    fn empty_body_stays_empty() {
        assert_eq!(min(""), "");
        assert_eq!(min(" \n"), "");
    }
}
