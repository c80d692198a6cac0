//! The one place where bytes from a host become core values, and core
//! outcomes become bytes for a host.
//!
//! Input on the hot path is Python's marshal format after the two bytes
//! `\0m`, written along the core's projections (`marshal.rs`, `ABI.md`
//! "Input"): both packages write it without escaping anything, and it is
//! read without scanning. JSON text stays for tests, the harness and hosts
//! that have no marshal writer. Output is a line per result, cheap to split
//! in any language: `p KIND DIRECTION HASH [CHANGE_TIME]` for a pointer,
//! `i CODE MESSAGE` for an issue.

#[cfg(feature = "explain")]
use span_autolink::explain::{Comparison, KeyNameSource, Report, ReportIssue};
use span_autolink::limits::{MAX_INPUT_BYTES, TOO_LARGE};
use span_autolink::projection::EVENT;
use span_autolink::settings::{Settings, VARIABLES};
#[cfg(feature = "explain")]
use span_autolink::{compare, explain_event};
use span_autolink::{
    pointers_for_event, pointers_with_registry, unreadable_input, Config, KeyRegistry, Operation,
    Outcome, Value,
};

/// The tag in front of input in marshal format. JSON text never starts
/// with a NUL byte.
pub const MARSHAL_TAG: &[u8] = b"\0m";

/// An AWS call: in marshal format the tuple `(code, request, response)`
/// written along the operation's projections, or JSON text
/// `{"service", "operation", "request", "response"}`. What it shows of
/// DynamoDB tables' key names goes into `registry` first.
pub fn response(input: &[u8], config: &Config, registry: &mut KeyRegistry) -> Outcome {
    if input.len() > MAX_INPUT_BYTES {
        return unreadable_input("response call", TOO_LARGE);
    }
    if let Some(data) = input.strip_prefix(MARSHAL_TAG) {
        let call = crate::marshal::read_call(data, |code| {
            let p = Operation::from_code(code)?.projection();
            Some([p.request, p.response])
        });
        return match call {
            Ok((code, [request, response])) => {
                let outcome = match Operation::from_code(code) {
                    Some(operation) => one_call(operation, &request, &response, config, registry),
                    None => Outcome::new(),
                };
                crate::arena::discard([request, response]);
                outcome
            }
            Err(error) => unreadable_input("response call", &format!("marshal data: {error}")),
        };
    }
    let call = match Value::from_host_json(input) {
        Ok(call) => call,
        Err(error) => return unreadable_input("response call", &error),
    };
    let text = |name: &str| call.get(name).and_then(Value::as_str).unwrap_or_default();
    let null = Value::Null;
    let outcome = match Operation::parse(text("service"), text("operation")) {
        Some(operation) => one_call(
            operation,
            call.get("request").unwrap_or(&null),
            call.get("response").unwrap_or(&null),
            config,
            registry,
        ),
        None => Outcome::new(),
    };
    crate::arena::discard(call);
    outcome
}

/// One call: learned from outside the call arena (the registry outlives
/// the call), then its pointers.
fn one_call(
    operation: Operation,
    request: &Value,
    response: &Value,
    config: &Config,
    registry: &mut KeyRegistry,
) -> Outcome {
    if operation.uses_key_names() {
        crate::arena::outside(|| registry.observe(operation, request, response));
    }
    pointers_with_registry(operation, request, response, config, registry)
}

