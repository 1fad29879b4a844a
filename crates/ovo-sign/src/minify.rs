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
/// Most bodies hold no backslash and no carriage return (serializers write neither unless a
/// string holds a quote or a control character). In such a body every quote opens or closes a
/// literal in turn, so whether a byte lies inside one is the parity of the quotes before it, and
/// both steps run without reading the body byte by byte:
/// - finding whether there is anything to remove: SIMD searches ([`memchr`]) for whitespace
///   bytes, and quote counts up to each one, jumping over the literals they fall in; a compact
///   body costs a few passes at 32 bytes a step;
/// - removing it: eight bytes at a time as one `u64` (SWAR), classified with no branch on the
///   bytes' values (which a pretty-printed body would mispredict at every token), and copied by
///   runs of kept bytes.
///
/// Other bodies are lexed: bytes between literals one at a time, each literal searched to its
/// end with `memchr2` for the next quote or backslash, and kept spans copied whole.
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
/// assert_eq!(minify(b"[\"a\\\"\" , 1]").unwrap().as_ref(), b"[\"a\\\"\",1]"); // lexed
/// assert!(minify(br#"{"a":"open"#).is_err());
/// ```
pub fn minify(json: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
    if memchr::memchr2(b'\\', b'\r', json).is_some() {
        return lexed(json);
    }
    // Until the first insignificant whitespace byte, nothing is copied: compact input is borrowed.
    match plain::first_whitespace(json)? {
        None => Ok(Cow::Borrowed(json)),
        Some(first) => Ok(Cow::Owned(plain::copy(json, first)?)),
    }
}

/// Bodies without a backslash or a carriage return.
mod plain {
    use super::MinifyError;

    /// The offset of the first whitespace byte outside a literal, if there is one.
    ///
    /// Visits only the whitespace bytes (`memchr3`); at each, the quotes since the last visit
    /// (`memchr` count) tell whether it lies in a literal, and if it does, the scan goes on after
    /// the literal's closing quote.
    pub(super) fn first_whitespace(json: &[u8]) -> Result<Option<usize>, MinifyError> {
        let mut at = 0;
        while let Some(found) = memchr::memchr3(b' ', b'\n', b'\t', &json[at..]) {
            let space = at + found;
            if !odd_quotes(&json[at..space]) {
                return Ok(Some(space));
            }
            let Some(close) = memchr::memchr(b'"', &json[space..]) else {
                return Err(unterminated(json));
            };
            at = space + close + 1;
        }
        match odd_quotes(&json[at..]) {
            false => Ok(None),
            true => Err(unterminated(json)),
        }
    }

    /// `json` without whitespace outside literals, given the offset of the first such byte.
    ///
    /// Each 8-byte word is classified at once, without a branch on its bytes; a word with nothing
    /// to drop is stored whole, another one run of kept bytes at a time, each as a whole-word
    /// store. The cursor never passes the input's offset, and the buffer has a word of slack, so
    /// that stores never go out of it; what lies past the cursor is overwritten or cut off.
    pub(super) fn copy(json: &[u8], first: usize) -> Result<Vec<u8>, MinifyError> {
        let start = first - first % WORD;
        let mut out = Output {
            bytes: vec![0; json.len() + WORD],
            len: start,
            // An odd number of quotes before `start`: it lies in a literal.
            in_string: u64::from(odd_quotes(&json[..start])),
        };
        out.bytes[..start].copy_from_slice(&json[..start]);
        let (words, tail) = json[start..].as_chunks::<WORD>();
        for word in words {
            out.word(*word, LOW_BITS);
        }
        // The tail as a word padded with `0` (neither a quote nor whitespace), padding dropped.
        let mut padded = [b'0'; WORD];
        padded[..tail.len()].copy_from_slice(tail);
        out.word(padded, ((1 << (8 * tail.len())) - 1) & LOW_BITS);
        if out.in_string == 1 {
            return Err(unterminated(json));
        }
        out.bytes.truncate(out.len);
        Ok(out.bytes)
    }

    /// The minified body being written, and whether the next word starts inside a literal.
    struct Output {
        /// As long as the input and a word more.
        bytes: Vec<u8>,
        /// The bytes written.
        len: usize,
        /// 1 inside a literal, else 0.
        in_string: u64,
    }

