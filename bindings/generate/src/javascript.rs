//! `bindings/js/lib/generated.js`: walkers that write a value along a
//! projection with the package's writer (`lib/writer.js`), and the
//! constants the package takes from the core.

use crate::{constants, literal, Value, Walker, Walkers, HEADER};
use span_autolink::projection::Projection;
use std::fmt::Write as _;

pub fn file(walkers: &Walkers) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// {HEADER}");
    out.push_str(
        "//\n// Each walker writes a value along one projection of the core\n\
         // (core/src/projection.rs) with the writer `w` (lib/writer.js): an object\n\
         // whose members the projection names as the tuple of those members, a\n\
         // list it projects the items of item by item, anything else whole.\n\
         // `d` is the nesting depth of the value.\n\n'use strict';\n\n",
    );
    let mut functions = Vec::new();
    let event = emit(&walkers.event, &mut functions);
    let mut calls = Vec::new();
    for (_, request, response) in &walkers.calls {
        calls.push(format!(
            "[{}, {}]",
            emit(request, &mut functions),
            emit(response, &mut functions)
        ));
    }
    for f in &functions {
        out.push_str(f);
        out.push('\n');
    }
    let _ = writeln!(out, "module.exports = {{");
    for c in &constants() {
        if let Some(doc) = c.doc {
            let _ = writeln!(out, "  /** {}{}. */", doc[..1].to_uppercase(), &doc[1..]);
        }
        let value = match &c.value {
            Value::Number(n) => n.to_string(),
            Value::Numbers(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Text(t) => literal(t),
            Value::Texts(items) => format!(
                "[\n{}  ]",
                items
                    .iter()
                    .map(|i| format!("    {},\n", literal(i)))
                    .collect::<String>()
            ),
        };
        let _ = writeln!(out, "  {}: {value},", c.name);
    }
    let _ = writeln!(out, "  /** The event's walker. */");
    let _ = writeln!(out, "  event: {event},");
    let _ = writeln!(
        out,
        "  /** By operation code: the request's and the response's walkers. */"
    );
    let _ = writeln!(out, "  calls: [\n    {},\n  ],", calls.join(",\n    "));
    out.push_str("};\n");
    out
}

/// Writes the functions of `walker` into `functions`; returns the name of
/// the one that walks its whole projection.
fn emit(walker: &Walker, functions: &mut Vec<String>) -> String {
    let mut count = 0;
    function(&walker.name, walker.projection, functions, &mut count)
}

fn function(
    name: &str,
    projection: &Projection,
    functions: &mut Vec<String>,
    count: &mut usize,
) -> String {
    let mut inner = |p: &Projection, functions: &mut Vec<String>| -> String {
        match p {
            Projection::All => "w.whole".into(),
            _ => {
                *count += 1;
                let nested = format!("{name}_{count}");
                function(&nested, p, functions, count)
            }
        }
    };
    match projection {
        Projection::All => "w.whole".into(),
        Projection::Fields(fields) => {
            let mut body = format!(
                "function {name}(w, v, d) {{\n  if (!w.isRecord(v)) return w.whole(v, d);\n  w.tuple({}, d);\n",
                fields.len()
            );
            if !fields.is_empty() {
                body.push_str("  let x;\n");
            }
            let mut nested = Vec::new();
            for (member, p) in fields.iter() {
                let write = inner(p, &mut nested);
                let call = if write == "w.whole" {
                    "w.whole(x, d + 1)".to_string()
                } else {
                    format!("{write}(w, x, d + 1)")
                };
                let _ = write!(
                    body,
                    "  x = v[{}];\n  if (w.skipped(x)) w.none();\n  else {call};\n",
                    literal(member)
                );
            }
            body.push_str("}\n");
            functions.push(body);
            functions.append(&mut nested);
            name.into()
        }
        Projection::Each(item) => {
            let mut nested = Vec::new();
            let write = inner(item, &mut nested);
            let call = if write == "w.whole" {
                "w.whole(x, d + 1)".to_string()
            } else {
                format!("{write}(w, x, d + 1)")
            };
            functions.push(format!(
                "function {name}(w, v, d) {{\n  if (!Array.isArray(v)) return w.whole(v, d);\n  \
                 const n = w.list(v, d);\n  for (let i = 0; i < n; i++) {{\n    const x = v[i];\n    \
                 if (w.skipped(x)) w.none();\n    else {call};\n  }}\n  w.listEnd();\n}}\n"
            ));
            functions.append(&mut nested);
            name.into()
        }
    }
}
