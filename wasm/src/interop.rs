//! The one place where bytes from a host become core values, and core
//! outcomes become bytes for a host.
//!
//! Input is JSON text (with `{"$bytes": "<base64>"}` for raw bytes), or
//! Python's marshal format after the two bytes `\0m` (`marshal.rs`), which
//! both packages write faster than JSON (Python for events, Node.js for
//! everything) and which needs no unescaping here. Output is a line per result, cheap to split in any
//! language and with nothing to look up: `p KIND DIRECTION HASH` for a
//! pointer, `i CODE MESSAGE` for an issue.

use span_autolink::projection::EVENT;
use span_autolink::{
    pointers_for_event, pointers_for_operation, pointers_for_response, unreadable_input, Config,
    Operation, Outcome, Value,
};

/// A successful AWS call: `{"service", "operation", "request", "response"}`,
/// or projected input (the operation's code, then the request and the
/// response along their projections).
pub fn response(input: &[u8], config: &Config) -> Outcome {
    if let Some(data) = input.strip_prefix(PROJECTED_TAG) {
        return projected_response(data, config);
    }
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

fn projected_response(data: &[u8], config: &Config) -> Outcome {
    let Some((&code, data)) = data.split_first() else {
        return unreadable_input("response call", "projected input without an operation code");
    };
    let Some(operation) = Operation::from_code(code) else {
        return unreadable_input(
            "response call",
            &format!("no operation has the code {code}"),
        );
    };
    let p = operation.projection();
    // One level deep, as members of the call in named input.
    match crate::marshal::read_along(data, 1, [p.request, p.response]) {
        Ok([request, response]) => {
            let outcome = pointers_for_operation(operation, &request, &response, config);
            crate::arena::discard([request, response]);
            outcome
        }
        Err(error) => {
            unreadable_input("response call", &format!("projected marshal data: {error}"))
        }
    }
}

/// A Lambda event, in any input format.
pub fn event(input: &[u8]) -> Outcome {
    let event = match input.strip_prefix(PROJECTED_TAG) {
        Some(data) => crate::marshal::read_along(data, 0, [&EVENT])
            .map(|[event]| event)
            .map_err(|error| format!("projected marshal data: {error}")),
        None => read(input),
    };
    match event {
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

/// The tag in front of projected input: marshal values written along the
/// projections, member names left out (what the Node.js package sends).
pub const PROJECTED_TAG: &[u8] = b"\0p";

/// Input as JSON text or, behind [`MARSHAL_TAG`], in marshal format.
fn read(input: &[u8]) -> Result<Value<'_>, String> {
    if let Some(data) = input.strip_prefix(MARSHAL_TAG) {
        return crate::marshal::read(data).map_err(|e| format!("marshal data: {e}"));
    }
    Value::from_host_json(input)
}

/// The key-name configuration as JSON text; empty text is no configuration.
pub fn config(input: &[u8]) -> Config {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Config::new();
    }
    Config::from_json(input)
}

/// `SERVICE OPERATION` to the JSON projection of what the call's rules read
/// and the operation's code for projected input (`{"operation": code,
/// "request": ..., "response": ...}`), or nothing when the call writes
/// nothing a pointer can name.
pub fn response_projection(input: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(input).ok()?;
    // Service names may have spaces (`DynamoDB Streams`); operation names do not.
    let (service, operation) = text.rsplit_once(' ')?;
    let operation = Operation::parse(service, operation)?;
    let p = operation.projection();
    Some(format!(
        "{{\"operation\":{},\"request\":{},\"response\":{}}}",
        operation.code(),
        p.request.to_json(),
        p.response.to_json()
    ))
}

/// `HASH RATE` (one space; the rate as decimal text) to whether a span
/// with that pointer keeps its trace ([`span_autolink::keep`]).
pub fn keep_for_sampling(input: &[u8]) -> bool {
    let Some((hash, rate)) = core::str::from_utf8(input)
        .ok()
        .and_then(|text| text.split_once(' '))
    else {
        return false;
    };
    rate.parse::<f64>()
        .is_ok_and(|rate| span_autolink::keep(hash, rate))
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
        if let Some(time) = p.change_time {
            out.push(b' ');
            out.extend_from_slice(time.to_string().as_bytes());
        }
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
    use crate::marshal::tests::u;

    #[test]
    fn response_round_trip() {
        let input = br#"{"service":"s3","operation":"PutObject","request":{"Bucket":"some-bucket","Key":"some-key.data"},"response":{"ETag":"\"ab12ef34\""}}"#;
        let mut out = Vec::new();
        write_outcome(&response(input, &Config::new()), &mut out);
        assert_eq!(out, b"p aws.s3.object d e721375466d4116ab551213fdea08413\n");
    }

    #[test]
    fn projected_response_round_trip() {
        // Code 0 (PutObject), {Bucket, Key}, {ETag, data absent}.
        let input = [
            &b"\0p\0@"[..],
            &u("some-bucket"),
            &u("some-key.data"),
            b"@",
            &u("\"ab12ef34\""),
            b"00000",
        ]
        .concat();
        let mut out = Vec::new();
        write_outcome(&response(&input, &Config::new()), &mut out);
        assert_eq!(out, b"p aws.s3.object d e721375466d4116ab551213fdea08413\n");
        for (input, what) in [
            (&b"\0p"[..], "without an operation code"),
            (b"\0p\x0b@00", "no operation has the code 11"),
            (b"\0p\0@00", "projected marshal data: unexpected end"),
        ] {
            write_outcome(&response(input, &Config::new()), &mut out);
            let text = String::from_utf8(out.clone()).unwrap();
            assert!(
                text.starts_with("i input_invalid ") && text.contains(what),
                "{text}"
            );
        }
    }

    /// Issue codes and pointer count, what hosts compare.
    fn summary(outcome: &Outcome) -> (usize, Vec<&'static str>) {
        let codes = outcome.issues.iter().map(|i| i.code.as_str()).collect();
        (outcome.pointers.len(), codes)
    }

    #[test]
    fn projected_and_named_input_nest_alike() {
        // PutItem of {"id": {"S": "x"}, "deep": {"M": {"M": ... {}}}},
        // `k` maps deep, as JSON and as projected input, around the limit.
        let config = Config::from_json(br#"{"t": ["id"]}"#);
        let code = Operation::parse("dynamodb", "PutItem").unwrap().code();
        let mut seen = Vec::new();
        for k in 120..=130 {
            let json = format!(
                r#"{{"service":"dynamodb","operation":"PutItem","request":{{"TableName":"t","Item":{{"id":{{"S":"x"}},"deep":{}{{}}{}}}}},"response":{{}}}}"#,
                r#"{"M":"#.repeat(k),
                "}".repeat(k)
            );
            let item = [
                &b"{"[..],
                &u("id"),
                b"{",
                &u("S"),
                &u("x"),
                b"0",
                &u("deep"),
            ]
            .concat();
            let mut projected = [&[0, b'p', code, b'@'][..], &u("t"), &item].concat();
            for _ in 0..k {
                projected.push(b'{');
                projected.extend(u("M"));
            }
            projected.extend(b"{0");
            projected.extend(std::iter::repeat(b'0').take(k));
            projected.extend(b"0@0000");
            let named = summary(&response(json.as_bytes(), &config));
            assert_eq!(
                summary(&response(&projected, &config)),
                named,
                "{k} maps deep"
            );
            seen.push(named);
        }
        // Both sides of the limit were reached.
        assert_eq!(seen.first().unwrap(), &(1, vec![]));
        assert_eq!(seen.last().unwrap(), &(0, vec!["input_invalid"]));
    }

    #[test]
    fn projected_event() {
        // {Records: [{eventSource: "aws:s3", eventName, s3: {bucket: {name}, object: {key, eTag}}}]}
        let input = [
            &b"\0p@[\x01\0\0\0@"[..],
            &u("aws:s3"),
            b"0",
            &u("ObjectCreated:Put"),
            b"00@@",
            &u("some-bucket"),
            b"@",
            &u("some-key.data"),
            &u("ab12ef34"),
            b"00000000000",
        ]
        .concat();
        let mut out = Vec::new();
        write_outcome(&event(&input), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "p aws.s3.object u e721375466d4116ab551213fdea08413\n"
        );
    }

    #[test]
    fn messages_stay_on_one_line() {
        let input = b"{\"service\":\"dynamodb\",\"operation\":\"PutItem\",\"request\":{\"TableName\":\"a\\nb\",\"Item\":{}},\"response\":{}}";
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
    fn change_time_ends_the_pointer_line() {
        let event = br#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","eventTime":"1970-01-01T00:00:01.5Z","s3":{"bucket":{"name":"some-bucket"},"object":{"key":"some-key.data","eTag":"ab12ef34"}}}]}"#;
        let mut out = Vec::new();
        write_outcome(&super::event(event), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "p aws.s3.object u e721375466d4116ab551213fdea08413 1500000000\n"
        );
    }

    #[test]
    fn sampling_question() {
        let hash = "e721375466d4116ab551213fdea08413";
        assert!(keep_for_sampling(format!("{hash} 1").as_bytes()));
        assert!(keep_for_sampling(format!("{hash} 0.7").as_bytes()));
        assert!(!keep_for_sampling(format!("{hash} 0.5").as_bytes()));
        assert!(!keep_for_sampling(format!("{hash} x").as_bytes()));
        assert!(!keep_for_sampling(hash.as_bytes()));
    }

    #[test]
    fn projections() {
        assert_eq!(
            response_projection(b"s3 PutObjectCommand").as_deref(),
            Some(
                r#"{"operation":0,"request":{"Bucket":true,"Key":true},"response":{"ETag":true,"data":{"ETag":true},"Error":{},"error":{},"ResponseMetadata":{"HTTPStatusCode":true},"$metadata":{"httpStatusCode":true}}}"#
            )
        );
        assert_eq!(response_projection(b"s3 GetObject"), None);
        assert!(event_projection().starts_with(r#"{"Records":[{"eventSource":true,"#));
    }
}
