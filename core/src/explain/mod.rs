//! Why did these two spans not link? The explainer runs the same rules as
//! the pointer calls, traced (never on the pointer calls' path), and
//! reports the components each pointer hashed and the rule applied to
//! each; when nothing came out, the shape the input resembles and what it
//! lacks; the DynamoDB key names in use and where they came from; and what
//! each Datadog library would have hashed for the same input
//! ([`datadog`], the one place that knows those libraries).

mod compare;
pub mod datadog;
mod diagnose;
pub mod report;

pub use compare::compare;
pub use report::*;

use crate::config::Config;
use crate::operation::Operation;
use crate::outcome::{Outcome, Quoted};
use crate::trace::{Given, Note};
use crate::value::Value;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The explanation of an AWS call: what [`pointers_for_response`]
/// (crate::pointers_for_response) gives for it, and why. `key_names`
/// says where `config` came from (a setting, an option, learned).
pub fn explain_response(
    service: &str,
    operation: &str,
    request: &Value,
    response: &Value,
    config: &Config,
    key_names: KeyNameSource,
) -> Report {
    let parsed = Operation::parse(service, operation);
    let mut outcome = match parsed {
        Some(parsed) => {
            // The explainer learns no key names yet: only the configuration's.
            crate::operation_outcome(
                parsed,
                request,
                response,
                config,
                &crate::KeyRegistry::new(),
                Outcome::traced(),
            )
        }
        None => Outcome::traced(),
    };
    let side = match parsed {
        Some(Operation::Receive(_)) => Side::Consumer,
        _ => Side::Producer,
    };
    let trace = outcome.take_trace();
    let pointers = explained(&outcome, &trace.notes);
    let mut reasons = diagnose::response(service, operation, parsed, request, response);
    if pointers.is_empty() && reasons.is_empty() && !outcome.issues.is_empty() {
        reasons.push(diagnose::see_issues());
    }
    let key_names = key_names_of(&pointers, &outcome, request, key_names);
    let mut report = Report {
        side,
        input: format!("{service} {operation}"),
        pointers,
        issues: issues_of(&outcome),
        reasons,
        key_names,
        datadog: Vec::new(),
    };
    report.datadog = datadog::for_response(service, operation, request, response, config, &report);
    report
}

/// The explanation of a Lambda event: what [`pointers_for_event`]
/// (crate::pointers_for_event) gives for it, and why.
pub fn explain_event(event: &Value) -> Report {
    let mut outcome = Outcome::traced();
    crate::event::event_pointers(event, &mut outcome);
    let trace = outcome.take_trace();
    let pointers = explained(&outcome, &trace.notes);
    let mut reasons = diagnose::event(event, &pointers, &outcome);
    if pointers.is_empty() && reasons.is_empty() && !outcome.issues.is_empty() {
        reasons.push(diagnose::see_issues());
    }
    let key_names = key_names_of(&pointers, &outcome, &Value::Null, KeyNameSource::Record);
    let mut report = Report {
        side: Side::Consumer,
        input: String::from("a Lambda event"),
        pointers,
        issues: issues_of(&outcome),
        reasons,
        key_names,
        datadog: Vec::new(),
    };
    report.datadog = datadog::for_event(event, &report);
    report
}

fn issues_of(outcome: &Outcome) -> Vec<ReportIssue> {
    outcome
        .issues
        .iter()
        .map(|issue| ReportIssue {
            code: issue.code.as_str(),
            message: issue.message.clone(),
        })
        .collect()
}

