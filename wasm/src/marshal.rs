//! Reading Python's `marshal` format (version 4) into a [`Value`].
//!
//! The Python package hands its values over this way because
//! `marshal.dumps` is written in C and walks dicts, lists and strings
//! faster than the `json` module (bench/python measures both), and strings
//! cross with their length in front, so nothing has to be escaped on one
//! side or scanned on the other.
//! The Node.js package writes the same format itself, for the same two
//! reasons (its own writer, not `JSON.stringify`, does the walking).
//! `ABI.md` ("Input in marshal format") lists what is read; anything else
//! is refused with a message, never guessed at.
//!
//! Both packages write every value along the core's projections
//! ([`read_along`], `ABI.md` "Input"): where a projection names the
//! members of an object, the object goes as a tuple of those members'
//! values in the projection's order (None for one it does not have), so
//! that no member name is written or read.
//!
//! Objects that Python holds more than once, and strings that the Node.js
//! package sees repeated, may be written once and then referred to by
//! index (`FLAG_REF` and `r`). A [`Value`] cannot share, so a
//! reference is read again from where its object starts; the number of
//! values made is bounded so that references to references cannot make a
//! small input expand without end.

use span_autolink::limits::{MAX_DEPTH, MAX_LIST_ITEMS, TOO_DEEP, TOO_MANY_ITEMS};
use span_autolink::projection::Projection;
use span_autolink::value::Value;
use std::borrow::Cow;

/// Set in a type byte when the object is given the next reference index.
const FLAG_REF: u8 = 0x80;

/// Longest integer read, in 15-bit digits (about 1,350 decimal digits; a
/// DynamoDB number has at most 38).
const MAX_LONG_DIGITS: usize = 300;

/// Reads one marshalled object that spans the whole input.
pub fn read(data: &[u8]) -> Result<Value<'_>, String> {
    let mut reader = Reader::new(data);
    let value = reader.value(0, true);
    reader.finish(value)
}

/// Reads one value written along `projection` that spans the whole input
/// (an event).
pub fn read_along<'a>(data: &'a [u8], projection: &Projection) -> Result<Value<'a>, String> {
    let mut reader = Reader::new(data);
    let value = reader.projected(projection, 0);
    reader.finish(value)
}

