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
/// already compact (as `serde_json::to_vec` writes it) is returned borrowed, without a copy. An
/// empty body stays empty.
///
/// The body is read eight bytes at a time as one `u64` (SWAR, branch-free): which bytes are
/// quotes, backslashes or whitespace candidates, and, by one multiply, which lie inside a string.
/// Only an 8-byte word with whitespace outside strings, or with a backslash, is looked at byte by
/// byte, so finding that a compact body is compact costs a fraction of hashing it.
///
/// ```
/// use std::borrow::Cow;
/// use ovo_sign::minify;
///
/// let sent = br#"{ "name" : "Setya Wardana",  "amount": { "value": "10000.00" } }"#;
/// assert_eq!(
///     minify(sent).unwrap().as_ref(),
///     br#"{"name":"Setya Wardana","amount":{"value":"10000.00"}}"#
/// );
/// assert!(matches!(minify(br#"{"name":"Setya Wardana"}"#), Ok(Cow::Borrowed(_))));
/// assert!(minify(br#"{"a":"open"#).is_err());
/// ```
pub fn minify(json: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
    let mut scanner = Scanner::default();
    let mut words = json.chunks(WORD).enumerate();
    // Until the first insignificant whitespace byte, nothing is copied: compact input is borrowed.
    let mut out = loop {
        let Some((index, word)) = words.next() else {
            return match scanner.in_string {
                false => Ok(Cow::Borrowed(json)),
                true => Err(unterminated(json)),
            };
        };
        let drop = scanner.word(word);
        if drop != 0 {
            let mut out = Vec::with_capacity(json.len());
            out.extend_from_slice(&json[..index * WORD]);
            keep(&mut out, word, drop);
            break out;
        }
    };
    for (_, word) in words {
        let drop = scanner.word(word);
        keep(&mut out, word, drop);
    }
    match scanner.in_string {
        false => Ok(Cow::Owned(out)),
        true => Err(unterminated(json)),
    }
}

/// The bytes read at once, one `u64`.
const WORD: usize = 8;
/// `0x01` in every byte.
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
/// `0x7f` in every byte.
const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
/// `0x80` in every byte.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The lexical state carried from one word to the next.
#[derive(Debug, Default)]
struct Scanner {
    /// Inside a string literal after the last word.
    in_string: bool,
    /// The last word ended with a backslash inside a string: the next byte is escaped.
    escape_pending: bool,
}

impl Scanner {
    /// The insignificant whitespace bytes of `word` (at most 8 bytes): bit `8k` set for `word[k]`.
    fn word(&mut self, word: &[u8]) -> u64 {
        let bytes = load(word);
        if self.escape_pending || equal(bytes, b'\\') != 0 {
            // Escapes are rare in request bodies; read such a word byte by byte.
            return self.word_bytewise(word);
        }
        let quotes = equal(bytes, b'"') >> 7;
        // The low bit of byte k of `quotes * 0x0101..` is the parity of the quotes in bytes
        // 0..=k (each byte sums at most 8 ones, so nothing carries between bytes): set inside a
        // string, with an opening quote counted inside and a closing one outside.
        let parity = quotes.wrapping_mul(LOW_BITS) & LOW_BITS;
        let inside = if self.in_string {
            parity ^ LOW_BITS
        } else {
            parity
        };
        // The parity of the whole word is that of its last byte.
        self.in_string ^= parity >> 56 == 1;
        // Bytes below `!` are the four whitespace bytes or control bytes, which are kept.
        let candidates = (below(bytes, b'!') >> 7) & !inside;
        if candidates == 0 {
            return 0;
        }
        let whitespace = equal(bytes, b' ') | equal(bytes, b'\t');
        let whitespace = whitespace | equal(bytes, b'\n') | equal(bytes, b'\r');
        (whitespace >> 7) & !inside
    }

    /// [`Scanner::word`] one byte at a time, for words with a backslash in them.
    fn word_bytewise(&mut self, word: &[u8]) -> u64 {
        let mut drop = 0;
        for (k, &byte) in word.iter().enumerate() {
            if self.escape_pending {
                // A backslash escapes the next byte, whatever it is (`\"`, `\\`, `\u`, ...).
                self.escape_pending = false;
            } else if self.in_string {
                match byte {
                    b'"' => self.in_string = false,
                    b'\\' => self.escape_pending = true,
                    _ => {}
                }
            } else if byte == b'"' {
                self.in_string = true;
            } else if is_json_whitespace(byte) {
                drop |= 1 << (WORD * k);
            }
        }
        drop
    }
}

/// The error for a body whose last string literal is never closed, naming where it opens. Only
/// reached for malformed bodies, so it reads the body again, byte by byte, to find the quote.
fn unterminated(json: &[u8]) -> MinifyError {
    let (mut start, mut in_string, mut escaped) = (0, false, false);
    for (i, &byte) in json.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if in_string {
            match byte {
                b'"' => in_string = false,
                b'\\' => escaped = true,
                _ => {}
            }
        } else if byte == b'"' {
            (in_string, start) = (true, i);
        }
    }
    MinifyError::UnterminatedString { start }
}

/// Up to eight bytes as a little-endian `u64` (byte k in bits 8k..8k+8); a short last word is
/// padded with `0`, which is neither a quote, a backslash nor whitespace.
fn load(word: &[u8]) -> u64 {
    if let Ok(full) = <[u8; WORD]>::try_from(word) {
        return u64::from_le_bytes(full);
    }
    let mut bytes = [b'0'; WORD];
    bytes[..word.len()].copy_from_slice(word);
    u64::from_le_bytes(bytes)
}

/// The high bit of each byte of the result is set exactly where the byte of `word` is `byte`.
fn equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (LOW_BITS * u64::from(byte));
    // A byte of `x` is zero iff its low seven bits do not carry into bit 7 and bit 7 is clear.
    !(((x & LOW_SEVEN) + LOW_SEVEN) | x) & HIGH_BITS
}

/// The high bit of each byte of the result is set exactly where the byte of `word` is below
/// `bound` (at most 0x80).
fn below(word: u64, bound: u8) -> u64 {
    // (b & 0x7f) + (0x80 - bound) reaches bit 7 iff b & 0x7f >= bound; no byte carries over.
    !(((word & LOW_SEVEN) + LOW_BITS * u64::from(0x80 - bound)) | word) & HIGH_BITS
}

/// Appends the bytes of `word` whose bit `8k` in `drop` is clear.
fn keep(out: &mut Vec<u8>, word: &[u8], drop: u64) {
    if drop == 0 {
        out.extend_from_slice(word);
        return;
    }
    for (k, &byte) in word.iter().enumerate() {
        if (drop >> (WORD * k)) & 1 == 0 {
            out.push(byte);
        }
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
