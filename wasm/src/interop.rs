//! The one place where bytes from a host become core values, and core
//! outcomes become bytes for a host.
//!
//! Input is JSON text (with `{"$bytes": "<base64>"}` for raw bytes), or
//! Python's marshal format after the two bytes `\0m` (`marshal.rs`), which
//! both packages write faster than JSON (Python for events, Node.js for
//! everything) and which needs no unescaping here. Output is a line per result, cheap to split in any
//! language and with nothing to look up: `p KIND DIRECTION HASH` for a
//! pointer, `i CODE MESSAGE` for an issue.

use span_autolink::{
    pointers_for_event, pointers_for_response, unreadable_input, Config, Operation, Outcome, Value,
};

/// A successful AWS call: `{"service", "operation", "request", "response"}`.
pub fn response(input: &[u8], config: &Config) -> Outcome {
    let call = match read(input) {
        Ok(call) => call,
        Err(error) => return unreadable_input("response call", &error),
    };
    let text = |name: &str| call.get(name).and_then(Value::as_str).unwrap_or_default();
    let null = Value::Null;
    let outcome = pointers_for_response(
        text("service"),
        text("operation"),
        call.get("request").unwrap_or(&null),
        call.get("response").unwrap_or(&null),
        config,
    );
    crate::arena::discard(call);
    outcome
}

/// A Lambda event.
pub fn event(input: &[u8]) -> Outcome {
    match read(input) {
        Ok(event) => {
            let outcome = pointers_for_event(&event);
            crate::arena::discard(event);
            outcome
        }
        Err(error) => unreadable_input("event", &error),
    }
}

/// The tag in front of input in marshal format. JSON text never starts
/// with a NUL byte.
pub const MARSHAL_TAG: &[u8] = b"\0m";

/// Input as JSON text or, behind [`MARSHAL_TAG`], in marshal format.
fn read(input: &[u8]) -> Result<Value<'_>, String> {
    if let Some(data) = input.strip_prefix(MARSHAL_TAG) {
        return crate::marshal::read(data).map_err(|e| format!("marshal data: {e}"));
    }
    Value::from_json(input)
}

/// The key-name configuration as JSON text; empty text is no configuration.
pub fn config(input: &[u8]) -> Config {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Config::new();
    }
    Config::from_json(input)
}

/// `SERVICE OPERATION` to the JSON projection of what the call's rules read
/// (`{"request": ..., "response": ...}`), or nothing when the call writes
/// nothing a pointer can name.
pub fn response_projection(input: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(input).ok()?;
    let (service, operation) = text.split_once(' ')?;
    let p = Operation::parse(service, operation)?.projection();
    Some(format!(
        "{{\"request\":{},\"response\":{}}}",
        p.request.to_json(),
        p.response.to_json()
    ))
}

pub fn event_projection() -> String {
    span_autolink::projection::EVENT.to_json()
}

/// Writes the outcome as lines; line breaks and other control characters in
/// messages become spaces so that every result stays on its line.
pub fn write_outcome(outcome: &Outcome, out: &mut Vec<u8>) {
    out.clear();
    for p in &outcome.pointers {
        out.extend_from_slice(b"p ");
        out.extend_from_slice(p.kind.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(p.direction.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(p.hash.as_bytes());
        out.push(b'\n');
    }
    for issue in &outcome.issues {
        out.extend_from_slice(b"i ");
        out.extend_from_slice(issue.code.as_str().as_bytes());
        out.push(b' ');
        for c in issue.message.chars() {
            let c = if c.is_control() { ' ' } else { c };
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_round_trip() {
        let input = br#"{"service":"s3","operation":"PutObject","request":{"Bucket":"some-bucket","Key":"some-key.data"},"response":{"ETag":"\"ab12ef34\""}}"#;
        let mut out = Vec::new();
        write_outcome(&response(input, &Config::new()), &mut out);
        assert_eq!(out, b"p aws.s3.object d e721375466d4116ab551213fdea08413\n");
    }

    #[test]
    fn messages_stay_on_one_line() {
        let input = b"{\"service\":\"dynamodb\",\"operation\":\"PutItem\",\"request\":{\"TableName\":\"a\\nb\",\"Item\":{}}}";
        let mut out = Vec::new();
        write_outcome(&response(input, &Config::new()), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with("i table_not_configured "));
    }

    #[test]
    fn unreadable_input_is_an_issue() {
        let mut out = Vec::new();
        write_outcome(&event(b"{not json"), &mut out);
        assert!(out.starts_with(b"i input_invalid "));
    }

    #[test]
    fn configuration_that_is_not_utf8_is_reported() {
        let bad = config(b"{\"t\": [\"\xff\"]}");
        let codes: Vec<&str> = bad.issues().iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["config_invalid"]);
        assert!(bad.key_names("t").is_none());
        assert_eq!(config(b"  \n").issues(), &[]);
    }

    #[test]
    fn projections() {
        assert_eq!(
            response_projection(b"s3 PutObjectCommand").as_deref(),
            Some(
                r#"{"request":{"Bucket":true,"Key":true},"response":{"ETag":true,"data":{"ETag":true}}}"#
            )
        );
        assert_eq!(response_projection(b"s3 GetObject"), None);
        assert!(event_projection().starts_with(r#"{"Records":[{"eventSource":true,"#));
    }
}