/// Text of hashed bytes: the text when UTF-8, else lowercase hex.
pub(crate) fn shown(bytes: &[u8]) -> (String, bool) {
    match core::str::from_utf8(bytes) {
        Ok(text) => (String::from(text), false),
        Err(_) => (hex(bytes), true),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The outcome's pointers, each with the components the trace shows it
/// was made of. Notes of writes that made no pointer (or whose pointer a
/// rule dropped afterwards, as `UnprocessedItems`) are skipped.
fn explained(outcome: &Outcome, notes: &[Note]) -> Vec<ExplainedPointer> {
    let mut made: Vec<(crate::PointerHash, Vec<Component>)> = Vec::new();
    let mut table: Option<&Note> = None;
    let mut object_key: Option<&Note> = None;
    let mut object: Option<&Note> = None;
    let mut attributes: Vec<&Note> = Vec::new();
    for note in notes {
        match note {
            Note::Table { .. } => table = Some(note),
            Note::ObjectKey { .. } => object_key = Some(note),
            Note::Object { .. } => object = Some(note),
            Note::Attribute { .. } => attributes.push(note),
            Note::Hashed(parts) => {
                let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                let hash = crate::PointerHash::of(&slices);
                let components = if parts.len() == 3 {
                    s3_components(parts, object_key, object)
                } else {
                    dynamodb_components(parts, table, &attributes)
                };
                attributes.clear();
                made.push((hash, components));
            }
        }
    }
    let mut made = made.into_iter();
    outcome
        .pointers
        .iter()
        .map(|pointer| {
            let components = made
                .by_ref()
                .find(|(hash, _)| *hash == pointer.hash)
                .map(|(_, components)| components)
                .unwrap_or_default();
            ExplainedPointer {
                kind: pointer.kind.as_str(),
                direction: pointer.direction.as_str(),
                hash: pointer.hash.as_str().to_string(),
                components,
            }
        })
        .collect()
}

fn component(
    name: &'static str,
    bytes: &[u8],
    given: Option<String>,
    from: String,
    rule: Rule,
) -> Component {
    let (value, hex) = shown(bytes);
    Component {
        name,
        value,
        hex,
        given,
        from,
        rule,
    }
}

fn part(parts: &[Vec<u8>], i: usize) -> &[u8] {
    parts.get(i).map(Vec::as_slice).unwrap_or_default()
}

fn s3_components(parts: &[Vec<u8>], key: Option<&Note>, object: Option<&Note>) -> Vec<Component> {
    let (bucket_from, etag, etag_from) = match object {
        Some(Note::Object {
            bucket_from,
            etag,
            etag_from,
        }) => (bucket_from.clone(), etag.as_str(), etag_from.clone()),
        _ => (String::new(), "", String::new()),
    };
    let (key_given, key_from, encoded) = match key {
        Some(Note::ObjectKey {
            given,
            from,
            encoded,
        }) => (given.as_str(), from.clone(), *encoded),
        _ => ("", String::new(), false),
    };
    let key = part(parts, 1);
    let key_changed = key_given.as_bytes() != key;
    let etag_changed = etag.as_bytes() != part(parts, 2);
    alloc::vec![
        component("bucket", part(parts, 0), None, bucket_from, Rule::AsGiven),
        component(
            "key",
            key,
            key_changed.then(|| key_given.to_string()),
            key_from,
            if encoded && key_changed {
                Rule::UrlDecoded
            } else {
                Rule::AsGiven
            },
        ),
        component(
            "etag",
            part(parts, 2),
            etag_changed.then(|| etag.to_string()),
            etag_from,
            if etag_changed {
                Rule::QuotesRemoved
            } else {
                Rule::AsGiven
            },
        ),
    ]
}

fn dynamodb_components(
    parts: &[Vec<u8>],
    table: Option<&Note>,
    attributes: &[&Note],
) -> Vec<Component> {
    let mut out = Vec::with_capacity(5);
    let table_bytes = part(parts, 0);
    match table {
        Some(Note::Table {
            given,
            from,
            stream_arn,
        }) => {
            let rule = if *stream_arn {
                Rule::TableFromStreamArn
            } else if given.as_bytes() != table_bytes {
                Rule::TableFromArn
            } else {
                Rule::AsGiven
            };
            let changed = rule != Rule::AsGiven;
            out.push(component(
                "table",
                table_bytes,
                changed.then(|| given.clone()),
                from.clone(),
                rule,
            ));
        }
        _ => out.push(component(
            "table",
            table_bytes,
            None,
            String::new(),
            Rule::AsGiven,
        )),
    }
    for (n, (name_at, value_at)) in [(1, 2), (3, 4)].into_iter().enumerate() {
        let (name_label, value_label) = if n == 0 {
            ("key_name_1", "value_1")
        } else {
            ("key_name_2", "value_2")
        };
        let name = part(parts, name_at);
        let value = part(parts, value_at);
        let attribute = attributes.iter().find_map(|note| match note {
            Note::Attribute {
                name: attribute,
                kind,
                given,
                from,
                ..
            } if attribute.as_bytes() == name => Some((*kind, given, from)),
            _ => None,
        });
        let Some((kind, given, from)) = attribute else {
            out.push(component(
                name_label,
                name,
                None,
                String::new(),
                Rule::NoSortKey,
            ));
            out.push(component(
                value_label,
                value,
                None,
                String::new(),
                Rule::NoSortKey,
            ));
            continue;
        };
        let (map, name_from) = match from.rfind('.') {
            Some(dot) => (
                from.get(..dot).unwrap_or_default(),
                from.get(..dot).unwrap_or_default(),
            ),
            None => ("", ""),
        };
        let name_rule = if map.ends_with("Item") {
            Rule::KeyNameConfigured
        } else {
            Rule::KeyNameGiven
        };
        out.push(component(
            name_label,
            name,
            None,
            name_from.to_string(),
            name_rule,
        ));
        let (rule, given_text) = match (kind, given) {
            ('B', Given::Bytes(_)) => (Rule::BinaryRaw, None),
            ('B', Given::Text(text)) => (Rule::BinaryFromBase64, Some(text.clone())),
            ('N', Given::Text(text)) if text.as_bytes() != value => {
                (Rule::NumberCanonical, Some(text.clone()))
            }
            _ => (Rule::AsGiven, None),
        };
        let mut shown_value = component(value_label, value, given_text, from.clone(), rule);
        if kind == 'B' {
            shown_value.value = hex(value);
            shown_value.hex = true;
        }
        out.push(shown_value);
    }
    out
}

/// The key names of the DynamoDB pointers, a table at a time, and for puts
/// that found no key names, that they found none.
fn key_names_of(
    pointers: &[ExplainedPointer],
    outcome: &Outcome,
    request: &Value,
    configured: KeyNameSource,
) -> Vec<KeyNames> {
    let mut out: Vec<KeyNames> = Vec::new();
    for pointer in pointers {
        let [table, n1, _, n2, ..] = pointer.components.as_slice() else {
            continue;
        };
        let names: Vec<String> = [n1, n2]
            .iter()
            .filter(|c| c.rule != Rule::NoSortKey)
            .map(|c| c.value.clone())
            .collect();
        let source = match n1.rule {
            Rule::KeyNameConfigured => configured,
            _ if pointer.direction == "u" => KeyNameSource::Record,
            _ => KeyNameSource::Request,
        };
        if out
            .iter()
            .any(|k| k.table == table.value && k.names == names && k.source == source)
        {
            continue;
        }
        let note = match source {
            KeyNameSource::Request => {
                String::from("the write names its key itself, so these names are the table's key")
            }
            KeyNameSource::Record => {
                String::from("the stream record's Keys are the table's key as DynamoDB knows it")
            }
            _ => put_fit_note(&table.value, &names, request),
        };
        out.push(KeyNames {
            table: table.value.clone(),
            names,
            source,
            fits: true,
            note,
        });
    }
    for issue in &outcome.issues {
        use crate::issue::IssueCode;
        if matches!(
            issue.code,
            IssueCode::TableNotConfigured | IssueCode::KeyAttributeMissing
        ) {
            out.push(KeyNames {
                table: diagnose::quoted_table(&issue.message),
                names: Vec::new(),
                source: configured,
                fits: false,
                note: issue.message.clone(),
            });
        }
    }
    out
}

/// Whether configured key names can be right for the item a put wrote:
/// every name is in the item (or the put would have given an issue), but
/// one configured name where the item has an attribute named like a sort
/// key is a likely mistake no pointer call can see.
fn put_fit_note(table: &str, names: &[String], request: &Value) -> String {
    let item_names = diagnose::item_attribute_names(request, table);
    if names.len() == 1 {
        if let Some(likely) = item_names
            .iter()
            .find(|name| diagnose::looks_like_sort_key(name) && !names.contains(name))
        {
            let configured = Quoted(names.first().map(String::as_str).unwrap_or_default());
            let likely = Quoted(likely);
            return format!(
                "only {configured} is configured, but the item also has {likely}, which looks like a sort key: if the table's key is [{configured}, {likely}], configure both or the pointer never matches the stream record"
            );
        }
    }
    String::from(
        "configured names, all present in the item; the stream record's Keys (span-autolink explain PRODUCER CONSUMER) show whether they are the table's key",
    )
}
