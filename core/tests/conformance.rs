//! Replays `conformance/cases.json`, the vectors every host replays: each
//! case with a registry of its own, as an application's calls in order.

use serde::Deserialize;
use serde_json::value::RawValue;
use span_autolink::settings::Settings;
use span_autolink::{
    keep, pointers_for_call, pointers_for_event, Config, KeyRegistry, Operation, Outcome, Value,
};

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    cases: Vec<Case<'a>>,
}

#[derive(Deserialize)]
struct Case<'a> {
    name: String,
    kind: String,
    service: Option<String>,
    operation: Option<String>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    config: Option<&'a RawValue>,
    config_text: Option<String>,
    #[serde(default)]
    expect: Option<Expect>,
    /// A `sampling` case: the pointer hash, the rate, and the decision.
    hash: Option<String>,
    rate: Option<f64>,
    keep: Option<bool>,
    /// A `settings` case: the environment, and what it sets.
    environment: Option<std::collections::BTreeMap<String, String>>,
    settings: Option<ExpectedSettings>,
    /// A `sequence` case: calls made one after the other, each with its
    /// own expectation.
    #[serde(borrow)]
    calls: Option<Vec<Call<'a>>>,
    /// The tables a put needed and no source knew (`t` lines), when any.
    #[serde(default)]
    unknown_tables: Vec<String>,
}

#[derive(Deserialize)]
struct Call<'a> {
    service: String,
    operation: String,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    expect: Expect,
    #[serde(default)]
    unknown_tables: Vec<String>,
}

#[derive(Deserialize, PartialEq, Debug)]
struct ExpectedSettings {
    enabled: bool,
    dynamodb_primary_keys: Option<String>,
    pointer_sampling: Option<f64>,
    describe_table: bool,
}

#[derive(Deserialize, PartialEq, Debug)]
struct Expect {
    pointers: Vec<ExpectedPointer>,
    issues: Vec<String>,
}

#[derive(Deserialize, PartialEq, Debug)]
struct ExpectedPointer {
    kind: String,
    direction: String,
    hash: String,
    change_time: Option<u64>,
}

/// A part of a case, read by the crate's own reader from its exact text.
fn part(raw: Option<&RawValue>) -> Value<'_> {
    raw.map_or(Value::Null, |raw| {
        Value::from_host_json(raw.get().as_bytes()).expect("a case part is JSON")
    })
}

fn config(case: &Case<'_>) -> Config {
    match (case.config, &case.config_text) {
        (Some(raw), _) => Config::from_value(&part(Some(raw))),
        (None, Some(text)) => Config::from_json(text),
        (None, None) => Config::new(),
    }
}

/// One call through a registry, as a host's instance makes it.
fn call(
    service: &str,
    operation: &str,
    request: &Value,
    response: &Value,
    config: &Config,
    registry: &mut KeyRegistry,
) -> Outcome {
    match Operation::parse(service, operation) {
        Some(operation) => pointers_for_call(operation, request, response, config, registry),
        None => Outcome::new(),
    }
}

fn run(case: &Case<'_>) -> Outcome {
    let (request, response, event) = (part(case.request), part(case.response), part(case.event));
    match case.kind.as_str() {
        "response" => call(
            case.service.as_deref().unwrap_or_default(),
            case.operation.as_deref().unwrap_or_default(),
            &request,
            &response,
            &config(case),
            &mut KeyRegistry::new(),
        ),
        "event" => pointers_for_event(&event),
        other => panic!("case {}: unknown kind {other}", case.name),
    }
}

