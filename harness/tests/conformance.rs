//! `conformance/cases.json` through both shipped modules, as a host that
//! follows `wasm/ABI.md` sends it: JSON text, the case's key-name
//! configuration through `sa_configure`, and what earlier cases taught
//! forgotten (`sa_forget_tables`), so that each case starts as the core's
//! replay does. The same pointers, issue codes and tables to look up.

use serde::Deserialize;
use serde_json::value::RawValue;
use span_autolink_harness::host::{Host, Limits};
use std::path::PathBuf;

#[derive(Deserialize)]
struct File<'a> {
    #[serde(borrow)]
    cases: Vec<Case<'a>>,
}

#[derive(Deserialize)]
struct Case<'a> {
    name: String,
    kind: String,
    #[serde(borrow)]
    service: Option<&'a RawValue>,
    #[serde(borrow)]
    operation: Option<&'a RawValue>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    expect: Option<Expect>,
    #[serde(default)]
    unknown_tables: Vec<String>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    config: Option<&'a RawValue>,
    config_text: Option<String>,
    #[serde(borrow)]
    calls: Option<Vec<Call<'a>>>,
}

impl<'a> Case<'a> {
    /// A `response` case as the one call of a sequence.
    fn as_call(&self) -> Option<Call<'a>> {
        Some(Call {
            service: self.service?,
            operation: self.operation?,
            request: self.request,
            response: self.response,
            expect: Expect {
                pointers: self.expect.as_ref()?.pointers.clone(),
                issues: self.expect.as_ref()?.issues.clone(),
            },
            unknown_tables: self.unknown_tables.clone(),
        })
    }
}

#[derive(Deserialize)]
struct Call<'a> {
    #[serde(borrow)]
    service: &'a RawValue,
    #[serde(borrow)]
    operation: &'a RawValue,
    /// JSON `null` reads as `None`.
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    expect: Expect,
    #[serde(default)]
    unknown_tables: Vec<String>,
}

#[derive(Deserialize, Debug, PartialEq, Clone)]
struct Expect {
    pointers: Vec<Pointer>,
    issues: Vec<String>,
}

#[derive(Deserialize, Debug, PartialEq, Clone)]
struct Pointer {
    kind: String,
    direction: String,
    hash: String,
    change_time: Option<u64>,
}

/// The module's output lines as the case states them.
fn observed(output: &str) -> (Expect, Vec<String>) {
    let mut expect = Expect {
        pointers: Vec::new(),
        issues: Vec::new(),
    };
    let mut tables = Vec::new();
    for line in output.lines() {
        let fields: Vec<&str> = line.splitn(5, ' ').collect();
        match fields.as_slice() {
            ["p", kind, direction, hash, rest @ ..] => expect.pointers.push(Pointer {
                kind: kind.to_string(),
                direction: direction.to_string(),
                hash: hash.to_string(),
                change_time: rest.first().map(|t| t.parse().expect("a change time")),
            }),
            ["i", code, ..] => expect.issues.push(code.to_string()),
            ["t", table] => tables.push(table.to_string()),
            _ => panic!("a line no host can read: {line:?}"),
        }
    }
    (expect, tables)
}

/// A part's JSON text; `null` where serde read JSON `null` as `None`.
fn json(part: Option<&RawValue>) -> &str {
    part.map_or("null", RawValue::get)
}

fn text(call: &Call<'_>) -> String {
    format!(
        r#"{{"service":{},"operation":{},"request":{},"response":{}}}"#,
        call.service.get(),
        call.operation.get(),
        json(call.request),
        json(call.response)
    )
}

#[test]
fn every_case_through_both_shipped_modules() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let cases = std::fs::read(root.join("conformance/cases.json")).unwrap();
    let file: File = serde_json::from_slice(&cases).unwrap();
    for (module, target) in [
        (
            "bindings/python/span_autolink/span_autolink.wasm",
            "py-package",
        ),
        ("bindings/js/pkg/span_autolink_bg.wasm", "js-package"),
    ] {
        let mut host = Host::load(&root.join(module), target, Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut failures = Vec::new();
        let mut replayed = 0;
        for case in &file.cases {
            let one;
            let calls: Vec<&Call<'_>> = match case.kind.as_str() {
                "response" => {
                    one = case.as_call().expect("a response case is a call");
                    vec![&one]
                }
                "sequence" => case.calls.iter().flatten().collect(),
                "event" => {
                    let answer = host
                        .call("sa_pointers_for_event", json(case.event).as_bytes())
                        .expect("no trap");
                    let (got, tables) = observed(&answer.output);
                    if Some(&got) != case.expect.as_ref() || !tables.is_empty() {
                        failures.push(format!("{}: got {got:?} {tables:?}", case.name));
                    }
                    replayed += 1;
                    continue;
                }
                _ => continue,
            };
            host.forget_tables().unwrap();
            let config = match (case.config, &case.config_text) {
                (Some(raw), _) => raw.get().to_owned(),
                (None, Some(text)) => text.clone(),
                (None, None) => String::new(),
            };
            host.configure(&config).expect("no trap");
            for (i, call) in calls.iter().enumerate() {
                let answer = host
                    .call("sa_pointers_for_response", text(call).as_bytes())
                    .expect("no trap");
                let (got, tables) = observed(&answer.output);
                if got != call.expect || tables != call.unknown_tables {
                    failures.push(format!(
                        "{} call {i}: expected {:?} {:?}, got {:?} {:?}",
                        case.name, call.expect, call.unknown_tables, got, tables
                    ));
                }
                replayed += 1;
            }
        }
        assert!(failures.is_empty(), "{module}:\n{}", failures.join("\n"));
        assert!(replayed > 280, "{module}: only {replayed} calls");
    }
}
