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
use crate::dynamodb::registry::{KeyRegistry, KeySource};
use crate::dynamodb::table::table_name;
use crate::operation::Operation;
use crate::outcome::{Outcome, Quoted};
use crate::trace::{Given, Note};
use crate::value::Value;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The explanation of an AWS call: what [`pointers_for_call`]
/// (crate::pointers_for_call) gives for it with `registry` and `config`,
/// and why. `key_names` says where `config` came from (a setting or an
/// option); `registry` holds what the application's earlier calls showed
/// of its tables' key names, and first learns from this call, as
/// [`pointers_for_call`](crate::pointers_for_call) does.
pub fn explain_response(
    service: &str,
    operation: &str,
    request: &Value,
    response: &Value,
    config: &Config,
    key_names: KeyNameSource,
    registry: &mut KeyRegistry,
) -> Report {
    let parsed = Operation::parse(service, operation);
    let mut outcome = match parsed {
        Some(parsed) => {
            registry.observe(parsed, request, response);
            crate::operation_outcome(
                parsed,
                request,
                response,
                config,
                registry,
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
    let mut key_names = key_names_of(&pointers, &outcome, &trace.notes, request, key_names);
    if let Some(Operation::KeyNames(_)) = parsed {
        key_names.extend(taught(request, response, registry));
    }
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

/// The explanation of a call as the command and the packages take it:
/// `{"service", "operation", "request", "response", "calls"?}`, where
/// `calls` lists the application's calls before it, in order, each
/// `{"service", "operation", "request", "response"}`; what they show of
/// tables' key names is learned first (SPEC 9). Key names not learned
/// come from `config`, whose source is `key_names`.
pub fn explain_call(call: &Value, config: &Config, key_names: KeyNameSource) -> Report {
    let text = |call: &Value, name: &str| {
        String::from(call.get(name).and_then(Value::as_str).unwrap_or_default())
    };
    let null = Value::Null;
    let mut registry = KeyRegistry::new();
    for before in call
        .get("calls")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        if let Some(operation) =
            Operation::parse(&text(before, "service"), &text(before, "operation"))
        {
            registry.observe(
                operation,
                before.get("request").unwrap_or(&null),
                before.get("response").unwrap_or(&null),
            );
        }
    }
    explain_response(
        &text(call, "service"),
        &text(call, "operation"),
        call.get("request").unwrap_or(&null),
        call.get("response").unwrap_or(&null),
        config,
        key_names,
        &mut registry,
    )
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
    let key_names = key_names_of(
        &pointers,
        &outcome,
        &trace.notes,
        &Value::Null,
        KeyNameSource::Record,
    );
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
    let mut keys: Option<&Note> = None;
    for note in notes {
        match note {
            Note::Table { .. } => {
                table = Some(note);
                keys = None;
            }
            Note::KeyNames { .. } => keys = Some(note),
            Note::ObjectKey { .. } => object_key = Some(note),
            Note::Object { .. } => object = Some(note),
            Note::Attribute { .. } => attributes.push(note),
            Note::Hashed(parts) => {
                let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                let hash = crate::PointerHash::of(&slices);
                let components = if parts.len() == 3 {
                    s3_components(parts, object_key, object)
                } else {
                    dynamodb_components(parts, table, keys, &attributes)
                };
                attributes.clear();
                keys = None;
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
    keys: Option<&Note>,
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
        let name_rule = match keys {
            Some(Note::KeyNames { source, .. }) if map.ends_with("Item") => {
                if *source == KeySource::Configuration {
                    Rule::KeyNameConfigured
                } else {
                    Rule::KeyNameLearned
                }
            }
            _ if map.ends_with("Item") => Rule::KeyNameConfigured,
            _ => Rule::KeyNameGiven,
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

/// The key names of the DynamoDB pointers, a table at a time: where they
/// came from and whether they can be right for the item written. For puts
/// that found none or whose item lacks one, that they cannot be; for
/// configured names DynamoDB contradicted, that they cannot be either.
fn key_names_of(
    pointers: &[ExplainedPointer],
    outcome: &Outcome,
    notes: &[Note],
    request: &Value,
    configured: KeyNameSource,
) -> Vec<KeyNames> {
    let mut out: Vec<KeyNames> = Vec::new();
    let add = |out: &mut Vec<KeyNames>, names: KeyNames| {
        if !out
            .iter()
            .any(|k| k.table == names.table && k.names == names.names && k.source == names.source)
        {
            out.push(names);
        }
    };
    for pointer in pointers {
        let [table, n1, _, n2, ..] = pointer.components.as_slice() else {
            continue;
        };
        let names: Vec<String> = [n1, n2]
            .iter()
            .filter(|c| c.rule != Rule::NoSortKey)
            .map(|c| c.value.clone())
            .collect();
        let (source, learned_from) = match n1.rule {
            Rule::KeyNameConfigured => (configured, None),
            Rule::KeyNameLearned => (
                KeyNameSource::Learned,
                used_keys(notes, &table.value).map(|(_, source)| source),
            ),
            _ if pointer.direction == "u" => (KeyNameSource::Record, None),
            _ => (KeyNameSource::Request, None),
        };
        let note = match (source, learned_from) {
            (KeyNameSource::Request, _) => {
                String::from("the write names its key itself, so these names are the table's key")
            }
            (KeyNameSource::Record, _) => {
                String::from("the stream record's Keys are the table's key as DynamoDB knows it")
            }
            (KeyNameSource::Learned, learned) => learned_note(&table.value, learned),
            _ => put_fit_note(&table.value, &names, request),
        };
        add(
            &mut out,
            KeyNames {
                table: table.value.clone(),
                names,
                source,
                learned_from: learned_from.map(KeySource::as_str),
                fits: true,
                note,
            },
        );
    }
    for note in notes {
        if let Note::KeyNames {
            table,
            names,
            source,
            overridden: Some(theirs),
        } = note
        {
            add(
                &mut out,
                KeyNames {
                    table: table.clone(),
                    names: theirs.clone(),
                    source: configured,
                    learned_from: None,
                    fits: false,
                    note: format!(
                        "the configuration's names for table {}, but DynamoDB said {names:?} ({}): span-autolink hashed DynamoDB's (key_config_conflict); correct the configuration",
                        Quoted(table),
                        source.described()
                    ),
                },
            );
        }
    }
    // Names a put used but whose pointer something else prevented (a key
    // value of the wrong type, ...): still where they came from.
    for note in notes {
        if let Note::KeyNames {
            table,
            names,
            source,
            ..
        } = note
        {
            let missing_attribute = outcome.issues.iter().any(|i| {
                i.code == crate::issue::IssueCode::KeyAttributeMissing
                    && diagnose::quoted_table(&i.message) == *table
            });
            if missing_attribute || out.iter().any(|k| k.table == *table && k.names == *names) {
                continue;
            }
            let (source, learned_from, note) = match source {
                KeySource::Configuration => (configured, None, put_fit_note(table, names, request)),
                learned => (
                    KeyNameSource::Learned,
                    Some(learned.as_str()),
                    learned_note(table, Some(*learned)),
                ),
            };
            add(
                &mut out,
                KeyNames {
                    table: table.clone(),
                    names: names.clone(),
                    source,
                    learned_from,
                    fits: true,
                    note,
                },
            );
        }
    }
    for issue in &outcome.issues {
        use crate::issue::IssueCode;
        if !matches!(
            issue.code,
            IssueCode::TableNotConfigured | IssueCode::KeyAttributeMissing
        ) {
            continue;
        }
        let table = diagnose::quoted_table(&issue.message);
        let (names, source, learned_from) = match used_keys(notes, &table) {
            Some((names, KeySource::Configuration)) => (names.to_vec(), configured, None),
            Some((names, learned)) => (
                names.to_vec(),
                KeyNameSource::Learned,
                Some(learned.as_str()),
            ),
            None => (Vec::new(), configured, None),
        };
        add(
            &mut out,
            KeyNames {
                table,
                names,
                source,
                learned_from,
                fits: false,
                note: issue.message.clone(),
            },
        );
    }
    out
}

/// The key names a put on `table` used, as noted, and their source.
fn used_keys<'n>(notes: &'n [Note], table: &str) -> Option<(&'n [String], KeySource)> {
    notes.iter().find_map(|note| match note {
        Note::KeyNames {
            table: noted,
            names,
            source,
            ..
        } if noted == table => Some((names.as_slice(), *source)),
        _ => None,
    })
}

fn learned_note(table: &str, learned: Option<KeySource>) -> String {
    format!(
        "learned from {}: DynamoDB's own key names for table {}, right for any item written to it",
        learned.map_or("an earlier call", KeySource::described),
        Quoted(table)
    )
}

/// What a call that only teaches key names (GetItem, DescribeTable, ...)
/// taught: the key names the registry now holds for each table it names.
fn taught<'v>(
    request: &'v Value<'v>,
    response: &'v Value<'v>,
    registry: &KeyRegistry,
) -> Vec<KeyNames> {
    let mut holders: Vec<&Value> = alloc::vec![request];
    for field in ["Table", "TableDescription"] {
        holders.extend(crate::fields::sdk_output(response, field).get(field));
    }
    for item in request
        .get("TransactItems")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        holders.extend(item.get("Get"));
    }
    let mut tables: Vec<&str> = holders
        .iter()
        .filter_map(|holder| holder.get("TableName").and_then(Value::as_str))
        .collect();
    if let Some(items) = request.get("RequestItems") {
        tables.extend(items.distinct_members().map(|(name, _)| name));
    }
    let mut out: Vec<KeyNames> = Vec::new();
    for table in tables.into_iter().filter_map(table_name) {
        if out.iter().any(|k| k.table == table) {
            continue;
        }
        if let Some((names, source)) = registry.learned(table) {
            out.push(KeyNames {
                table: String::from(table),
                names: names.to_vec(),
                source: KeyNameSource::Learned,
                learned_from: Some(source.as_str()),
                fits: true,
                note: format!(
                    "this call makes no pointer; it shows table {}'s key names ({}), which later puts on the table use",
                    Quoted(table),
                    source.described()
                ),
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
