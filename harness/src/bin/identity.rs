//! The cross-host identity check, in three steps that `make test-identity`
//! chains with the Node.js and Python runners:
//!
//!   identity corpus SEED COUNT OUT.json     write the corpus
//!   identity native CORPUS OUT.txt          the core, called directly
//!   identity wasm MODULE CORPUS OUT.txt     a shipped module, through ABI.md
//!   identity compare A.txt B.txt ...        identical, or name the first case that differs

use serde_json::value::RawValue;
use span_autolink::{
    pointers_for_call, pointers_for_event, Config, KeyRegistry, Operation, Outcome, Value,
};
use span_autolink_harness::host::{Host, Limits};
use span_autolink_harness::{corpus, render};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["corpus", seed, count, out] => write_corpus(seed, count, out),
        ["native", corpus, out] => run_native(corpus, out),
        ["wasm", module, corpus, out] => run_wasm(module, corpus, out),
        ["compare", first, rest @ ..] if !rest.is_empty() => compare(first, rest),
        _ => Err("usage: identity corpus SEED COUNT OUT | native CORPUS OUT | wasm MODULE CORPUS OUT | compare A B...".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn write_corpus(seed: &str, count: &str, out: &str) -> Result<(), String> {
    let seed: u64 = seed.parse().map_err(|e| format!("seed: {e}"))?;
    let count: usize = count.parse().map_err(|e| format!("count: {e}"))?;
    let text = corpus::text(&corpus::generate(seed, count));
    std::fs::write(out, text).map_err(|e| format!("{out}: {e}"))
}

fn text(case: &Value, name: &str) -> String {
    case.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn run_native(corpus: &str, out: &str) -> Result<(), String> {
    let bytes = std::fs::read(corpus).map_err(|e| format!("{corpus}: {e}"))?;
    let corpus = Value::from_host_json(&bytes)?;
    let null = Value::Null;
    // One registry for the whole corpus, as every other host keeps one
    // instance's: what a case teaches serves the cases after it.
    let mut registry = KeyRegistry::new();
    let mut lines = Vec::new();
    for case in corpus
        .get("cases")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        let outcome = if text(case, "kind") == "event" {
            pointers_for_event(case.get("event").unwrap_or(&null))
        } else {
            let config = match case.get("config") {
                Some(c) => Config::from_value(c),
                None => Config::new(),
            };
            match Operation::parse(&text(case, "service"), &text(case, "operation")) {
                Some(operation) => pointers_for_call(
                    operation,
                    case.get("request").unwrap_or(&null),
                    case.get("response").unwrap_or(&null),
                    &config,
                    &mut registry,
                ),
                None => Outcome::new(),
            }
        };
        lines.push(render::outcome_line(&text(case, "name"), &outcome));
    }
    write_lines(out, &lines)
}

/// A case as the corpus file holds it: each part kept as its exact JSON
/// text (number text, and lone surrogate escapes, which serde_json's
/// values refuse, included).
#[derive(serde::Deserialize)]
struct RawCase<'a> {
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
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(borrow)]
    config: Option<&'a RawValue>,
}

#[derive(serde::Deserialize)]
struct RawCorpus<'a> {
    #[serde(borrow)]
    cases: Vec<RawCase<'a>>,
}

fn run_wasm(module: &str, corpus: &str, out: &str) -> Result<(), String> {
    let mut host = Host::load(module.as_ref(), "build", Limits::default())?;
    let raw = std::fs::read(corpus).map_err(|e| format!("{corpus}: {e}"))?;
    let parsed: RawCorpus = serde_json::from_slice(&raw).map_err(|e| e.to_string())?;
    let text = |part: Option<&RawValue>| part.map_or("null", RawValue::get).to_owned();
    let mut lines = Vec::new();
    for case in &parsed.cases {
        let name = case.name.as_str();
        let answer = if case.kind == "event" {
            host.call("sa_pointers_for_event", text(case.event).as_bytes())
        } else {
            let config = case.config.map(|c| c.get().to_owned()).unwrap_or_default();
            host.configure(&config)
                .map_err(|t| format!("{name}: configure trapped: {}", t.0))?;
            let call = format!(
                r#"{{"service":{},"operation":{},"request":{},"response":{}}}"#,
                text(case.service),
                text(case.operation),
                text(case.request),
                text(case.response)
            );
            host.call("sa_pointers_for_response", call.as_bytes())
        };
        let answer = answer.map_err(|t| format!("{name}: the module trapped: {}", t.0))?;
        lines.push(render::module_output_line(name, &answer.output));
    }
    write_lines(out, &lines)
}

fn write_lines(out: &str, lines: &[String]) -> Result<(), String> {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(out, text).map_err(|e| format!("{out}: {e}"))
}

fn compare(first: &str, rest: &[&str]) -> Result<(), String> {
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    let reference = read(first)?;
    let reference_lines: Vec<&str> = reference.lines().collect();
    for other in rest {
        let text = read(other)?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != reference_lines.len() {
            return Err(format!(
                "{other} has {} cases, {first} has {}",
                lines.len(),
                reference_lines.len()
            ));
        }
        if let Some((a, b)) = reference_lines.iter().zip(&lines).find(|(a, b)| a != b) {
            let case = a.split('\t').next().unwrap_or_default();
            return Err(format!(
                "case {case} differs:\n  {first}: {a}\n  {other}: {b}"
            ));
        }
    }
    let pointers: usize = reference_lines
        .iter()
        .map(|l| {
            l.split('\t')
                .nth(1)
                .filter(|p| !p.is_empty())
                .map_or(0, |p| p.split(',').count())
        })
        .sum();
    println!(
        "{} hosts agree byte for byte on {} cases ({pointers} pointers)",
        rest.len() + 1,
        reference_lines.len()
    );
    Ok(())
}
