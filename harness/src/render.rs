//! One line per case, identical from every host, so outputs compare byte
//! for byte:
//!
//! `NAME<TAB>kind:dir:hash,kind:dir:hash<TAB>code,code`

use span_autolink::Outcome;

pub fn line(name: &str, pointers: &[(String, String, String)], codes: &[String]) -> String {
    let pointers: Vec<String> = pointers
        .iter()
        .map(|(k, d, h)| format!("{k}:{d}:{h}"))
        .collect();
    format!("{name}\t{}\t{}", pointers.join(","), codes.join(","))
}

pub fn outcome_line(name: &str, outcome: &Outcome) -> String {
    let pointers: Vec<(String, String, String)> = outcome
        .pointers
        .iter()
        .map(|p| {
            (
                p.kind.as_str().into(),
                p.direction.as_str().into(),
                p.hash.as_str().into(),
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

/// Parses the module's output lines (`p kind dir hash`, `i code message`).
pub fn module_output_line(name: &str, output: &str) -> String {
    let mut pointers = Vec::new();
    let mut codes = Vec::new();
    for l in output.lines() {
        let mut parts = l.splitn(4, ' ');
        match parts.next() {
            Some("p") => {
                let kind = parts.next().unwrap_or_default().to_owned();
                let dir = parts.next().unwrap_or_default().to_owned();
                let hash = parts.next().unwrap_or_default().to_owned();
                pointers.push((kind, dir, hash));
            }
            Some("i") => codes.push(parts.next().unwrap_or_default().to_owned()),
            _ => codes.push(format!("unparsable_line:{l}")),
        }
    }
    line(name, &pointers, &codes)
}