/// A sequence's calls on one registry; what differs, one line each.
fn run_sequence(case: &Case<'_>, failures: &mut Vec<String>) {
    let config = config(case);
    let mut registry = KeyRegistry::new();
    for (i, c) in case.calls.as_ref().unwrap().iter().enumerate() {
        let (request, response) = (part(c.request), part(c.response));
        let outcome = call(
            &c.service,
            &c.operation,
            &request,
            &response,
            &config,
            &mut registry,
        );
        let got = observed(&outcome);
        if got != c.expect || outcome.unknown_tables != c.unknown_tables {
            failures.push(format!(
                "{} call {i} ({}):\n  expected {:?} {:?}\n  got      {:?} {:?}\n  messages {:?}",
                case.name,
                c.operation,
                c.expect,
                c.unknown_tables,
                got,
                outcome.unknown_tables,
                outcome
                    .issues
                    .iter()
                    .map(|i| &i.message)
                    .collect::<Vec<_>>()
            ));
        }
    }
}

fn observed(outcome: &Outcome) -> Expect {
    Expect {
        pointers: outcome
            .pointers
            .iter()
            .map(|p| ExpectedPointer {
                kind: p.kind.as_str().to_owned(),
                direction: p.direction.as_str().to_owned(),
                hash: p.hash.as_str().to_owned(),
                change_time: p.change_time,
            })
            .collect(),
        issues: outcome
            .issues
            .iter()
            .map(|i| i.code.as_str().to_owned())
            .collect(),
    }
}

#[test]
fn every_case_matches() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/cases.json");
    let text = std::fs::read(path).expect("conformance/cases.json is readable");
    let file: File = serde_json::from_slice(&text).expect("conformance/cases.json parses");
    assert!(file.cases.len() >= 80, "only {} cases", file.cases.len());
    let mut failures = Vec::new();
    for case in &file.cases {
        if case.kind == "sampling" {
            let (hash, rate) = (case.hash.as_deref().unwrap(), case.rate.unwrap());
            if keep(hash, rate) != case.keep.unwrap() {
                failures.push(format!(
                    "{}: keep({hash}, {rate}) is not {:?}",
                    case.name, case.keep
                ));
            }
            continue;
        }
        if case.kind == "settings" {
            let env = case.environment.as_ref().unwrap();
            let s = Settings::from_environment(|name| env.get(name).map(String::as_str));
            let got = ExpectedSettings {
                enabled: s.enabled,
                dynamodb_primary_keys: s.dynamodb_primary_keys.map(|(_, text)| text.to_owned()),
                pointer_sampling: s.pointer_sampling.map(|r| r.parse().unwrap()),
                describe_table: s.describe_table,
            };
            let codes: Vec<&str> = s.issues.iter().map(|i| i.code.as_str()).collect();
            let expect = case.expect.as_ref().unwrap();
            if Some(&got) != case.settings.as_ref() || codes != expect.issues {
                failures.push(format!("{}: got {got:?} {codes:?}", case.name));
            }
            continue;
        }
        if case.kind == "sequence" {
            run_sequence(case, &mut failures);
            continue;
        }
        let outcome = run(case);
        let got = observed(&outcome);
        let expect = case.expect.as_ref().unwrap();
        if &got != expect || outcome.unknown_tables != case.unknown_tables {
            failures.push(format!(
                "{}:\n  expected {:?}\n  got      {:?}\n  messages {:?}",
                case.name,
                expect,
                got,
                outcome
                    .issues
                    .iter()
                    .map(|i| &i.message)
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        file.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_issue_code_is_covered() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/cases.json");
    let text = std::fs::read(path).unwrap();
    let file: File = serde_json::from_slice(&text).unwrap();
    let covered: std::collections::BTreeSet<String> = file
        .cases
        .iter()
        .flat_map(|c| {
            let calls = c.calls.iter().flatten().map(|call| &call.expect);
            c.expect
                .iter()
                .chain(calls)
                .flat_map(|e| e.issues.iter().cloned())
        })
        .collect();
    for code in span_autolink::IssueCode::ALL {
        // input_invalid needs text input no case holds; the others come
        // from hosts and integrations only.
        if code.host_only() || code.as_str() == "input_invalid" {
            continue;
        }
        assert!(covered.contains(code.as_str()), "no case expects {code}");
    }
}
