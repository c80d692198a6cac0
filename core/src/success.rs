//! Whether a call succeeded (SPEC section 8): a producer pointer says "this
//! call wrote that object or item", so a failed call gives none. Hooks that
//! run on every outcome (botocore's `response_hook` runs in a `finally`,
//! with the error response or nothing) rely on this.

use crate::issue::IssueCode;
use crate::outcome::{Outcome, Path};
use crate::value::Value;

/// Reports and returns `false` when `response` is not the output of a
/// successful call: none at all, botocore's error shape (`Error`), or an
/// HTTP status outside 200-299 where an SDK records it
/// (`ResponseMetadata.HTTPStatusCode` in botocore, `$metadata.httpStatusCode`
/// in the JavaScript v3 SDK), or a JavaScript v2 response with an `error`.
pub(crate) fn succeeded(response: &Value, out: &mut Outcome) -> bool {
    match why_not(response) {
        None => true,
        Some(why) => {
            let at = Path::Root;
            let at = at.field("response");
            match why {
                Failure::NoResponse => out.issue(
                    IssueCode::ResponseNotSuccessful,
                    &at,
                    format_args!("there is no response, so the call may have written nothing and gives no pointer"),
                ),
                Failure::Error(field) => out.issue(
                    IssueCode::ResponseNotSuccessful,
                    &at.field(field),
                    format_args!("the call failed (the response is an error), so it wrote nothing and gives no pointer"),
                ),
                Failure::Status(field, status) => out.issue(
                    IssueCode::ResponseNotSuccessful,
                    &at.field(field),
                    format_args!("the call failed with HTTP status {status}, so it wrote nothing and gives no pointer"),
                ),
            }
            false
        }
    }
}

/// Whether `response` is the output of a successful call, as
/// [`succeeded`] judges it, reporting nothing: for calls that give no
/// pointer and so no issue (what a failed call shows is not learned).
pub(crate) fn is_success(response: &Value) -> bool {
    why_not(response).is_none()
}

fn why_not<'v>(response: &'v Value<'v>) -> Option<Failure<'v>> {
    match response {
        Value::Null => Some(Failure::NoResponse),
        Value::Object(_) => failure(response),
        _ => None,
    }
}

enum Failure<'v> {
    NoResponse,
    Error(&'static str),
    /// Where the status is, and its number's text.
    Status(&'static str, &'v str),
}

fn failure<'v>(response: &'v Value<'v>) -> Option<Failure<'v>> {
    for field in ["Error", "error"] {
        if response.get(field).is_some_and(|e| !e.is_null()) {
            return Some(Failure::Error(field));
        }
    }
    for (metadata, status) in [
        ("ResponseMetadata", "HTTPStatusCode"),
        ("$metadata", "httpStatusCode"),
    ] {
        let code = response.get(metadata).and_then(|m| m.get(status));
        if let Some(Value::Number(text)) = code {
            // A status is a small integer; any other number is no status
            // an SDK writes, and is read as a failure too.
            if !is_2xx(text) {
                return Some(Failure::Status(metadata, text));
            }
        }
    }
    None
}

/// Whether a status number's text is one from 200 to 299, as `u16` reads
/// it (`parse` accepts a `+` and leading zeros: `+200`, `0200`). The
/// three digits an SDK writes are checked without the parser.
fn is_2xx(text: &str) -> bool {
    match text.as_bytes() {
        [b'2', tens, units] => tens.is_ascii_digit() && units.is_ascii_digit(),
        _ => text
            .parse::<u16>()
            .is_ok_and(|status| (200..=299).contains(&status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_as_u16_reads_them() {
        for (text, ok) in [
            ("200", true),
            ("204", true),
            ("299", true),
            ("199", false),
            ("300", false),
            ("2a0", false),
            ("+200", true),
            ("0200", true),
            ("00299", true),
            ("2000", false),
            ("20", false),
            ("200.0", false),
            ("2e2", false),
            ("-200", false),
            ("", false),
        ] {
            assert_eq!(is_2xx(text), ok, "{text:?}");
            let response = Value::Object(alloc::vec![(
                "ResponseMetadata".into(),
                Value::Object(alloc::vec![(
                    "HTTPStatusCode".into(),
                    Value::Number(text.into())
                )]),
            )]);
            assert_eq!(is_success(&response), ok, "{text:?}");
        }
    }
}