/// Reads a call: the tuple `(code, request, response)` that spans the
/// whole input, `projections` giving for an operation code what its
/// request and response are written along (`None`: no such operation).
/// The request and response are one level deep, as members of the call.
pub fn read_call<'a, 'p>(
    data: &'a [u8],
    projections: impl FnOnce(u8) -> Option<[&'p Projection; 2]>,
) -> Result<(u8, [Value<'a>; 2]), String> {
    let mut reader = Reader::new(data);
    let call = reader.call(projections);
    reader
        .finish(call)?
        .ok_or_else(|| String::from("no such call"))
}

// As in the JSON reader, values are returned bare and the first failure is
// kept aside: a `Result` through every level cost twice the reading.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
    /// The referable objects, by reference index.
    refs: Vec<Shared<'a>>,
    /// Values made so far, and how many may be.
    made: usize,
    budget: usize,
    failure: Option<String>,
}

/// The end of a dict, which marshal writes where a key would be.
const END: u8 = b'0';

/// A referable object: a string is kept as read (most references name a
/// member name or a repeated value); anything else is read again from
/// where it starts.
#[derive(Clone, Copy)]
enum Shared<'a> {
    At(usize),
    Text(&'a str),
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            at: 0,
            refs: Vec::new(),
            made: 0,
            budget: data.len().saturating_mul(8).saturating_add(4096),
            failure: None,
        }
    }

    /// What was read, if it was all of the input and nothing failed.
    fn finish<T>(mut self, read: T) -> Result<T, String> {
        if self.failure.is_none() && self.at != self.data.len() {
            self.fail("trailing bytes");
        }
        match self.failure {
            Some(failure) => Err(failure),
            None => Ok(read),
        }
    }

    /// The `(code, request, response)` of a call.
    fn call<'p>(
        &mut self,
        projections: impl FnOnce(u8) -> Option<[&'p Projection; 2]>,
    ) -> Option<(u8, [Value<'a>; 2])> {
        if self.tuple_of(3, 0).is_none() {
            self.fail("a call that is not a tuple of (operation code, request, response)");
            return None;
        }
        let start = self.at;
        let head = self.data.get(start).copied().unwrap_or(0);
        let code = if head & !FLAG_REF == b'i' {
            // The code as the hosts write it, an i32, read as a number
            // rather than as the text of one. With the reference flag (as
            // CPython writes an int it holds more than once) it takes its
            // index, as `item` would give it.
            if head & FLAG_REF != 0 {
                self.refs.reserve(16);
                self.refs.push(Shared::At(start));
            }
            self.at += 1;
            self.made += 1;
            self.int32().and_then(|n| u8::try_from(n).ok())
        } else {
            match self.value(1, true) {
                Value::Number(n) => n.parse::<u8>().ok(),
                _ => None,
            }
        };
        let Some((code, [request, response])) = code.and_then(|c| Some((c, projections(c)?)))
        else {
            self.fail("an operation code that names no operation");
            return None;
        };
        let request = self.projected(request, 1);
        let response = self.projected(response, 1);
        Some((code, [request, response]))
    }

    /// Opens a tuple of exactly `n` items at `depth` (registering it when
    /// flagged); `None`, with nothing read, when the next value is not a
    /// tuple.
    fn tuple_of(&mut self, n: usize, depth: usize) -> Option<()> {
        let at = self.at;
        let code = *self.data.get(at)?;
        let (count, head) = match code & !FLAG_REF {
            b')' => (usize::from(*self.data.get(at + 1)?), 2),
            b'(' => {
                let b = self.data.get(at + 1..at + 5)?;
                (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
            }
            _ => return None,
        };
        if !self.enter(depth) {
            return None;
        }
        if count != n {
            self.fail(&format!(
                "a projected object of {count} members where its projection names {n}"
            ));
            return None;
        }
        self.made += 1;
        if code & FLAG_REF != 0 {
            self.refs.push(Shared::At(at));
        }
        self.at += head;
        Some(())
    }

    /// One value written along `projection`: an object it names members
    /// of comes as the tuple of their values (None for one the object
    /// does not have), a list it projects each item of as a list of items
    /// written along the inner projection, and anything else whole (the
    /// rules then see its type).
    fn projected(&mut self, projection: &Projection, depth: usize) -> Value<'a> {
        match (projection, self.data.get(self.at).map(|&b| b & !FLAG_REF)) {
            (Projection::Fields(fields), Some(b')' | b'(')) => {
                if self.tuple_of(fields.len(), depth).is_none() {
                    return Value::Null;
                }
                let mut members = Vec::with_capacity(fields.len());
                for (name, inner) in fields.iter() {
                    // Absent and null are the same to every rule.
                    if self.data.get(self.at) == Some(&b'N') {
                        self.at += 1;
                        self.made += 1;
                        continue;
                    }
                    let value = self.projected(inner, depth + 1);
                    members.push((Cow::Borrowed(*name), value));
                }
                Value::Object(members)
            }
            (Projection::Each(inner), Some(b'[')) => {
                if self.data.get(self.at).is_some_and(|&b| b & FLAG_REF != 0) {
                    self.refs.push(Shared::At(self.at));
                }
                self.at += 1;
                self.made += 1;
                match self.size() {
                    Some(n) => self.items(n, depth, |r, d| r.projected(inner, d)),
                    None => Value::Null,
                }
            }
            (Projection::All, Some(b'u' | b'z' | b'Z')) => match self.plain_text() {
                Some(text) => Value::String(Cow::Borrowed(text)),
                None => self.value(depth, true),
            },
            _ => self.value(depth, true),
        }
    }

    /// A string without the reference flag (`u`, or short ASCII `z`/`Z`),
    /// read directly: most of what both packages write at a projection's
    /// leaves and as dict keys. `None`, with nothing read, for anything
    /// else.
    fn plain_text(&mut self) -> Option<&'a str> {
        let (start, end) = match self.data.get(self.at..) {
            Some(&[b'z' | b'Z', n, ..]) => (self.at + 2, self.at + 2 + usize::from(n)),
            Some(&[b'u', a, b, c, d, ..]) => (
                self.at + 5,
                (self.at + 5).saturating_add(u32::from_le_bytes([a, b, c, d]) as usize),
            ),
            _ => return None,
        };
        let text = utf8(self.data.get(start..end)?)?;
        self.made += 1;
        self.at = end;
        Some(text)
    }

    /// Records the first failure; nothing after it is read.
    #[cold]
    fn fail(&mut self, what: &str) -> Value<'a> {
        if self.failure.is_none() {
            self.failure = Some(format!("{what} at byte {}", self.at));
        }
        self.at = self.data.len();
        Value::Null
    }

    fn byte(&mut self) -> Option<u8> {
        let b = self.data.get(self.at).copied();
        match b {
            Some(_) => self.at += 1,
            None => {
                self.fail("unexpected end");
            }
        }
        b
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let bytes = self.data.get(self.at..self.at.saturating_add(n));
        match bytes {
            Some(_) => self.at += n,
            None => {
                self.fail("unexpected end");
            }
        }
        bytes
    }

    fn int32(&mut self) -> Option<i32> {
        let mut word = [0u8; 4];
        word.copy_from_slice(self.take(4)?);
        Some(i32::from_le_bytes(word))
    }

    /// A length or count, which marshal writes as a signed 32-bit integer.
    fn size(&mut self) -> Option<usize> {
        let n = self.int32()?;
        match usize::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.fail("a negative size");
                None
            }
        }
    }

    fn text(&mut self, n: usize) -> Value<'a> {
        let Some(bytes) = self.take(n) else {
            return Value::Null;
        };
        match utf8(bytes) {
            Some(text) => Value::String(Cow::Borrowed(text)),
            None => match surrogates_replaced(bytes) {
                Some(text) => Value::String(Cow::Owned(text)),
                None => self.fail("a string that is not UTF-8"),
            },
        }
    }

    /// A float as text (marshal's type `f`): what both packages write for
    /// an exact number (a JavaScript number's own text, a `NumberValue`,
    /// a BigInt, a Python `Decimal`). Python's float specials `inf`,
    /// `-inf` and `nan` read as null, as `g` does; any other text is the
    /// number's text, which the rules that read numbers check (a key value
    /// `NaN` is `number_invalid`).
    fn float_text(&mut self, n: usize) -> Value<'a> {
        let Some(bytes) = self.take(n) else {
            return Value::Null;
        };
        if matches!(bytes, b"inf" | b"-inf" | b"nan") {
            return Value::Null;
        }
        match utf8(bytes) {
            Some(text) => Value::Number(Cow::Borrowed(text)),
            None => self.fail("a float text that is not UTF-8"),
        }
    }

    /// One value, `depth` containers deep. `register` is false while a
    /// reference is read again: its objects already have their indices.
    fn value(&mut self, depth: usize, register: bool) -> Value<'a> {
        if self.data.get(self.at) == Some(&END) {
            return self.fail("a dict end where a value belongs");
        }
        self.item(depth, register)
    }

    /// The value at the next type byte (a dict end is for the caller to
    /// see first).
    fn item(&mut self, depth: usize, register: bool) -> Value<'a> {
        self.made += 1;
        if self.made > self.budget {
            return self.fail("shared objects repeated beyond any real input");
        }
        let start = self.at;
        let Some(code) = self.byte() else {
            return Value::Null;
        };
        // As in CPython, a reference and the singletons take no index even
        // when flagged (checked last: most type bytes carry no flag). A
        // flagged reference that took one could name itself and be read
        // again without end.
        if code & FLAG_REF != 0
            && register
            && !matches!(code & !FLAG_REF, b'r' | b'N' | b'T' | b'F' | b'.' | b'S')
        {
            if self.refs.capacity() == 0 {
                // One allocation for the references of most inputs.
                self.refs.reserve(16);
            }
            // Containers get their index before their contents, as
            // marshal's writer numbers them.
            self.refs.push(Shared::At(start));
            if let b'z' | b'Z' | b'a' | b'A' | b'u' | b't' = code & !FLAG_REF {
                let index = self.refs.len() - 1;
                let value = self.item_of(code, start, depth, register);
                if let (Value::String(Cow::Borrowed(text)), Some(slot)) =
                    (&value, self.refs.get_mut(index))
                {
                    *slot = Shared::Text(text);
                }
                return value;
            }
        }
        self.item_of(code, start, depth, register)
    }

    /// The value of type byte `code`, read at `start`, whose contents follow.
    fn item_of(&mut self, code: u8, start: usize, depth: usize, register: bool) -> Value<'a> {
        match code & !FLAG_REF {
            b'N' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' => match self.int32() {
                Some(n) => Value::Number(Cow::Owned(n.to_string())),
                None => Value::Null,
            },
            b'l' => self.long(),
            b'g' => match self.take(8) {
                Some(b) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(b);
                    float(f64::from_le_bytes(word))
                }
                None => Value::Null,
            },
            b'f' => match self.byte() {
                Some(n) => self.float_text(usize::from(n)),
                None => Value::Null,
            },
            b'z' | b'Z' => match self.byte() {
                Some(n) => self.text(usize::from(n)),
                None => Value::Null,
            },
            b'a' | b'A' | b'u' | b't' => match self.size() {
                Some(n) => self.text(n),
                None => Value::Null,
            },
            b's' => match self.size().and_then(|n| self.take(n)) {
                Some(bytes) => Value::Bytes(bytes.to_vec()),
                None => Value::Null,
            },
            b')' => match self.byte() {
                Some(n) => self.items(usize::from(n), depth, |r, d| r.value(d, register)),
                None => Value::Null,
            },
            b'(' | b'[' | b'<' | b'>' => match self.size() {
                Some(n) => self.items(n, depth, |r, d| r.value(d, register)),
                None => Value::Null,
            },
            b'{' => self.dict(depth, register),
            b'r' => self.reference(depth),
            // Types that no rule can read (complex numbers, Ellipsis):
            // marked as such, like any other value of a type the host
            // cannot hand over.
            b'y' => match self.take(16) {
                Some(_) => unsupported("complex"),
                None => Value::Null,
            },
            b'.' => unsupported("ellipsis"),
            b'S' => unsupported("StopIteration"),
            other => {
                self.at = start;
                self.fail(&format!(
                    "an unsupported marshal type {:?}",
                    char::from(other)
                ))
            }
        }
    }

    /// The object a reference names, read again where it starts.
    fn reference(&mut self, depth: usize) -> Value<'a> {
        let Some(index) = self.size() else {
            return Value::Null;
        };
        let at = match self.refs.get(index) {
            Some(Shared::Text(text)) => return Value::String(Cow::Borrowed(text)),
            Some(Shared::At(at)) => *at,
            None => return self.fail("a reference to no object"),
        };
        let resume = self.at;
        self.at = at;
        let value = self.value(depth, false);
        if self.failure.is_none() {
            self.at = resume;
        }
        value
    }

    /// Whether a container may open at `depth`.
    fn enter(&mut self, depth: usize) -> bool {
        if depth >= MAX_DEPTH {
            self.fail(TOO_DEEP);
            return false;
        }
        true
    }

    /// `n` items of a tuple, list or set, each read by `item` one level deeper.
    fn items(
        &mut self,
        n: usize,
        depth: usize,
        mut item: impl FnMut(&mut Self, usize) -> Value<'a>,
    ) -> Value<'a> {
        if !self.enter(depth) {
            return Value::Null;
        }
        if n > MAX_LIST_ITEMS {
            return self.fail(TOO_MANY_ITEMS);
        }
        // Every item takes at least a byte: a count beyond the input is a lie.
        if n > self.data.len() - self.at {
            return self.fail("more items than bytes");
        }
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(item(self, depth + 1));
        }
        Value::Array(items)
    }

    fn dict(&mut self, depth: usize, register: bool) -> Value<'a> {
        if !self.enter(depth) {
            return Value::Null;
        }
        let mut members = Vec::with_capacity(4);
        loop {
            match self.data.get(self.at) {
                Some(&END) => {
                    self.at += 1;
                    return Value::Object(members);
                }
                Some(_) => {}
                None => return self.fail("unexpected end"),
            }
            let key = self.key(depth + 1, register);
            let value = self.value(depth + 1, register);
            if let Some(name) = key {
                members.push((name, value));
            }
        }
    }

    /// A dict key as a member name. Nearly every key is a reference to a
    /// name read before, or a string (what the Node.js package writes):
    /// those are read here directly, anything else as a value.
    fn key(&mut self, depth: usize, register: bool) -> Option<Cow<'a, str>> {
        if let Some(&[b'r', a, b, c, d]) = self.data.get(self.at..self.at + 5) {
            let n = u32::from_le_bytes([a, b, c, d]) as usize;
            if let Some(Shared::Text(text)) = self.refs.get(n) {
                self.made += 1;
                self.at += 5;
                return Some(Cow::Borrowed(*text));
            }
        }
        if let Some(text) = self.plain_text() {
            return Some(Cow::Borrowed(text));
        }
        name(self.item(depth, register))
    }

    /// An integer beyond 32 bits: a signed count of 15-bit digits, least
    /// significant first, written in decimal.
    fn long(&mut self) -> Value<'a> {
        let Some(n) = self.int32() else {
            return Value::Null;
        };
        let count = n.unsigned_abs() as usize;
        if count > MAX_LONG_DIGITS {
            return self.fail("an integer of more than 1,300 digits");
        }
        let Some(raw) = self.take(count * 2) else {
            return Value::Null;
        };
        let mut digits: Vec<u32> = raw
            .chunks_exact(2)
            .map(|d| u32::from(u16::from_le_bytes([d[0], d[1]])))
            .collect();
        if digits.iter().any(|&d| d >= 1 << 15) {
            return self.fail("an integer digit out of range");
        }
        // Repeated division by 10^4, most significant digit first.
        let mut groups = Vec::new();
        while digits.iter().any(|&d| d != 0) {
            let mut rest = 0u32;
            for d in digits.iter_mut().rev() {
                let cur = (rest << 15) | *d;
                *d = cur / 10_000;
                rest = cur % 10_000;
            }
            groups.push(rest);
        }
        let mut text = String::new();
        if n < 0 && !groups.is_empty() {
            text.push('-');
        }
        match groups.split_last() {
            None => text.push('0'),
            Some((first, rest)) => {
                text.push_str(&first.to_string());
                for g in rest.iter().rev() {
                    text.push_str(&format!("{g:04}"));
                }
            }
        }
        Value::Number(Cow::Owned(text))
    }
}