    impl Output {
        /// Appends the kept bytes of `word`, reading only the bytes whose bit 0 is set in `real`.
        #[inline(always)]
        fn word(&mut self, word: [u8; WORD], real: u64) {
            let bytes = u64::from_le_bytes(word);
            // Bit 0 of byte k of `inside`: byte k is in a literal (an opening quote counts as in,
            // a closing one as out). The multiply sums the quotes of bytes 0..=k into byte k; no
            // byte sums more than 8, so nothing carries into the next one.
            let parity = (equal(bytes, b'"') >> 7).wrapping_mul(LOW_BITS) & LOW_BITS;
            let inside = parity ^ (LOW_BITS * self.in_string);
            self.in_string ^= parity >> 56;
            let space = equal(bytes, b' ') | equal(bytes, b'\n') | equal(bytes, b'\t');
            let keep = !((space >> 7) & !inside) & real;
            if keep == LOW_BITS {
                self.bytes[self.len..self.len + WORD].copy_from_slice(&word);
                self.len += WORD;
                return;
            }
            // Bit k of `runs`: byte k is kept (the multiply gathers bit 0 of each byte into the
            // top byte). Each run of kept bytes is one 8-byte store of the word shifted down to
            // it; the cursor moves by the run's length.
            let mut runs = (keep.wrapping_mul(GATHER) >> 56) as u32;
            while runs != 0 {
                let start = runs.trailing_zeros();
                let run = (!(runs >> start)).trailing_zeros();
                let shifted = (bytes >> (8 * start)).to_le_bytes();
                self.bytes[self.len..self.len + WORD].copy_from_slice(&shifted);
                self.len += run as usize;
                runs &= !0 << (start + run);
            }
        }
    }

    /// Whether `bytes` hold an odd number of quotes (counted by `memchr`, SIMD).
    fn odd_quotes(bytes: &[u8]) -> bool {
        memchr::memchr_iter(b'"', bytes).count() % 2 == 1
    }

    /// Without backslashes, the literal left open is the one the last quote opens.
    fn unterminated(json: &[u8]) -> MinifyError {
        let start = memchr::memrchr(b'"', json).unwrap_or_default();
        MinifyError::UnterminatedString { start }
    }

    /// The bytes read at once, one `u64`.
    const WORD: usize = 8;
    /// `0x01` in every byte.
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;
    /// `0x7f` in every byte.
    const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    /// `0x80` in every byte.
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    /// Multiplying by it moves bit 0 of byte k to bit 56 + k: the 64 partial products all land on
    /// different bits, so nothing carries.
    const GATHER: u64 = 0x0102_0408_1020_4080;

    /// The high bit of each byte of the result is set exactly where the byte of `word` is `byte`.
    fn equal(word: u64, byte: u8) -> u64 {
        let x = word ^ (LOW_BITS * u64::from(byte));
        // A byte of `x` is zero iff its low seven bits do not carry into bit 7 and bit 7 is clear.
        !(((x & LOW_SEVEN) + LOW_SEVEN) | x) & HIGH_BITS
    }
}

/// [`minify`] for any body: the bytes between literals one at a time, literals by `memchr2`.
fn lexed(json: &[u8]) -> Result<Cow<'_, [u8]>, MinifyError> {
    let mut lexer = Lexer { json, at: 0 };
    let Some(first) = lexer.next_whitespace()? else {
        return Ok(Cow::Borrowed(json));
    };
    let mut out = Vec::with_capacity(json.len());
    let (mut kept, mut next) = (0, first);
    loop {
        out.extend_from_slice(&json[kept..next]);
        kept = lexer.skip_whitespace();
        match lexer.next_whitespace()? {
            Some(found) => next = found,
            None => break,
        }
    }
    out.extend_from_slice(&json[kept..]);
    Ok(Cow::Owned(out))
}

/// A position in a JSON body, always outside string literals.
struct Lexer<'a> {
    json: &'a [u8],
    /// The next byte to read.
    at: usize,
}

impl Lexer<'_> {
    /// Moves to the next insignificant whitespace byte and returns its offset; `None` at the end.
    fn next_whitespace(&mut self) -> Result<Option<usize>, MinifyError> {
        while let Some(&byte) = self.json.get(self.at) {
            match byte {
                b'"' => self.at = self.string_end(self.at)?,
                b' ' | b'\t' | b'\n' | b'\r' => return Ok(Some(self.at)),
                _ => self.at += 1,
            }
        }
        Ok(None)
    }

    /// Moves past a run of whitespace and returns the offset of the byte after it.
    fn skip_whitespace(&mut self) -> usize {
        while self
            .json
            .get(self.at)
            .copied()
            .is_some_and(is_json_whitespace)
        {
            self.at += 1;
        }
        self.at
    }

    /// The offset after the closing quote of the string literal whose opening quote is at `open`.
    fn string_end(&self, open: usize) -> Result<usize, MinifyError> {
        let mut at = open + 1;
        // A backslash escapes the next byte, whatever it is (`\"`, `\\`, `\u`, ...).
        while let Some(rest) = self.json.get(at..) {
            let Some(found) = memchr::memchr2(b'"', b'\\', rest) else {
                break;
            };
            at += found;
            if self.json[at] == b'"' {
                return Ok(at + 1);
            }
            at += 2;
        }
        Err(MinifyError::UnterminatedString { start: open })
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
