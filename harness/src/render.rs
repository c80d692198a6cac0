//! One line per case, identical from every host, so outputs compare byte
//! for byte:
//!
//! `NAME<TAB>kind:dir:hash[@time],kind:dir:hash<TAB>code,code`
//!
//! A change time is written as the integer of the double nearest to it:
//! what a JavaScript number holds of it (every host rounds the same way),
//! exact up to 2^53 and within 256 ns of the time beyond.

use span_autolink::Outcome;

/// A pointer: kind, direction, hash, change time.
pub type Fields = (String, String, String, Option<u64>);

pub fn line(name: &str, pointers: &[Fields], codes: &[String]) -> String {
    let pointers: Vec<String> = pointers
        .iter()
        .map(|(k, d, h, t)| match t {
            Some(t) => format!("{k}:{d}:{h}@{}", as_double(*t)),
            None => format!("{k}:{d}:{h}"),
        })
        .collect();
    format!("{name}\t{}\t{}", pointers.join(","), codes.join(","))
}

/// `t` through the nearest double, as a JavaScript number holds it.
fn as_double(t: u64) -> u64 {
    t as f64 as u64
}

pub fn outcome_line(name: &str, outcome: &Outcome) -> String {
    let pointers: Vec<Fields> = outcome
        .pointers
        .iter()
        .map(|p| {
            (
                p.kind.as_str().into(),
                p.direction.as_str().into(),
                p.hash.as_str().into(),
                p.change_time,
            )
        })
        .collect();
    let codes: Vec<String> = outcome
        .issues
        .iter()
        .map(|i| i.code.as_str().into())
        .collect();
    line(name, &pointers, &codes)
}

/// Parses the module's output lines (`p kind dir hash [time]`, `i code
/// message`); the tables to look up (`t table`) are the conformance
/// replay's to compare, not this line's.
pub fn module_output_line(name: &str, output: &str) -> String {
    let mut pointers = Vec::new();
    let mut codes = Vec::new();
    for l in output.lines() {
        let mut parts = l.splitn(5, ' ');
        match parts.next() {
            Some("p") => {
                let kind = parts.next().unwrap_or_default().to_owned();
                let dir = parts.next().unwrap_or_default().to_owned();
                let hash = parts.next().unwrap_or_default().to_owned();
                let time = parts.next().and_then(|t| t.parse().ok());
                pointers.push((kind, dir, hash, time));
            }
            Some("i") => codes.push(parts.next().unwrap_or_default().to_owned()),
            Some("t") => {}
            _ => codes.push(format!("unparsable_line:{l}")),
        }
    }
    line(name, &pointers, &codes)
}
