//! Replays `conformance/cases.json`, the vectors every host replays.

use serde::Deserialize;
use serde_json::value::RawValue;
use span_autolink::settings::Settings;
use span_autolink::{keep, pointers_for_event, pointers_for_response, Config, Outcome, Value};

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

fn run(case: &Case<'_>) -> Outcome {
    let (request, response, event) = (part(case.request), part(case.response), part(case.event));
    let config = match (case.config, &case.config_text) {
        (Some(raw), _) => Config::from_value(&part(Some(raw))),
        (None, Some(text)) => Config::from_json(text),
        (None, None) => Config::new(),
    };
    match case.kind.as_str() {
        "response" => pointers_for_response(
            case.service.as_deref().unwrap_or_default(),
            case.operation.as_deref().unwrap_or_default(),
            &request,
            &response,
            &config,
        ),
        "event" => pointers_for_event(&event),
        other => panic!("case {}: unknown kind {other}", case.name),
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
        let outcome = run(case);
        let got = observed(&outcome);
        let expect = case.expect.as_ref().unwrap();
        if &got != expect {
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
        .flat_map(|c| c.expect.iter().flat_map(|e| e.issues.iter().cloned()))
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
