//! Reading the fields a rule needs, reporting the ones that are missing or
//! of the wrong type.

use crate::issue::IssueCode;
use crate::outcome::{Outcome, Path};
use crate::value::Value;

/// A field that must be present; absent and null are the same to AWS SDKs.
pub(crate) fn required<'v>(
    parent: &'v Value<'v>,
    name: &str,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<&'v Value<'v>> {
    match parent.get(name) {
        Some(value) if !value.is_null() => Some(value),
        _ => {
            out.issue(
                IssueCode::FieldMissing,
                &at.field(name),
                format_args!("`{name}` is missing, so no pointer can be computed"),
            );
            None
        }
    }
}

pub(crate) fn required_str<'v>(
    parent: &'v Value<'v>,
    name: &str,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<&'v str> {
    required_as(parent, name, at, out, "a string", Value::as_str)
}

pub(crate) fn required_object<'v>(
    parent: &'v Value<'v>,
    name: &str,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<&'v Value<'v>> {
    required_as(parent, name, at, out, "an object", |v| {
        matches!(v, Value::Object(_)).then_some(v)
    })
}

pub(crate) fn required_array<'v>(
    parent: &'v Value<'v>,
    name: &str,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<&'v [Value<'v>]> {
    required_as(parent, name, at, out, "a list", Value::as_array)
}

fn required_as<'v, T>(
    parent: &'v Value<'v>,
    name: &str,
    at: &Path<'_>,
    out: &mut Outcome,
    expected: &str,
    pick: impl Fn(&'v Value<'v>) -> Option<T>,
) -> Option<T> {
    let value = required(parent, name, at, out)?;
    let picked = pick(value);
    if picked.is_none() {
        wrong_type(&at.field(name), expected, value, out);
    }
    picked
}

pub(crate) fn wrong_type(at: &Path<'_>, expected: &str, found: &Value, out: &mut Outcome) {
    out.issue(
        IssueCode::FieldInvalid,
        at,
        format_args!("expected {expected} but found {}", found.type_name()),
    );
}

/// A string member, or nothing: for fields that only decide whether a rule
/// applies (`eventSource`, `eventName`), where absence is not a problem.
pub(crate) fn optional_str<'v>(parent: &'v Value<'v>, name: &str) -> Option<&'v str> {
    parent.get(name).and_then(Value::as_str)
}

/// Where an SDK put the output field `field`: the AWS SDK for JavaScript v2
/// wraps the output in `data`; v3 and botocore return it as is.
pub(crate) fn sdk_output<'v>(response: &'v Value<'v>, field: &str) -> &'v Value<'v> {
    match (response.get(field), response.get("data")) {
        (None | Some(Value::Null), Some(data @ Value::Object(_))) => data,
        _ => response,
    }
}