/// `bytes` as text when they are UTF-8. Almost every string a host writes
/// is ASCII: that is checked a word at a time, where full validation
/// spends more on a short string's set-up than on its bytes.
#[inline]
fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are UTF-8.
        return Some(unsafe { core::str::from_utf8_unchecked(bytes) });
    }
    core::str::from_utf8(bytes).ok()
}

/// Text that Python wrote with lone surrogates in it (marshal encodes a
/// `str` with `surrogatepass`): each surrogate, three bytes `ED A0..BF
/// 80..BF`, reads as U+FFFD, as the Node.js package (like every UTF-8
/// encoder) writes it and as JSON input reads it. Any other byte that is
/// not UTF-8 makes it no text.
fn surrogates_replaced(bytes: &[u8]) -> Option<String> {
    let mut text = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match core::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                text.push_str(core::str::from_utf8(valid).ok()?);
                match after {
                    [0xed, 0xa0..=0xbf, 0x80..=0xbf, tail @ ..] => {
                        text.push(char::REPLACEMENT_CHARACTER);
                        rest = tail;
                    }
                    _ => return None,
                }
            }
        }
    }
    Some(text)
}

/// A float as JSON number text (shortest form that reads back the same);
/// JSON has no infinities or NaN, which become null as in the JavaScript
/// package.
fn float(f: f64) -> Value<'static> {
    if f.is_finite() {
        Value::Number(Cow::Owned(format!("{f:?}")))
    } else {
        Value::Null
    }
}

