//! `bindings/python/span_autolink/_generated.py`: walkers that return the
//! value to marshal along a projection (a tuple for an object whose
//! members the projection names, a list of walked items, the caller's own
//! object wherever a value is taken whole), and the constants the package
//! takes from the core.

use crate::{constants, literal, Value, Walker, Walkers, HEADER};
use span_autolink::projection::Projection;
use std::fmt::Write as _;

pub fn file(walkers: &Walkers) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {HEADER}");
    out.push_str(
        "#\n# Each walker returns what marshal writes of a value along one projection\n\
         # of the core (core/src/projection.rs, wasm/ABI.md \"Input\"): the tuple of\n\
         # the members an object's projection names (None for one it lacks), the\n\
         # list of a list's walked items, the value itself wherever it is taken\n\
         # whole. Nothing else of the value is read.\n\n\
         from collections.abc import Mapping\n\n",
    );
    for c in &constants() {
        let value = match &c.value {
            Value::Number(n) => n.to_string(),
            Value::Numbers(items) => format!(
                "frozenset(({}))",
                items
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Text(t) => literal(t),
            Value::Texts(items) => format!(
                "(\n{})",
                items
                    .iter()
                    .map(|i| format!("    {},\n", literal(i)))
                    .collect::<String>()
            ),
        };
        match c.doc {
            Some(doc) => {
                let _ = writeln!(out, "{} = {value}  # {doc}", c.name);
            }
            None => {
                let _ = writeln!(out, "{} = {value}", c.name);
            }
        }
    }
    out.push_str("\n\n");
    // After the constants: _values reads them from this module.
    out.push_str(
        "from ._values import other_list, other_object, too_many_items  # noqa: E402\n\n\n",
    );
    let mut functions = Vec::new();
    let event = emit(&walkers.event, &mut functions);
    let mut calls = Vec::new();
    for (_, request, response) in &walkers.calls {
        calls.push(format!(
            "({}, {})",
            emit(request, &mut functions),
            emit(response, &mut functions)
        ));
    }
    out.push_str(&functions.join("\n\n\n"));
    let _ = write!(
        out,
        "\n\n\n# The event's walker.\nEVENT = {event}\n# By operation code: the request's and the response's walkers.\nCALLS = (\n    {},\n)\n",
        calls.join(",\n    ")
    );
    out
}

fn emit(walker: &Walker, functions: &mut Vec<String>) -> String {
    let mut count = 0;
    function(&walker.name, walker.projection, functions, &mut count)
}

/// The expression for the member of projection `p` whose value is `x`.
fn member(p: &Projection, walk: &str, value: &str) -> String {
    match p {
        Projection::All => value.to_string(),
        _ => format!("(None if (x := {value}) is None else {walk}(x))"),
    }
}

fn function(
    name: &str,
    projection: &Projection,
    functions: &mut Vec<String>,
    count: &mut usize,
) -> String {
    let mut inner = |p: &Projection, functions: &mut Vec<String>| -> String {
        match p {
            Projection::All => String::new(),
            _ => {
                *count += 1;
                let nested = format!("{name}_{count}");
                function(&nested, p, functions, count)
            }
        }
    };
    match projection {
        Projection::All => "_whole".into(),
        Projection::Fields(fields) => {
            let mut nested = Vec::new();
            let members: Vec<String> = fields
                .iter()
                .map(|(m, p)| {
                    let walk = inner(p, &mut nested);
                    member(p, &walk, &format!("g({})", literal(m)))
                })
                .collect();
            let tuple = match members.len() {
                0 => "()".to_string(),
                1 => format!("({},)", members[0]),
                _ => format!("({})", members.join(", ")),
            };
            functions.push(format!(
                "def {name}(v):\n    if type(v) is not dict and not isinstance(v, Mapping):\n        \
                 return other_object(v)\n    g = v.get\n    return {tuple}"
            ));
            functions.append(&mut nested);
            name.into()
        }
        Projection::Each(item) => {
            let mut nested = Vec::new();
            let walk = inner(item, &mut nested);
            let items = match **item {
                Projection::All => "v".to_string(),
                _ => format!("[None if x is None else {walk}(x) for x in v]"),
            };
            functions.push(format!(
                "def {name}(v):\n    if type(v) is not list:\n        return other_list(v, {name})\n    \
                 if len(v) > MAX_LIST_ITEMS:\n        too_many_items()\n    return {items}"
            ));
            functions.append(&mut nested);
            name.into()
        }
    }
}
