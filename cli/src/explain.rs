//! `span-autolink pointers`, `event` and `explain`: the pointers of one
//! call or event, and why two spans did or did not link. The core is linked
//! natively; the report is the core's, printed for people or as JSON.

use crate::explain_text;
use crate::failure::Failure;
use span_autolink::explain::{KeyNameSource, Report};
use span_autolink::{compare, explain_event, Config, Value};
use std::path::Path;
use std::process::ExitCode;

/// The environment variables that hold the key-name setting, as the
/// Datadog tracers read them (SPEC 5).
const KEY_NAME_VARIABLES: [&str; 2] = [
    "DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS",
    "DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS",
];

/// Exit status: the sides meet (or pointers came out), they do not, or
/// the input could not be read.
pub const MEET: u8 = 0;
pub const NO_MEET: u8 = 1;
pub const UNREADABLE: u8 = 2;

pub struct Output {
    pub json: bool,
    pub explain: bool,
}

/// A file's JSON, kept so that the values read from it can borrow it.
struct Input {
    path: String,
    text: Vec<u8>,
}

impl Input {
    fn read(path: &Path) -> Result<Input, Failure> {
        let text = std::fs::read(path).map_err(|e| Failure::unreadable(path, e))?;
        Ok(Input {
            path: path.display().to_string(),
            text,
        })
    }

    fn value(&self) -> Result<Value<'_>, Failure> {
        Value::from_host_json(&self.text).map_err(|error| Failure {
            code: "input_invalid",
            message: format!(
                "{} is not JSON ({error}); give a call {{\"service\", \"operation\", \"request\", \"response\", \"config\"}} or a Lambda event",
                self.path
            ),
        })
    }
}

/// Whether a file holds a call (`service` and `operation`) or an event.
fn is_call(value: &Value) -> bool {
    value.get("service").and_then(Value::as_str).is_some()
        && value.get("operation").and_then(Value::as_str).is_some()
}

fn explain_call(call: &Value) -> Report {
    let (config, source) = match call.get("config") {
        Some(config) if !config.is_null() => (Config::from_value(config), KeyNameSource::Option),
        _ => match KEY_NAME_VARIABLES
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        {
            Some(setting) => (Config::from_json(setting), KeyNameSource::Setting),
            None => (Config::new(), KeyNameSource::Setting),
        },
    };
    span_autolink::explain::explain_call(call, &config, source)
}

fn explain_any(value: &Value) -> Report {
    if is_call(value) {
        explain_call(value)
    } else {
        explain_event(value)
    }
}

fn unreadable(failure: Failure) -> ExitCode {
    eprintln!("span-autolink: {failure}");
    ExitCode::from(UNREADABLE)
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("span-autolink: output_invalid: {error}"),
    }
}

/// `pointers CALL.json` and `event EVENT.json`.
pub fn one(path: &Path, call: bool, output: &Output) -> ExitCode {
    let input = match Input::read(path) {
        Ok(input) => input,
        Err(failure) => return unreadable(failure),
    };
    let value = match input.value() {
        Ok(value) => value,
        Err(failure) => return unreadable(failure),
    };
    if call && !is_call(&value) {
        return unreadable(Failure {
            code: "input_invalid",
            message: format!(
                "{} is no call: it needs \"service\" and \"operation\" (and \"request\", \"response\"); for a Lambda event use `span-autolink event`",
                input.path
            ),
        });
    }
    let report = if call {
        explain_call(&value)
    } else {
        explain_event(&value)
    };
    if output.json {
        print_json(&report);
    } else {
        print!("{}", explain_text::report(&report, output.explain));
    }
    ExitCode::from(if report.pointers.is_empty() {
        NO_MEET
    } else {
        MEET
    })
}

/// `explain PRODUCER.json CONSUMER.json`.
pub fn pair(producer: &Path, consumer: &Path, output: &Output) -> ExitCode {
    let inputs = match (Input::read(producer), Input::read(consumer)) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(failure), _) | (_, Err(failure)) => return unreadable(failure),
    };
    let values = match (inputs.0.value(), inputs.1.value()) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(failure), _) | (_, Err(failure)) => return unreadable(failure),
    };
    let comparison = compare(explain_any(&values.0), explain_any(&values.1));
    if output.json {
        print_json(&comparison);
    } else {
        print!("{}", explain_text::comparison(&comparison));
    }
    ExitCode::from(if comparison.meet { MEET } else { NO_MEET })
}