/// A member name, as `json.dumps(..., skipkeys=True)` writes the keys it
/// accepts; a member under any other key (a tuple, bytes) is left out.
fn name(key: Value<'_>) -> Option<Cow<'_, str>> {
    match key {
        Value::String(s) | Value::Number(s) => Some(s),
        Value::Bool(true) => Some(Cow::Borrowed("true")),
        Value::Bool(false) => Some(Cow::Borrowed("false")),
        Value::Null => Some(Cow::Borrowed("null")),
        _ => None,
    }
}

fn unsupported(type_name: &'static str) -> Value<'static> {
    Value::Object(vec![(
        Cow::Borrowed("$unsupported"),
        Value::String(Cow::Borrowed(type_name)),
    )])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    // Inputs are `marshal.dumps(value, 4)` of CPython 3.11; expectations are
    // `json.dumps` of the same value (bytes as `{"$bytes": base64}`).

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn json(text: &str) -> Value<'static> {
        Value::from_host_json(text.as_bytes()).unwrap().into_owned()
    }

    #[test]
    fn scalars_strings_containers_and_keys() {
        // {"a": "x", "n": 5, "neg": -7, "big": 2**70, "negbig": -(2**40),
        //  "f": 1.5, "tiny": 1e-7, "l": [True, False, None], "b": b"\0\1\xff",
        //  "t": ("é日😀",), "s": {3}, 1: "one", True: "yes", None: "none",
        //  2.5: "half"}
        let data = hex("fbda0161da0178da016ee905000000da036e6567e9f9ffffffda036269676c0500000000000000000000000004da066e6567626967ecfdffffff000000000004da0166e7000000000000f83fda0474696e79e748afbc9af2d77a3eda016c5b0300000054464eda0162f3030000000001ffda0174a901f509000000c3a9e697a5f09f9880da01733c01000000e903000000e901000000da037965734eda046e6f6e65e70000000000000440da0468616c6630");
        // json.dumps writes the float 1e-7 as `1e-07`; this reader writes the
        // shortest text that reads back as the same float.
        let expected = json(
            r#"{"a":"x","n":5,"neg":-7,"big":1180591620717411303424,"negbig":-1099511627776,"f":1.5,"tiny":1e-7,"l":[true,false,null],"b":{"$bytes":"AAH/"},"t":["é日😀"],"s":[3],"1":"yes","null":"none","2.5":"half"}"#,
        );
        assert_eq!(read(&data).unwrap(), expected);
    }

    #[test]
    fn floats_as_text() {
        // marshal.dumps([1.5, 1e+21, inf, -0.0, nan, 1e-7], 1): version 1
        // writes floats as text (`%.17g`, type `f`), and the Node.js package
        // writes JavaScript's `String(n)` the same way.
        let data = hex("5b060000006603312e35660531652b32316603696e6666022d3066036e616e6616392e39393939393939393939393939393935652d3038");
        let expected = json("[1.5,1e+21,null,-0,null,9.9999999999999995e-08]");
        assert_eq!(read(&data).unwrap(), expected);
        // [1e-7] as the Node.js package writes it: the text is kept.
        assert_eq!(
            read(&hex("5b01000000660431652d37")).unwrap(),
            json("[1e-7]")
        );
        // Any other text is a number's text for the rules to check: the
        // key rules give number_invalid for it.
        for text in ["", "1.", "+1", "0x1", "Infinity", "NaN", "[1]", "\"1\""] {
            let mut data = vec![b'f', text.len() as u8];
            data.extend_from_slice(text.as_bytes());
            assert_eq!(read(&data).unwrap(), Value::Number(Cow::Borrowed(text)));
        }
        assert!(read(b"f\x01\xff").unwrap_err().contains("float text"));
    }

    #[test]
    fn integers_at_every_width() {
        // [0, 2**31-1, -2**31, 2**31, -(2**31)-1, 2**15, 10**38, -10**38]
        let data = hex("5b08000000e900000000e9ffffff7fe900000080ec03000000000000000200ecfdffffff010000000200e9008000006c09000000000000000009514ca047d850162aa61d4b006cf7ffffff000000000009514ca047d850162aa61d4b00");
        let expected = json("[0,2147483647,-2147483648,2147483648,-2147483649,32768,100000000000000000000000000000000000000,-100000000000000000000000000000000000000]");
        assert_eq!(read(&data).unwrap(), expected);
    }

    #[test]
    fn shared_objects_are_read_where_referred_to() {
        // shared = {"S": "customer-1"}
        // {"Keys": {"a": shared, "b": shared}, "list": [shared, shared]}
        let data = hex("fbda044b6579737bda0161fbda0153fa0a637573746f6d65722d3130da0162720300000030da046c6973745b020000007203000000720300000030");
        let expected = json(
            r#"{"Keys":{"a":{"S":"customer-1"},"b":{"S":"customer-1"}},"list":[{"S":"customer-1"},{"S":"customer-1"}]}"#,
        );
        assert_eq!(read(&data).unwrap(), expected);
    }

    #[test]
    fn keys_as_the_nodejs_package_writes_them() {
        // `u` keys without a reference index, one of them not ASCII, and
        // a key given by reference to a flagged `u` value.
        // {"Bucket": "b", "é": 1, "x": ref}: 7b | u"Bucket" u"b" | u"é" f"1" |
        // u"k" (flagged) u"v" | r0 f"2" | 0
        let data = hex("7b75060000004275636b65747501000000627502000000c3a966013175010000006bf50100000076720000000066013230");
        assert_eq!(
            read(&data).unwrap(),
            json(r#"{"Bucket":"b","é":1,"k":"v","v":2}"#)
        );
        for (data, what) in [
            ("7b7501000000ff", "not UTF-8"),
            ("7b75ff000000", "unexpected end"),
            ("7b7502000000", "unexpected end"),
        ] {
            let error = read(&hex(data)).unwrap_err();
            assert!(error.contains(what), "{data}: {error}");
        }
    }

    #[test]
    fn short_strings_read_as_keys_and_as_leaves() {
        // {"Bucket": z"b", z"é" (not ASCII, still UTF-8): f"1", Z"k": u"v"}
        let data = hex("7b7a064275636b65747a01627a02c3a96601315a016b75010000007630");
        assert_eq!(
            read(&data).unwrap(),
            json(r#"{"Bucket":"b","é":1,"k":"v"}"#)
        );
        for (data, what) in [
            ("7b7a01ff", "not UTF-8"),
            ("7b7aff", "unexpected end"),
            ("7b7a02", "unexpected end"),
        ] {
            let error = read(&hex(data)).unwrap_err();
            assert!(error.contains(what), "{data}: {error}");
        }
        // At a projection's leaves, and flagged (the first named again).
        let data = put_call(
            &cat(&[b")\x02\xfa\x01b", b"z\x01k"]),
            &cat(&[b")\x06r\0\0\0\0", b"NNNNN"]),
        );
        let (_, [request, response]) = read_call(&data, put_projections).unwrap();
        assert_eq!(request, json(r#"{"Bucket":"b","Key":"k"}"#));
        assert_eq!(response, json(r#"{"ETag":"b"}"#));
    }

    /// `s` as the Node.js package writes a string: `u`, i32 length, UTF-8.
    pub(crate) fn u(s: &str) -> Vec<u8> {
        let mut out = vec![b'u'];
        out.extend_from_slice(&(s.len() as i32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// A call of PutObject (code 0) with these request and response bytes.
    fn put_call(request: &[u8], response: &[u8]) -> Vec<u8> {
        cat(&[b")\x03i\0\0\0\0", request, response])
    }

    fn put_projections(code: u8) -> Option<[&'static Projection; 2]> {
        let p = span_autolink::Operation::from_code(code)?.projection();
        Some([p.request, p.response])
    }

    #[test]
    fn the_operation_code_reads_alike_however_marshal_writes_it() {
        let request = cat(&[b")\x02", &u("b"), &u("k")]);
        let response = cat(&[b")\x06", &u("\"e\""), b"NNNNN"]);
        // An i32; a long of no digits (0); an i32 with the reference flag,
        // as CPython writes an int it holds more than once, which takes
        // reference index 0 that the response names as its ETag.
        let plain = cat(&[b")\x03i\0\0\0\0", &request, &response]);
        let long = cat(&[b")\x03l\0\0\0\0", &request, &response]);
        for data in [&plain, &long] {
            let (code, [req, resp]) = read_call(data, put_projections).unwrap();
            assert_eq!(code, 0);
            assert_eq!(req, json(r#"{"Bucket":"b","Key":"k"}"#));
            assert_eq!(resp, json(r#"{"ETag":"\"e\""}"#));
        }
        let flagged = cat(&[b")\x03\xe9\0\0\0\0", &request, b")\x06r\0\0\0\0NNNNN"]);
        let (code, [_, resp]) = read_call(&flagged, put_projections).unwrap();
        assert_eq!(code, 0);
        assert_eq!(resp, json(r#"{"ETag":0}"#));
        // Beyond a byte, either way: no operation.
        for head in [&b"i\xff\xff\xff\xff"[..], b"i\0\x01\0\0", b"\xe9\0\x01\0\0"] {
            let data = cat(&[b")\x03", head, &request, &response]);
            let error = read_call(&data, put_projections).unwrap_err();
            assert!(error.contains("names no operation"), "{error}");
        }
    }

    #[test]
    fn projected_input_names_members_by_place() {
        use span_autolink::projection::EVENT;
        // (Bucket, Key) and (ETag, data, Error, error, ResponseMetadata, $metadata)
        let data = put_call(
            &cat(&[b")\x02", &u("b"), &u("k")]),
            &cat(&[b")\x06", &u("\"e\""), b"NNNNN"]),
        );
        let (code, [request, response]) = read_call(&data, put_projections).unwrap();
        assert_eq!(code, 0);
        assert_eq!(request, json(r#"{"Bucket":"b","Key":"k"}"#));
        assert_eq!(response, json(r#"{"ETag":"\"e\""}"#));
        // None is absent; a nested projected object; a value the
        // projection does not apply to comes whole; a dict is the object
        // itself (named input).
        let data = put_call(
            &cat(&[b")\x02N", &u("k")]),
            &cat(&[b")\x06N)\x01", &u("e"), b"NNNN"]),
        );
        let (_, [request, response]) = read_call(&data, put_projections).unwrap();
        assert_eq!(request, json(r#"{"Key":"k"}"#));
        assert_eq!(response, json(r#"{"data":{"ETag":"e"}}"#));
        let data = put_call(
            &u("not an object"),
            &cat(&[b"{", &u("ETag"), &u("e"), b"0"]),
        );
        let (_, [request, response]) = read_call(&data, put_projections).unwrap();
        assert_eq!(request, json(r#""not an object""#));
        assert_eq!(response, json(r#"{"ETag":"e"}"#));
        // A tuple inside a value taken whole is a list.
        let data = put_call(&cat(&[b")\x02)\x01T", &u("k")]), b"N");
        let (_, [request, _]) = read_call(&data, put_projections).unwrap();
        assert_eq!(request, json(r#"{"Bucket":[true],"Key":"k"}"#));
        // Of a list, each item along the inner projection: a record with
        // eventSource and eventName only, then null; flagged containers.
        let data = cat(&[
            b"\xa9\x07\xdb\x02\0\0\0\xa9\x0a",
            &u("aws:s3"),
            b"N",
            &u("ObjectCreated:Put"),
            &[b'N'; 7],
            b"N",
            &[b'N'; 6],
        ]);
        let event = read_along(&data, &EVENT).unwrap();
        assert_eq!(
            event,
            json(r#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"},null]}"#)
        );
    }

    #[test]
    fn projected_input_that_does_not_fit_is_an_error() {
        let whole = put_call(
            &cat(&[b")\x02", &u("b"), &u("k")]),
            &cat(&[b")\x06", &u("e"), b"NNNNN"]),
        );
        for (data, what) in [
            (put_call(&cat(&[b")\x02", &u("b")]), b""), "unexpected end"),
            (cat(&[&whole, b"N"]), "trailing bytes"),
            (
                put_call(&cat(&[b")\x03", &u("b"), &u("k"), b"N"]), b"N"),
                "3 members",
            ),
            (b")\x02i\0\0\0\0N".to_vec(), "2 members"),
            (b"N".to_vec(), "not a tuple"),
            (b")\x03i\x13\0\0\0NN".to_vec(), "names no operation"),
            (b")\x03NNN".to_vec(), "names no operation"),
        ] {
            let error = read_call(&data, put_projections).unwrap_err();
            assert!(error.contains(what), "{data:?}: {error}");
        }
        // Every cut of a whole call, and every byte changed: an answer, no panic.
        for cut in 0..whole.len() {
            assert!(read_call(&whole[..cut], put_projections).is_err());
        }
        for at in 0..whole.len() {
            for b in [0x00, b'N', b')', b'(', b'[', b'r', 0x80, 0xff, 0x02, 0x06] {
                let mut changed = whole.clone();
                changed[at] = b;
                let _ = read_call(&changed, put_projections);
            }
        }
    }

    #[test]
    fn projected_input_nests_no_deeper_than_named_input() {
        static EACH: Projection = Projection::Each(&Projection::All);
        // `k` nested lists are the same bytes in both readings: read along
        // "each item whole" and read as a plain value, they must pass and
        // fail at the same depth, on both sides of the limit.
        for k in 120..=135 {
            let mut data = b"[\x01\0\0\0".repeat(k);
            data.push(b'N');
            let named = read(&data);
            let projected = read_along(&data, &EACH);
            assert_eq!(projected, named, "{k} lists deep");
            if k == 120 {
                assert!(named.is_ok());
            }
            if k == 135 {
                assert!(named.unwrap_err().contains("deeper than 128"));
            }
        }
    }

    #[test]
    fn lone_surrogates_read_as_replacement_characters() {
        // marshal.dumps("caf\udce9", 4) and ["\ud800x", "ok"]
        assert_eq!(
            read(&hex("f506000000636166edb3a9")).unwrap(),
            json(r#""caf\ufffd""#)
        );
        assert_eq!(
            read(&hex("5b02000000f504000000eda08078da026f6b")).unwrap(),
            json(r#"["\ufffdx","ok"]"#)
        );
        // Bytes that are not UTF-8 for any other reason are no text.
        assert!(read(&hex("f501000000ff"))
            .unwrap_err()
            .contains("not UTF-8"));
    }

    #[test]
    fn lists_beyond_the_bound_are_refused_before_reading() {
        let error = read(&hex("5b41420f00")).unwrap_err();
        assert!(error.contains("1,000,000 items"), "{error}");
    }

    #[test]
    fn types_no_rule_reads_are_marked() {
        // [1.5j, ...]
        let data = hex("5b02000000f90000000000000000000000000000f83f2e");
        let expected = json(r#"[{"$unsupported":"complex"},{"$unsupported":"ellipsis"}]"#);
        assert_eq!(read(&data).unwrap(), expected);
    }

    #[test]
    fn members_under_keys_that_are_not_names_are_left_out() {
        // {(1,): "tuple", b"k": "bytes", "kept": 1}
        let data =
            hex("7ba901e901000000da057475706c65f3010000006bda056279746573da046b657074720100000030");
        assert_eq!(read(&data).unwrap(), json(r#"{"kept":1}"#));
    }

    #[test]
    fn a_cycle_is_refused_by_depth() {
        // l = []; l.append(l)
        let error = read(&hex("db010000007200000000")).unwrap_err();
        assert!(error.contains("deeper than 128"), "{error}");
    }

    #[test]
    fn references_and_singletons_take_no_index() {
        // A flagged reference that named itself was read again until the
        // stack ran out (found by the `module` fuzz target). CPython
        // refuses it, and reads the second input as [None, "x", "x"].
        let error = read(&hex("f200000000")).unwrap_err();
        assert!(error.contains("no object"), "{error}");
        assert_eq!(
            read(&hex("5b03000000ceda01787200000000")).unwrap(),
            json(r#"[null,"x","x"]"#)
        );
    }

    #[test]
    fn references_that_would_expand_without_end_are_refused() {
        // a = ["x"]; 40 times: a = [a, a]  (2**40 strings once expanded)
        let mut text = "db02000000".repeat(39);
        text.push_str("db01000000da0178");
        for index in (1..=40).rev() {
            text.push_str(&format!("72{:02x}000000", index));
        }
        let error = read(&hex(&text)).unwrap_err();
        assert!(error.contains("repeated"), "{error}");
    }

    #[test]
    fn any_prefix_or_changed_byte_gives_a_value_or_an_error() {
        // Every cut and every byte changed to a few telling values, of the
        // inputs above: read() answers, and never panics.
        let samples = [
            hex("fbda044b6579737bda0161fbda0153fa0a637573746f6d65722d3130da0162720300000030da046c6973745b020000007203000000720300000030"),
            hex("5b08000000e900000000e9ffffff7fe900000080ec03000000000000000200ecfdffffff010000000200e9008000006c09000000000000000009514ca047d850162aa61d4b006cf7ffffff000000000009514ca047d850162aa61d4b00"),
            hex("7ba901e901000000da057475706c65f3010000006bda056279746573da046b657074720100000030"),
        ];
        for sample in &samples {
            for cut in 0..sample.len() {
                let _ = read(&sample[..cut]);
            }
            for at in 0..sample.len() {
                for b in [0x00, 0x30, 0x72, 0x7b, 0x80, 0xff] {
                    let mut changed = sample.clone();
                    changed[at] = b;
                    let _ = read(&changed);
                }
            }
        }
    }

    #[test]
    fn malformed_input_is_an_error() {
        for (data, what) in [
            ("", "unexpected end"),
            ("da05616263", "unexpected end"),
            ("4e4e", "trailing bytes"),
            ("5bffffffff", "negative size"),
            ("5bffffff7f", "1,000,000 items"),
            ("5b10000000", "more items than bytes"),
            ("7200000000", "no object"),
            ("30", "dict end"),
            ("f501000000ed", "not UTF-8"),
            ("63", "unsupported marshal type"),
            ("6c0100000000ff", "digit out of range"),
        ] {
            let error = read(&hex(data)).unwrap_err();
            assert!(error.contains(what), "{data}: {error}");
        }
    }
}
