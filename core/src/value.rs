//! The JSON-like input every host converts into.
//!
//! Three things `serde_json::Value` cannot do and the rules need: raw bytes
//! (an SDK hands binary keys over as bytes), the exact text of a number (a
//! document client's `1.50` must stay `1.50` until it is canonicalised, and a
//! 38-digit number must not pass through a float), and members kept in input
//! order (pointers come out in request order).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

pub use crate::limits::MAX_DEPTH;

/// The member name that marks raw bytes in JSON, which has no bytes type:
/// `{"$bytes": "<standard base64>"}`. Hosts that pass JSON text (the
/// import-free ABI, the conformance file) use it for SDK bytes.
pub const BYTES_MARKER: &str = "$bytes";

/// Strings and member names borrow from the input where they can (JSON
/// text without escapes), so reading a call costs few allocations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number's text as the input spelled it.
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Bytes(Vec<u8>),
    Array(Vec<Value<'a>>),
    /// Members in input order. Lookups take the last of duplicate names,
    /// as `JSON.parse` and Python's `json` do.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// Up to this many members, duplicates are found by comparing every pair,
/// which allocates nothing.
const PAIRWISE_MEMBERS: usize = 8;

/// For each member, whether no later member has its name: member indices
/// ordered by name (ties by position), the last of each run kept.
fn last_occurrences(members: &[(Cow<'_, str>, Value<'_>)]) -> Vec<bool> {
    let name = |i: usize| members.get(i).map(|(k, _)| k.as_ref()).unwrap_or_default();
    let mut order: Vec<usize> = (0..members.len()).collect();
    heapsort(&mut order, |a, b| (name(a), a) < (name(b), b));
    let mut last = alloc::vec![false; members.len()];
    for (at, &i) in order.iter().enumerate() {
        let next = order.get(at + 1).map(|&j| name(j));
        if next != Some(name(i)) {
            if let Some(slot) = last.get_mut(i) {
                *slot = true;
            }
        }
    }
    last
}

/// Sorts `items` so that no later one is `less` than an earlier one, in
/// `n log n` whatever the input. Written out because the standard sorts,
/// specialised for this comparison, would add more to the module than all
/// of a rule (tens of kilobytes); a heap sort is a few instructions.
fn heapsort(items: &mut [usize], less: impl Fn(usize, usize) -> bool) {
    let at = |items: &[usize], i: usize| items.get(i).copied().unwrap_or_default();
    let sift = |items: &mut [usize], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(at(items, child), at(items, child + 1)) {
            child += 1;
        }
        if !less(at(items, root), at(items, child)) {
            return;
        }
        items.swap(root, child);
        root = child;
    };
    let n = items.len();
    for root in (0..n / 2).rev() {
        sift(items, root, n);
    }
    for end in (1..n).rev() {
        items.swap(0, end);
        sift(items, 0, end);
    }
}

impl<'a> Value<'a> {
    /// Reads JSON text as a host sends it: `{"$bytes": "<base64>"}`
    /// ([`BYTES_MARKER`]) stands for raw bytes.
    pub fn from_host_json(text: &'a [u8]) -> Result<Value<'a>, String> {
        crate::json::read(text, crate::json::Convention::Host)
    }

    /// Reads JSON text as it is: for payloads found inside AWS messages,
    /// where `{"$bytes": ...}` is somebody's object, never bytes.
    pub fn from_json(text: &'a [u8]) -> Result<Value<'a>, String> {
        crate::json::read(text, crate::json::Convention::Plain)
    }

    /// The same value, owning all its text.
    pub fn into_owned(self) -> Value<'static> {
        let owned = |s: Cow<'a, str>| Cow::Owned(s.into_owned());
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(owned(n)),
            Value::String(s) => Value::String(owned(s)),
            Value::Bytes(b) => Value::Bytes(b),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (owned(k), v.into_owned()))
                    .collect(),
            ),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Members with duplicate names collapsed to the last one, in the order
    /// of their last occurrence.
    pub fn members(&self) -> Option<Vec<(&str, &Value<'a>)>> {
        matches!(self, Value::Object(_)).then(|| self.distinct_members().collect())
    }

    /// [`Value::members`] without collecting them (nothing for a value
    /// that is not an object), for readers that stop early or keep few.
    ///
    /// Linear in the members for the few that real objects have, and
    /// `n log n` beyond: a key map is input from whoever can write to a
    /// stream, and a pairwise search for duplicates would let one record
    /// of many members stall its consumer.
    pub fn distinct_members(&self) -> impl Iterator<Item = (&str, &Value<'a>)> + '_ {
        let members = match self {
            Value::Object(members) => members.as_slice(),
            _ => &[],
        };
        let last = (members.len() > PAIRWISE_MEMBERS).then(|| last_occurrences(members));
        members
            .iter()
            .enumerate()
            .filter(move |(i, (name, _))| match &last {
                Some(last) => last.get(*i).copied().unwrap_or(false),
                None => {
                    let later = members.get(i + 1..).unwrap_or_default();
                    !later.iter().any(|(k, _)| k == name)
                }
            })
            .map(|(_, (name, value))| (name.as_ref(), value))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The JSON type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Bytes(_) => "bytes",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }
    }
}
