//! Reading JSON text into a [`Value`].
//!
//! Hand-written rather than serde_json because every call of every host
//! starts here: strings and numbers borrow from the input, nothing is
//! validated twice, and the module carries no generic deserializer. The
//! grammar is RFC 8259's, as strictly as serde_json reads it (no trailing
//! commas, no comments, no lone surrogates); `core/tests/json.rs` holds the
//! two readers to the same answers.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::limits::{
    MAX_DEPTH, MAX_INPUT_BYTES, MAX_LIST_ITEMS, TOO_DEEP, TOO_LARGE, TOO_MANY_ITEMS,
};
use crate::value::{Value, BYTES_MARKER};

/// How `{"$bytes": "<base64>"}` is read: as raw bytes in what a host
/// sends ([`Convention::Host`]), as the object it is in payloads found
/// inside events ([`Convention::Plain`]), whose authors never agreed to it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Convention {
    Host,
    Plain,
}

/// Reads one JSON value that spans the whole text (whitespace aside).
pub(crate) fn read(text: &[u8], convention: Convention) -> Result<Value<'_>, String> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(String::from(TOO_LARGE));
    }
    // Validating once up front lets every string borrow its bytes as `str`;
    // outside strings a non-ASCII byte is a syntax error either way.
    let text = core::str::from_utf8(text)
        .map_err(|e| format!("the input is not UTF-8 (at byte {})", e.valid_up_to()))?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        failure: None,
        convention,
    };
    let value = reader.value(0);
    reader.skip_space();
    if reader.failure.is_none() && reader.at < reader.bytes.len() {
        reader.fail("trailing characters");
    }
    match reader.failure {
        Some(failure) => Err(failure),
        None => Ok(value),
    }
}

// Values are returned bare and the first failure is kept aside: a
// `Result<Value, String>` returned through every level of nesting cost more
// in copies than all the rest of the reading.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    failure: Option<String>,
    convention: Convention,
}

impl<'a> Reader<'a> {
    /// Records the first failure; what is read after it is discarded.
    #[cold]
    fn fail(&mut self, what: &str) {
        if self.failure.is_none() {
            self.failure = Some(if self.at >= self.bytes.len() {
                format!("{what} at the end of the input")
            } else {
                format!("{what} at byte {}", self.at)
            });
        }
        // Nothing after a failure is read: every loop stops at the end.
        self.at = self.bytes.len();
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        let mut at = self.at;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(at) {
            at += 1;
        }
        self.at = at;
    }

    /// Consumes `literal` (starting at its first byte).
    fn literal(&mut self, literal: &str, value: Value<'a>) -> Value<'a> {
        if self.bytes.get(self.at..self.at + literal.len()) == Some(literal.as_bytes()) {
            self.at += literal.len();
            value
        } else {
            self.fail("expected a value");
            Value::Null
        }
    }

    /// A value nested `depth` arrays or objects deep.
    fn value(&mut self, depth: usize) -> Value<'a> {
        self.skip_space();
        match self.peek() {
            Some(b'"') => match self.string() {
                Some(s) => Value::String(s),
                None => Value::Null,
            },
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => {
                self.fail("expected a value");
                Value::Null
            }
        }
    }

    /// Enters an array or object at `depth`; refuses the one too many.
    fn open(&mut self, depth: usize) -> bool {
        if depth >= MAX_DEPTH {
            self.fail(TOO_DEEP);
            return false;
        }
        self.at += 1;
        self.skip_space();
        true
    }

