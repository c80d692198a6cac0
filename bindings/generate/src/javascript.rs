//! `bindings/js/lib/generated.js` and `bindings/js/lib/walkers/`: walkers
//! that write a value along a projection with the package's writer
//! (`lib/writer.js`), and the constants the package takes from the core.

use crate::{constants, literal, Level, Walker, Walkers, HEADER};
use span_autolink::projection::Projection;
use std::fmt::Write as _;

/// The package's files, by path under `bindings/js/lib`: `generated.js`
/// with the constants and the event's walker, and a file per operation
/// code under `walkers/` with its request's and response's walkers, which
/// `generated.js` requires at the first call of that operation: a process
/// does not parse the walkers of calls it never makes.
pub fn files(walkers: &Walkers) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut out = String::new();
    let _ = writeln!(out, "// {HEADER}");
    out.push_str(WALKERS_ARE);
    out.push_str("'use strict';\n\n");
    let mut functions = Vec::new();
    let event = emit(&walkers.event, &mut functions);
    for f in &functions {
        out.push_str(f);
        out.push('\n');
    }
    let mut loaders = Vec::new();
    for (index, (operation, request, response)) in walkers.calls.iter().enumerate() {
        let code = operation.code();
        assert_eq!(
            usize::from(code),
            index,
            "operation codes run from 0 in order"
        );
        let mut functions = Vec::new();
        let pair = format!(
            "[{}, {}]",
            emit(request, &mut functions),
            emit(response, &mut functions)
        );
        let mut walker = String::new();
        let _ = writeln!(walker, "// {HEADER}");
        let _ = writeln!(walker, "//\n// The walkers of operation {code} ({operation:?}): its request's, then its response's.");
        walker.push_str(WALKERS_ARE);
        walker.push_str("'use strict';\n\n");
        for f in &functions {
            walker.push_str(f);
            walker.push('\n');
        }
        let _ = writeln!(walker, "module.exports = {pair};");
        files.push((format!("walkers/call{code}.js"), walker));
        loaders.push(format!("() => require('./walkers/call{code}.js')"));
    }
    let _ = writeln!(
        out,
        "// By operation code: what requires the call's walkers (a literal\n\
         // require each, so that bundlers see every file).\n\
         const loaders = [\n  {},\n];\n",
        loaders.join(",\n  ")
    );
    let _ = writeln!(
        out,
        "/** Operation codes' walkers, each `null` until the first call of its operation. */"
    );
    let _ = writeln!(
        out,
        "const calls = [{}];\n",
        vec!["null"; loaders.len()].join(", ")
    );
    out.push_str(
        "/** The request's and the response's walkers of operation `code`; undefined for a code this package does not know. */\n\
         function walkersOf(code) {\n  \
         const load = loaders[code];\n  \
         if (load === undefined) return undefined;\n  \
         if (calls[code] === null) calls[code] = load();\n  \
         return calls[code];\n}\n\n",
    );
    let _ = writeln!(out, "module.exports = {{");
    for c in &constants() {
        if let Some(doc) = c.doc {
            let _ = writeln!(out, "  /** {}{}. */", doc[..1].to_uppercase(), &doc[1..]);
        }
        let value = c.value.render(("[", "]"), ("[", "  ]"));
        let _ = writeln!(out, "  {}: {value},", c.name);
    }
    let _ = writeln!(out, "  /** The event's walker. */");
    let _ = writeln!(out, "  event: {event},");
    let _ = writeln!(
        out,
        "  /** By operation code: the request's and the response's walkers, or null before walkersOf(code) loaded them. */"
    );
    let _ = writeln!(out, "  calls,");
    let _ = writeln!(out, "  walkersOf,");
    out.push_str("};\n");
    files.insert(0, ("generated.js".into(), out));
    files
}

const WALKERS_ARE: &str = "//\n// Each walker writes a value along one projection of the core\n\
     // (core/src/projection.rs) with the writer `w` (lib/writer.js): an object\n\
     // whose members the projection names as the tuple of those members, a\n\
     // list it projects the items of item by item, anything else whole.\n\
     // `d` is the nesting depth of the value.\n\n";

/// Writes the functions of `walker` into `functions`; returns the name of
/// the one that walks its whole projection.
fn emit(walker: &Walker, functions: &mut Vec<String>) -> String {
    let levels = walker.levels();
    functions.extend(levels.iter().map(function));
    levels.first().map_or("w.whole".into(), |l| l.name.clone())
}

/// Writes `x`, nested in the value being walked, with `inner`'s function.
fn call(inner: &Option<String>) -> String {
    match inner {
        None => "w.whole(x, d + 1)".into(),
        Some(walk) => format!("{walk}(w, x, d + 1)"),
    }
}

fn function(level: &Level) -> String {
    let name = &level.name;
    match level.projection {
        Projection::Fields(fields) => {
            let mut body = format!(
                "function {name}(w, v, d) {{\n  if (!w.isRecord(v)) return w.whole(v, d);\n  w.tuple({}, d);\n",
                fields.len()
            );
            if !fields.is_empty() {
                body.push_str("  let x;\n");
            }
            for ((member, _), inner) in fields.iter().zip(&level.inner) {
                let _ = write!(
                    body,
                    "  x = v[{}];\n  if (w.skipped(x)) w.none();\n  else {};\n",
                    literal(member),
                    call(inner)
                );
            }
            body.push_str("}\n");
            body
        }
        _ => format!(
            "function {name}(w, v, d) {{\n  if (!Array.isArray(v)) return w.whole(v, d);\n  \
             const n = w.list(v, d);\n  for (let i = 0; i < n; i++) {{\n    const x = v[i];\n    \
             if (w.skipped(x)) w.none();\n    else {};\n  }}\n  w.listEnd();\n}}\n",
            call(&level.inner[0])
        ),
    }
}
