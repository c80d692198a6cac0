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
            let status = text.parse::<u16>().ok();
            if !status.is_some_and(|s| (200..=299).contains(&s)) {
                return Some(Failure::Status(metadata, text));
            }
        }
    }
    None
}