/// A Lambda event: in marshal format written along the event projection,
/// or JSON text.
pub fn event(input: &[u8]) -> Outcome {
    if input.len() > MAX_INPUT_BYTES {
        return unreadable_input("event", TOO_LARGE);
    }
    let event = match input.strip_prefix(MARSHAL_TAG) {
        Some(data) => crate::marshal::read_along(data, &EVENT)
            .map_err(|error| format!("marshal data: {error}")),
        None => Value::from_host_json(input),
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

/// What an explain request answers: one input's report, two side by side,
/// or why the request could not be read.
#[cfg(feature = "explain")]
#[derive(serde::Serialize)]
#[serde(untagged)]
pub enum Explained {
    Report(Report),
    // Boxed: a comparison holds two reports, and the other answers are small.
    Comparison(Box<Comparison>),
    Unreadable { error: ReportIssue },
}

/// An explain request, JSON text: a call `{"service", "operation",
/// "request", "response", "config"?}`, an event `{"event": EVENT}`, or
/// `{"producer": CALL or {"event": ...}, "consumer": ...}`. A call's key
/// names come from `config` (an option's value), else from `setting` (the
/// environment variable's text), else from the instance's configuration.
#[cfg(feature = "explain")]
pub fn explain(input: &[u8], config: &Config) -> Explained {
    if input.len() > MAX_INPUT_BYTES {
        return unreadable_explain(TOO_LARGE);
    }
    let request = match Value::from_host_json(input) {
        Ok(request) => request,
        Err(error) => return unreadable_explain(&error),
    };
    match (request.get("producer"), request.get("consumer")) {
        (Some(producer), Some(consumer)) => Explained::Comparison(Box::new(compare(
            explain_one(producer, config),
            explain_one(consumer, config),
        ))),
        _ => Explained::Report(explain_one(&request, config)),
    }
}

#[cfg(feature = "explain")]
fn explain_one(input: &Value, config: &Config) -> Report {
    if let Some(event) = input.get("event") {
        return explain_event(event);
    }
    let given;
    let (config, source) = match (input.get("config"), input.get("setting")) {
        (Some(value), _) if !value.is_null() => {
            given = Config::from_value(value);
            (&given, KeyNameSource::Option)
        }
        (_, Some(Value::String(text))) => {
            given = Config::from_json(text.as_bytes());
            (&given, KeyNameSource::Setting)
        }
        _ => (config, KeyNameSource::Setting),
    };
    span_autolink::explain::explain_call(input, config, source)
}

#[cfg(feature = "explain")]
fn unreadable_explain(error: &str) -> Explained {
    Explained::Unreadable {
        error: ReportIssue {
            code: "input_invalid",
            message: format!("span-autolink could not read the explain request: {error}"),
        },
    }
}

/// Writes a configuration's issues as the output of configuring it.
pub fn write_config_issues(config: &Config, out: &mut Vec<u8>) {
    let mut outcome = Outcome::new();
    outcome.issues = config.issues().to_vec();
    write_outcome(&outcome, out);
}

/// The key-name configuration as JSON text; empty text is no configuration.
pub fn config(input: &[u8]) -> Config {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Config::new();
    }
    Config::from_json(input)
}

/// What `operation` answers for a call no rule reads.
pub const NO_OPERATION: u32 = 0xff;

/// `SERVICE OPERATION` to the operation's code, or [`NO_OPERATION`] when
/// no rule reads the call: it neither gives a pointer nor shows a table's
/// key names. Service names may have spaces (`DynamoDB Streams`);
/// operation names do not.
pub fn operation(input: &[u8]) -> u32 {
    core::str::from_utf8(input)
        .ok()
        .and_then(|text| text.rsplit_once(' '))
        .and_then(|(service, operation)| Operation::parse(service, operation))
        .map_or(NO_OPERATION, |operation| u32::from(operation.code()))
}

/// Whether a span carrying the pointer hash `input` keeps its trace at
/// `rate` ([`span_autolink::keep`]).
pub fn keep_for_sampling(input: &[u8], rate: f64) -> bool {
    core::str::from_utf8(input).is_ok_and(|hash| span_autolink::keep(hash, rate))
}

/// The settings of an environment: input `NAME=VALUE` entries of the
/// variables that are set, each ended by a NUL byte (values may hold line
/// breaks); output a line per setting, `s NAME VALUE`, where the key-name
/// configuration's value is the name of the variable that holds it, then
/// the issues. The key-name configuration itself is not applied here.
pub fn settings(input: &[u8], out: &mut Vec<u8>) {
    let entries: Vec<(&str, &str)> = input
        .split(|&b| b == 0)
        .filter_map(|entry| core::str::from_utf8(entry).ok()?.split_once('='))
        .collect();
    let settings = Settings::from_environment(|name| {
        entries
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    });
    out.clear();
    let mut line = |name: &str, value: &[u8]| {
        for part in [b"s ", name.as_bytes(), b" ", value, b"\n"] {
            out.extend_from_slice(part);
        }
    };
    let flag = |on: bool| if on { &b"true"[..] } else { b"false" };
    line("enabled", flag(settings.enabled));
    if let Some((variable, _)) = settings.dynamodb_primary_keys {
        line("dynamodb_primary_keys", variable.as_bytes());
    }
    if let Some(rate) = settings.pointer_sampling {
        line("pointer_sampling", rate.as_bytes());
    }
    line("describe_table", flag(settings.describe_table));
    let mut issues = Outcome::new();
    issues.issues = settings.issues;
    let mut lines = Vec::new();
    write_outcome(&issues, &mut lines);
    out.extend_from_slice(&lines);
}

/// The names of the variables the settings read, one per line (hosts read
/// these and hand them to [`settings`]).
pub fn setting_variables() -> String {
    VARIABLES
        .iter()
        .map(|(name, _)| format!("{name}\n"))
        .collect()
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
    // Table names DynamoDB takes: ASCII letters, digits, `_.-`.
    for table in &outcome.unknown_tables {
        out.extend_from_slice(b"t ");
        out.extend_from_slice(table.as_bytes());
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marshal::tests::u;

    fn text(out: &[u8]) -> String {
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn response_round_trip() {
        let input = br#"{"service":"s3","operation":"PutObject","request":{"Bucket":"some-bucket","Key":"some-key.data"},"response":{"ETag":"\"ab12ef34\""}}"#;
        let mut out = Vec::new();
        write_outcome(
            &response(input, &Config::new(), &mut KeyRegistry::new()),
            &mut out,
        );
        assert_eq!(out, b"p aws.s3.object d e721375466d4116ab551213fdea08413\n");
    }

    /// A PutObject as both packages write it: `(0, (Bucket, Key), (ETag,
    /// data, Error, error, ResponseMetadata, $metadata))`.
    fn put_object(etag: &str) -> Vec<u8> {
        [
            &b"\0m)\x03i\0\0\0\0)\x02"[..],
            &u("some-bucket"),
            &u("some-key.data"),
            b")\x06",
            &u(etag),
            b"NNNNN",
        ]
        .concat()
    }

    #[test]
    fn projected_response_round_trip() {
        let mut out = Vec::new();
        write_outcome(
            &response(
                &put_object("\"ab12ef34\""),
                &Config::new(),
                &mut KeyRegistry::new(),
            ),
            &mut out,
        );
        assert_eq!(out, b"p aws.s3.object d e721375466d4116ab551213fdea08413\n");
        for (input, what) in [
            (&b"\0m"[..], "not a tuple"),
            (b"\0mN", "not a tuple"),
            // 19: one past the last operation code.
            (b"\0m)\x03i\x13\0\0\0NN", "names no operation"),
            (b"\0m)\x03u\x01\0\0\0xNN", "names no operation"),
            (
                b"\0m)\x03i\0\0\0\0)\x01N)\x06NNNNNN",
                "1 members where its projection names 2",
            ),
            (b"\0m)\x03i\0\0\0\0N", "unexpected end"),
        ] {
            write_outcome(
                &response(input, &Config::new(), &mut KeyRegistry::new()),
                &mut out,
            );
            let text = text(&out);
            assert!(
                text.starts_with("i input_invalid ") && text.contains(what),
                "{input:?}: {text}"
            );
        }
        // A call without a response is read, and did not succeed.
        write_outcome(
            &response(
                b"\0m)\x03i\0\0\0\0NN",
                &Config::new(),
                &mut KeyRegistry::new(),
            ),
            &mut out,
        );
        assert!(text(&out).starts_with("i response_not_successful "));
        // Bytes after the call.
        let mut trailing = put_object("e");
        trailing.push(b'N');
        write_outcome(
            &response(&trailing, &Config::new(), &mut KeyRegistry::new()),
            &mut out,
        );
        assert!(text(&out).contains("trailing bytes"));
    }

    /// Issue codes and pointer count, what hosts compare.
    fn summary(outcome: &Outcome) -> (usize, Vec<&'static str>) {
        let codes = outcome.issues.iter().map(|i| i.code.as_str()).collect();
        (outcome.pointers.len(), codes)
    }

    #[test]
    fn projected_and_named_input_nest_alike() {
        // PutItem of {"id": {"S": "x"}, "deep": {"M": {"M": ... {}}}},
        // `k` maps deep, as JSON and as marshal input, around the limit.
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
            let mut marshal = [
                &[0, b'm', b')', 3, b'i', code, 0, 0, 0, b')', 2][..],
                &u("t"),
                &item,
            ]
            .concat();
            for _ in 0..k {
                marshal.push(b'{');
                marshal.extend(u("M"));
            }
            marshal.extend(b"{0");
            marshal.extend(std::iter::repeat(b'0').take(k));
            marshal.extend(b"0)\x04NNNN");
            let named = summary(&response(json.as_bytes(), &config, &mut KeyRegistry::new()));
            assert_eq!(
                summary(&response(&marshal, &config, &mut KeyRegistry::new())),
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
        // {Records: [{eventSource: "aws:s3", eventName, s3: {bucket: {name},
        // object: {key, eTag}}}]}: the record's 10 members, the event's 7.
        let input = [
            &b"\0m)\x07[\x01\0\0\0)\x0a"[..],
            &u("aws:s3"),
            b"N",
            &u("ObjectCreated:Put"),
            b"NN)\x02)\x01",
            &u("some-bucket"),
            b")\x03",
            &u("some-key.data"),
            &u("ab12ef34"),
            b"N",
            b"NNNN",
            b"NNNNNN",
        ]
        .concat();
        let mut out = Vec::new();
        write_outcome(&event(&input), &mut out);
        assert_eq!(
            text(&out),
            "p aws.s3.object u e721375466d4116ab551213fdea08413\n"
        );
        // The same event as a dict (what a host without projections sends).
        let named = br#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"some-bucket"},"object":{"key":"some-key.data","eTag":"ab12ef34"}}}]}"#;
        write_outcome(&event(named), &mut out);
        assert_eq!(
            text(&out),
            "p aws.s3.object u e721375466d4116ab551213fdea08413\n"
        );
    }

    #[test]
    fn messages_stay_on_one_line() {
        let input = b"{\"service\":\"dynamodb\",\"operation\":\"PutItem\",\"request\":{\"TableName\":\"a\\nb\",\"Item\":{}},\"response\":{}}";
        let mut out = Vec::new();
        write_outcome(
            &response(input, &Config::new(), &mut KeyRegistry::new()),
            &mut out,
        );
        let text = text(&out);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with("i table_not_configured "));
    }

    #[test]
    fn unreadable_and_outsized_input_is_an_issue() {
        let mut out = Vec::new();
        write_outcome(&event(b"{not json"), &mut out);
        assert!(out.starts_with(b"i input_invalid "));
        let huge = vec![b' '; MAX_INPUT_BYTES + 1];
        write_outcome(&event(&huge), &mut out);
        assert!(text(&out).contains("larger than 32 MiB"));
        write_outcome(
            &response(&huge, &Config::new(), &mut KeyRegistry::new()),
            &mut out,
        );
        assert!(text(&out).contains("larger than 32 MiB"));
    }

    #[test]
    fn configuration_that_is_not_utf8_is_reported() {
        let bad = config(b"{\"t\": [\"\xff\"]}");
        let codes: Vec<&str> = bad.issues().iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes, ["config_invalid"]);
        assert!(bad.key_names("t").is_none());
        assert_eq!(config(b"  \n").issues(), &[]);
    }

    /// A call teaches the registry the key names a later put uses, and a
    /// put on a table nobody knows names it on a `t` line.
    #[test]
    fn learned_key_names_and_unknown_tables() {
        let mut registry = KeyRegistry::new();
        let config = Config::new();
        let put = br#"{"service":"dynamodb","operation":"PutItem","request":{"TableName":"some-table","Item":{"some-key":{"S":"some-value"},"other":{"N":"1"}}},"response":{}}"#;
        let mut out = Vec::new();
        write_outcome(&response(put, &config, &mut registry), &mut out);
        let first = text(&out);
        assert!(first.starts_with("i table_not_configured "), "{first}");
        assert!(first.ends_with("\nt some-table\n"), "{first}");
        let get = br#"{"service":"dynamodb","operation":"GetItem","request":{"TableName":"some-table","Key":{"some-key":{"S":"x"}}},"response":{}}"#;
        write_outcome(&response(get, &config, &mut registry), &mut out);
        assert_eq!(out, b"");
        write_outcome(&response(put, &config, &mut registry), &mut out);
        assert_eq!(
            text(&out),
            "p aws.dynamodb.item d 7f1aee721472bcb48701d45c7c7f7821\n"
        );
        // The same call as both packages write it: (code, (TableName, Key), (...)).
        let code = Operation::parse("dynamodb", "GetItem").unwrap().code();
        let marshal = [
            &[0, b'm', b')', 3, b'i', code, 0, 0, 0, b')', 2][..],
            &u("marshalled"),
            b"{",
            &u("id"),
            &u("x"),
            b"0)\x04NNNN",
        ]
        .concat();
        write_outcome(&response(&marshal, &config, &mut registry), &mut out);
        assert_eq!(out, b"");
        assert_eq!(
            registry
                .learned("marshalled")
                .map(|(names, _)| names.to_vec()),
            Some(vec![String::from("id")])
        );
    }

    #[test]
    fn operations() {
        assert_eq!(operation(b"s3 PutObjectCommand"), 0);
        assert_eq!(operation(b"DynamoDB Streams GetRecordsCommand"), 10);
        assert_eq!(operation(b"s3 GetObject"), NO_OPERATION);
        assert_eq!(operation(b"DynamoDB Query"), NO_OPERATION);
        assert_eq!(operation(b"DynamoDB GetItemCommand"), 15);
        assert_eq!(operation(b"s3"), NO_OPERATION);
        assert_eq!(operation(b"\xff PutObject"), NO_OPERATION);
    }

    #[test]
    fn change_time_ends_the_pointer_line() {
        let event = br#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","eventTime":"1970-01-01T00:00:01.5Z","s3":{"bucket":{"name":"some-bucket"},"object":{"key":"some-key.data","eTag":"ab12ef34"}}}]}"#;
        let mut out = Vec::new();
        write_outcome(&super::event(event), &mut out);
        assert_eq!(
            text(&out),
            "p aws.s3.object u e721375466d4116ab551213fdea08413 1500000000\n"
        );
    }

    #[test]
    fn sampling_question() {
        let hash = b"e721375466d4116ab551213fdea08413";
        assert!(keep_for_sampling(hash, 1.0));
        assert!(keep_for_sampling(hash, 0.7));
        assert!(!keep_for_sampling(hash, 0.5));
        assert!(!keep_for_sampling(b"\xff", 1.0));
    }

    #[test]
    fn settings_lines() {
        let mut out = Vec::new();
        settings(
            b"DD_TRACE_AWS_ADD_SPAN_POINTERS=false\0DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS={\"a\":\n[\"id\"]}\0SPAN_AUTOLINK_POINTER_SAMPLING=half\0",
            &mut out,
        );
        let text = text(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "s enabled false");
        assert_eq!(
            lines[1],
            "s dynamodb_primary_keys DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS"
        );
        assert_eq!(lines[2], "s describe_table false");
        assert!(lines[3].starts_with("i setting_invalid SPAN_AUTOLINK_POINTER_SAMPLING"));
        settings(b"", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "s enabled true\ns describe_table false\n"
        );
        assert!(setting_variables()
            .lines()
            .any(|l| l == "SPAN_AUTOLINK_ENABLED"));
    }
}