    fn array(&mut self, depth: usize) -> Value<'a> {
        let mut items = Vec::new();
        if !self.open(depth) {
            return Value::Null;
        }
        if self.peek() == Some(b']') {
            self.at += 1;
            return Value::Array(items);
        }
        loop {
            if items.len() == MAX_LIST_ITEMS {
                self.fail(TOO_MANY_ITEMS);
                return Value::Null;
            }
            items.push(self.value(depth + 1));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Value::Array(items);
                }
                _ => {
                    self.fail("expected `,` or `]`");
                    return Value::Null;
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Value<'a> {
        let mut members = Vec::new();
        if !self.open(depth) {
            return Value::Null;
        }
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Value::Object(members);
        }
        loop {
            if self.peek() != Some(b'"') {
                self.fail("expected a member name");
                return Value::Null;
            }
            let Some(name) = self.string() else {
                return Value::Null;
            };
            self.skip_space();
            if self.peek() != Some(b':') {
                self.fail("expected `:`");
                return Value::Null;
            }
            self.at += 1;
            members.push((name, self.value(depth + 1)));
            self.skip_space();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_space();
                }
                Some(b'}') => {
                    self.at += 1;
                    return match self.convention {
                        Convention::Host => bytes_marker(members),
                        Convention::Plain => Value::Object(members),
                    };
                }
                _ => {
                    self.fail("expected `,` or `}`");
                    return Value::Null;
                }
            }
        }
    }

    /// A string at `"`: borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.at + 1;
        let end = self.plain_run(start);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.at = end + 1;
                Some(Cow::Borrowed(self.slice(start, end)))
            }
            Some(b'\\') => {
                self.at = end;
                self.escaped(String::from(self.slice(start, end)))
                    .map(Cow::Owned)
            }
            _ => {
                self.at = end;
                self.unterminated();
                None
            }
        }
    }

    /// The rest of a string that has escapes, from a `\`.
    fn escaped(&mut self, mut owned: String) -> Option<String> {
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Some(owned);
                }
                Some(b'\\') => {
                    self.at += 1;
                    self.escape(&mut owned)?;
                }
                _ => {
                    self.unterminated();
                    return None;
                }
            }
            let start = self.at;
            let end = self.plain_run(start);
            owned.push_str(self.slice(start, end));
            self.at = end;
        }
    }

    #[cold]
    fn unterminated(&mut self) {
        match self.peek() {
            Some(_) => self.fail("a control character in a string"),
            None => self.fail("an unterminated string"),
        }
    }

    /// The end of the run from `at` that needs no attention: up to the
    /// next quote, backslash or control character (or the end).
    fn plain_run(&self, mut at: usize) -> usize {
        let bytes = self.bytes;
        // Eight bytes at a time while none of them is special; strings in
        // events are mostly long ARNs, ETags and keys.
        while let Some(chunk) = bytes.get(at..at + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let w = u64::from_le_bytes(word);
            const ONES: u64 = 0x0101_0101_0101_0101;
            const HIGH: u64 = 0x8080_8080_8080_8080;
            let quote = w ^ (ONES * b'"' as u64);
            let slash = w ^ (ONES * b'\\' as u64);
            // A byte is zero (a match) or below 0x20 where the subtraction
            // borrows into its high bit; bytes >= 0x80 are excluded by `!w`.
            let special =
                (quote.wrapping_sub(ONES) | slash.wrapping_sub(ONES) | w.wrapping_sub(ONES * 0x20))
                    & !w
                    & HIGH;
            if special != 0 {
                break;
            }
            at += 8;
        }
        while let Some(&b) = bytes.get(at) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            at += 1;
        }
        at
    }

    /// `start..end` lies between ASCII bytes of the validated text, so the
    /// slice is always on character boundaries.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// One escape, after its `\`.
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                let unit = self.hex4()?;
                // A lone surrogate reads as U+FFFD, as `JSON.parse` then a
                // UTF-8 encoder (the SDKs', `TextEncoder`) make of it, and
                // as Python's marshal input reads: every host the same text.
                let c = match unit {
                    0xd800..=0xdbff => match self.low_surrogate() {
                        Some(low) => {
                            self.at += 6;
                            0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                        }
                        None => 0xfffd,
                    },
                    0xdc00..=0xdfff => 0xfffd,
                    _ => unit,
                };
                out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                return Some(());
            }
            _ => {
                self.fail("an invalid escape");
                return None;
            }
        };
        self.at += 1;
        out.push(c);
        Some(())
    }

    /// The low surrogate of a `\uXXXX` escape that follows, not read yet.
    fn low_surrogate(&self) -> Option<u32> {
        let escape = self.bytes.get(self.at..self.at + 6)?;
        let digits = escape.strip_prefix(b"\\u")?;
        let unit = digits.iter().try_fold(0u32, |unit, &d| {
            char::from(d).to_digit(16).map(|v| unit << 4 | v)
        })?;
        (0xdc00..=0xdfff).contains(&unit).then_some(unit)
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(b @ b'0'..=b'9') => b - b'0',
                Some(b @ b'a'..=b'f') => b - b'a' + 10,
                Some(b @ b'A'..=b'F') => b - b'A' + 10,
                _ => {
                    self.fail("an invalid \\u escape");
                    return None;
                }
            };
            unit = unit * 16 + u32::from(digit);
            self.at += 1;
        }
        Some(unit)
    }

    /// A number, kept as the text it was written as.
    fn number(&mut self) -> Value<'a> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return self.invalid_number(),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.required_digits() {
                return self.invalid_number();
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !self.required_digits() {
                return self.invalid_number();
            }
        }
        Value::Number(Cow::Borrowed(self.slice(start, self.at)))
    }

    #[cold]
    fn invalid_number(&mut self) -> Value<'a> {
        self.fail("an invalid number");
        Value::Null
    }

    fn digits(&mut self) {
        let mut at = self.at;
        while let Some(b'0'..=b'9') = self.bytes.get(at) {
            at += 1;
        }
        self.at = at;
    }

    fn required_digits(&mut self) -> bool {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return false;
        }
        self.digits();
        true
    }
}

/// `{"$bytes": "<base64>"}` becomes bytes; anything else stays an object.
fn bytes_marker<'a>(members: Vec<(Cow<'a, str>, Value<'a>)>) -> Value<'a> {
    if let [(name, Value::String(text))] = members.as_slice() {
        if name == BYTES_MARKER {
            if let Some(bytes) = crate::base64::decode(text) {
                return Value::Bytes(bytes);
            }
        }
    }
    Value::Object(members)
}
