//! The explainer's reports as plain text for people: aligned columns, the
//! differing component marked with `>`.

use span_autolink::explain::{Comparison, Component, ExplainedPointer, LibraryAnswer, Report};
use std::fmt::Write as _;

fn shown(c: &Component) -> String {
    if c.hex {
        format!("0x{}", c.value)
    } else {
        format!("{:?}", c.value)
    }
}

fn how(c: &Component) -> String {
    match &c.given {
        Some(given) => format!("{} (given {given:?})", c.rule.describe()),
        None => c.rule.describe().to_string(),
    }
}

fn pointer_lines(out: &mut String, pointer: &ExplainedPointer, explain: bool) {
    let _ = writeln!(
        out,
        "  {} {} {}",
        pointer.kind, pointer.direction, pointer.hash
    );
    if !explain {
        return;
    }
    let width = |f: &dyn Fn(&Component) -> String| {
        pointer
            .components
            .iter()
            .map(|c| f(c).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (value_width, how_width) = (width(&shown), width(&how));
    for c in &pointer.components {
        let _ = writeln!(
            out,
            "    {:<10}  {:<value_width$}  {:<how_width$}  {}",
            c.name,
            shown(c),
            how(c),
            c.from
        );
    }
}

fn datadog_lines(out: &mut String, answers: &[LibraryAnswer]) {
    if answers.is_empty() {
        return;
    }
    let _ = writeln!(out, "what the Datadog libraries would hash:");
    for answer in answers {
        let hashes: Vec<&str> = answer.pointers.iter().map(|p| p.hash.as_str()).collect();
        let _ = writeln!(
            out,
            "  {:<22} {:<8} {}",
            answer.library.as_str(),
            if answer.agrees { "agrees" } else { "differs" },
            if hashes.is_empty() {
                "no pointer".to_string()
            } else {
                hashes.join(" ")
            }
        );
        for d in &answer.divergences {
            let _ = writeln!(out, "    {}: {}", d.rule.as_str(), d.message);
        }
    }
}

/// One input's report; with `explain`, the components and the rest.
pub fn report(report: &Report, explain: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", report.input, report.side.as_str());
    if report.pointers.is_empty() {
        let _ = writeln!(out, "no pointer");
    } else {
        let _ = writeln!(out, "pointers:");
    }
    for pointer in &report.pointers {
        pointer_lines(&mut out, pointer, explain);
    }
    if !report.issues.is_empty() {
        let _ = writeln!(out, "issues:");
        for issue in &report.issues {
            let _ = writeln!(out, "  {}: {}", issue.code, issue.message);
        }
    }
    if !report.reasons.is_empty() {
        let _ = writeln!(out, "why:");
        for reason in &report.reasons {
            let at = if reason.at.is_empty() {
                String::new()
            } else {
                format!("{}: ", reason.at)
            };
            let _ = writeln!(out, "  {}: {at}{}", reason.code.as_str(), reason.message);
            if let Some(shape) = &reason.resembles {
                let _ = writeln!(out, "    resembles {shape}");
            }
            if !reason.missing.is_empty() {
                let _ = writeln!(out, "    missing {}", reason.missing.join(", "));
            }
            if let Some(suggestion) = &reason.suggestion {
                let _ = writeln!(out, "    try {suggestion}");
            }
        }
    }
    if explain {
        if !report.key_names.is_empty() {
            let _ = writeln!(out, "key names:");
            for k in &report.key_names {
                let _ = writeln!(
                    out,
                    "  {:?} {:?} from the {}{}{}: {}",
                    k.table,
                    k.names,
                    k.source.as_str(),
                    k.learned_from
                        .map(|from| format!(" ({from})"))
                        .unwrap_or_default(),
                    if k.fits { "" } else { " (cannot be right)" },
                    k.note
                );
            }
        }
        datadog_lines(&mut out, &report.datadog);
    }
    out
}

/// A producer and a consumer side by side.
pub fn comparison(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "producer: {}    consumer: {}",
        c.producer.input, c.consumer.input
    );
    let _ = writeln!(out, "{}", if c.meet { "MEET" } else { "DO NOT MEET" });
    for pair in &c.pairs {
        let p = pair.producer.and_then(|i| c.producer.pointers.get(i));
        let q = pair.consumer.and_then(|i| c.consumer.pointers.get(i));
        let kind = p.or(q).map(|x| x.kind).unwrap_or_default();
        let _ = writeln!(
            out,
            "\n{kind}: {}",
            if pair.meet { "meet" } else { "do not meet" }
        );
        let _ = writeln!(
            out,
            "  {:<12}{:<34}{}",
            "",
            p.map(|x| x.hash.as_str()).unwrap_or("(no pointer)"),
            q.map(|x| x.hash.as_str()).unwrap_or("(no pointer)")
        );
        let rows = p
            .map(|x| x.components.len())
            .max(q.map(|x| x.components.len()))
            .unwrap_or(0);
        let cell = |x: Option<&ExplainedPointer>, i: usize| {
            x.and_then(|x| x.components.get(i))
                .map(|c| match &c.given {
                    Some(g) => format!("{} <- {g:?}", shown(c)),
                    None => shown(c),
                })
                .unwrap_or_default()
        };
        let width = (0..rows)
            .map(|i| cell(p, i).chars().count())
            .max()
            .unwrap_or(0)
            .max(32);
        for i in 0..rows {
            let differs = pair.difference.as_ref().is_some_and(|d| d.component == i);
            let name = p
                .or(q)
                .and_then(|x| x.components.get(i))
                .map(|c| c.name)
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{} {:<10}  {:<width$}  {}",
                if differs { ">" } else { " " },
                name,
                cell(p, i),
                cell(q, i)
            );
        }
        if let Some(d) = &pair.difference {
            let _ = writeln!(out, "  first difference: {} (rule: {})", d.name, d.rule);
            let _ = writeln!(out, "  {}", d.message);
        }
    }
    for (side, report) in [("producer", &c.producer), ("consumer", &c.consumer)] {
        if report.pointers.is_empty() || !report.reasons.is_empty() || !report.issues.is_empty() {
            let _ = writeln!(out, "\n{side}:");
            for issue in &report.issues {
                let _ = writeln!(out, "  {}: {}", issue.code, issue.message);
            }
            for reason in &report.reasons {
                let _ = writeln!(out, "  {}: {}", reason.code.as_str(), reason.message);
            }
        }
    }
    if !c.datadog.is_empty() {
        let _ = writeln!(out, "\nwith the Datadog libraries on the same two inputs:");
        for answer in c.producer.datadog.iter().chain(&c.consumer.datadog) {
            let hashes: Vec<&str> = answer.pointers.iter().map(|p| p.hash.as_str()).collect();
            let _ = writeln!(
                out,
                "  {:<22} {}",
                answer.library.as_str(),
                if hashes.is_empty() {
                    "no pointer".to_string()
                } else {
                    hashes.join(" ")
                }
            );
        }
        for hop in &c.datadog {
            let _ = writeln!(
                out,
                "  {} -> {}: {}",
                hop.producer.as_str(),
                hop.consumer.as_str(),
                hop.message
            );
        }
    }
    let _ = writeln!(out, "\n{}", c.message);
    out
}
