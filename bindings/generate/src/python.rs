//! `bindings/python/span_autolink/_generated.py`: walkers that return the
//! value to marshal along a projection (a tuple for an object whose
//! members the projection names, a list of walked items, the caller's own
//! object wherever a value is taken whole), and the constants the package
//! takes from the core.

use crate::{constants, literal, Level, Walker, Walkers, HEADER};
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
        let value = c.value.render(("frozenset((", "))"), ("(", ")"));
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

/// Writes the functions of `walker` into `functions`; returns the name of
/// the one that walks its whole projection.
fn emit(walker: &Walker, functions: &mut Vec<String>) -> String {
    let levels = walker.levels();
    functions.extend(levels.iter().map(|l| function(l, &levels)));
    levels.first().map_or("_whole".into(), |l| l.name.clone())
}

/// The expression for `value` walked with `inner`'s function. An object
/// whose members are all taken whole is walked in place when it is a dict
/// (what its function does with one), which saves a Python call per
/// nested object on every call.
fn walked(inner: &Option<String>, value: &str, levels: &[Level]) -> String {
    let Some(walk) = inner else {
        return value.to_string();
    };
    let leaf = levels
        .iter()
        .find(|l| &l.name == walk)
        .and_then(|l| match l.projection {
            Projection::Fields(fields) if l.inner.iter().all(Option::is_none) => Some(fields),
            _ => None,
        });
    match leaf {
        Some(fields) => {
            let members: Vec<String> = fields
                .iter()
                .map(|(m, _)| format!("x.get({})", literal(m)))
                .collect();
            format!(
                "(None if (x := {value}) is None else {} if type(x) is dict else {walk}(x))",
                tuple_of(&members)
            )
        }
        None => format!("(None if (x := {value}) is None else {walk}(x))"),
    }
}

fn tuple_of(members: &[String]) -> String {
    match members.len() {
        0 => "()".to_string(),
        1 => format!("({},)", members[0]),
        _ => format!("({})", members.join(", ")),
    }
}

fn function(level: &Level, levels: &[Level]) -> String {
    let name = &level.name;
    match level.projection {
        Projection::Fields(fields) => {
            let members: Vec<String> = fields
                .iter()
                .zip(&level.inner)
                .map(|((m, _), inner)| walked(inner, &format!("g({})", literal(m)), levels))
                .collect();
            let tuple = tuple_of(&members);
            format!(
                "def {name}(v):\n    if type(v) is not dict and not isinstance(v, Mapping):\n        \
                 return other_object(v)\n    g = v.get\n    return {tuple}"
            )
        }
        _ => {
            let items = match &level.inner[0] {
                None => "v".to_string(),
                Some(walk) => format!("[None if x is None else {walk}(x) for x in v]"),
            };
            format!(
                "def {name}(v):\n    if type(v) is not list:\n        return other_list(v, {name})\n    \
                 if len(v) > MAX_LIST_ITEMS:\n        too_many_items()\n    return {items}"
            )
        }
    }
}
