//! `make demo`: producer pointers for a few AWS calls, consumer pointers for
//! the Lambda events those calls caused, and whether they meet.

use span_autolink::{pointers_for_event, pointers_for_response, Config, Value};
use std::collections::BTreeMap;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/samples");
    let producers_text = std::fs::read(samples.join("producers.json"))?;
    let producers = Value::from_host_json(&producers_text)?;
    let config = Config::from_value(producers.get("config").unwrap_or(&Value::Null));
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();

    println!("Producer spans (direction d), from successful AWS calls:\n");
    let mut produced: Vec<(String, String)> = Vec::new();
    for call in producers
        .get("calls")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        let label = text(call.get("label"));
        let outcome = pointers_for_response(
            &text(call.get("service")),
            &text(call.get("operation")),
            call.get("request").unwrap_or(&Value::Null),
            call.get("response").unwrap_or(&Value::Null),
            &config,
        );
        for p in &outcome.pointers {
            println!(
                "  {:<17} {}  {} ({})",
                p.kind.as_str(),
                p.direction.as_str(),
                p.hash,
                label
            );
            produced.push((p.hash.as_str().to_owned(), label.clone()));
        }
        for issue in &outcome.issues {
            println!(
                "  no pointer: {} ({}): {}",
                issue.code, label, issue.message
            );
        }
    }

    println!("\nConsumer spans (direction u), from the Lambda events they caused:\n");
    let mut consumed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(samples.join("events"))?.collect::<Result<_, _>>()?;
    files.sort_by_key(|f| f.file_name());
    for file in files {
        let name = file.file_name().to_string_lossy().into_owned();
        let text = std::fs::read(file.path())?;
        let outcome = pointers_for_event(&Value::from_json(&text)?);
        if outcome.pointers.is_empty() && outcome.issues.is_empty() {
            println!("  (no pointers)                                          {name}");
        }
        for p in &outcome.pointers {
            println!(
                "  {:<17} {}  {} ({name})",
                p.kind.as_str(),
                p.direction.as_str(),
                p.hash
            );
            consumed
                .entry(p.hash.as_str().to_owned())
                .or_default()
                .push(name.clone());
        }
        for issue in &outcome.issues {
            println!("  no pointer: {} ({name}): {}", issue.code, issue.message);
        }
    }

    println!("\nWhere they meet (the backend links a d and a u pointer with the same hash):\n");
    let mut met = 0;
    for (hash, label) in &produced {
        match consumed.get(hash) {
            Some(events) => {
                met += 1;
                println!("  MEET  {label}\n        -> {}", events.join(", "));
            }
            None => println!("  MISS  {label}"),
        }
    }
    println!(
        "\n{met} of {} producer pointers met a consumer pointer.",
        produced.len()
    );
    if met != produced.len() {
        return Err("some producer pointers found no consumer".into());
    }
    Ok(())
}
