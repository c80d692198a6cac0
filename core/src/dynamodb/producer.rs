//! DynamoDB producer spans: the items a successful call wrote, in request
//! order.

use super::key::{item_pointer, key_map_pointer};
use super::registry::{KeyRegistry, KeySource, TableKeys};
use super::table::table_name;
use crate::config::{Config, SETTING};
use crate::fields::{required_array, required_object, required_str, sdk_output, wrong_type};
use crate::issue::IssueCode;
use crate::operation::DynamoDbWrite;
use crate::outcome::{Outcome, Path, Quoted};
use crate::pointer::{Direction, Pointer};
use crate::trace::Note;
use crate::value::Value;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub(crate) fn response_pointers(
    write: DynamoDbWrite,
    request: &Value,
    response: &Value,
    config: &Config,
    registry: &KeyRegistry,
    out: &mut Outcome,
) {
    let root = Path::Root;
    let at = root.field("request");
    let mut writes = Writes {
        config,
        registry,
        consulted: false,
    };
    let mut found = out.sibling();
    match write {
        DynamoDbWrite::PutItem => writes.put(request, &at, &mut found),
        DynamoDbWrite::UpdateItem | DynamoDbWrite::DeleteItem => {
            writes.keyed(request, &at, &mut found)
        }
        DynamoDbWrite::BatchWriteItem => writes.batch(request, response, &at, &mut found),
        DynamoDbWrite::TransactWriteItems => writes.transact(request, &at, &mut found),
    }
    // Configuration problems matter only to the puts that needed it, and
    // come first: they explain the put issues that follow.
    if writes.consulted {
        out.issues.extend_from_slice(config.issues());
    }
    out.absorb(&mut found);
}

struct Writes<'c> {
    config: &'c Config,
    registry: &'c KeyRegistry,
    consulted: bool,
}

impl Writes<'_> {
    /// `{TableName, Item}`: the key attributes named by the configuration.
    fn put(&mut self, write: &Value, at: &Path<'_>, out: &mut Outcome) {
        let Some(table) = table(write, at, out) else {
            return;
        };
        let Some(item) = required_object(write, "Item", at, out) else {
            return;
        };
        self.put_item(table, item, &at.field("Item"), out);
    }

    fn put_item(&mut self, table: &str, item: &Value, at: &Path<'_>, out: &mut Outcome) {
        self.consulted = true;
        let Some(keys) = self.registry.resolve(table, self.config) else {
            let table = Quoted(table);
            out.issue(
                IssueCode::TableNotConfigured,
                at,
                format_args!(
                    "a put on table {table} needs the names of its key attributes, and no call seen so far showed them: any read or update of the table (GetItem, UpdateItem, DeleteItem, BatchGetItem, TransactGetItems, a CreateTable, DescribeTable or UpdateTable response) teaches them, and so does the opt-in lookup (describeTable: true / describe_table=True, or SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE=true); or add {table} to {SETTING}, e.g. {{{table}: [\"partitionKey\", \"sortKey\"]}}"
                ),
            );
            out.unknown_table(table.0);
            return;
        };
        if let Some(configured) = keys.overridden {
            out.issue(
                IssueCode::KeyConfigConflict,
                at,
                format_args!(
                    "the configuration names {} as the key attributes of table {}, but DynamoDB said {} ({}); span-autolink uses DynamoDB's: correct {SETTING}",
                    Names(configured),
                    Quoted(table),
                    Names(keys.names),
                    keys.source.described()
                ),
            );
        }
        out.note(|| Note::KeyNames {
            table: table.into(),
            names: keys.names.to_vec(),
            source: keys.source,
            overridden: keys.overridden.map(<[String]>::to_vec),
        });
        let mut attributes: Vec<(&str, &Value, Path<'_>)> = Vec::with_capacity(2);
        for name in keys.names {
            match item.get(name) {
                Some(value) if !value.is_null() => attributes.push((name, value, at.field(name))),
                _ => {
                    missing_attribute(name, table, &keys, at, out);
                    return;
                }
            }
        }
        item_pointer(table, &mut attributes, Direction::Downstream, at, out);
    }

    /// `{TableName, Key}`: UpdateItem, DeleteItem and their transact forms.
    fn keyed(&mut self, write: &Value, at: &Path<'_>, out: &mut Outcome) {
        let Some(table) = table(write, at, out) else {
            return;
        };
        let Some(key) = required_object(write, "Key", at, out) else {
            return;
        };
        key_map_pointer(table, key, Direction::Downstream, &at.field("Key"), out);
    }

    fn batch(&mut self, request: &Value, response: &Value, at: &Path<'_>, out: &mut Outcome) {
        let Some(request_items) = required_object(request, "RequestItems", at, out) else {
            return;
        };
        let unprocessed = Unprocessed::of(response, self.config, self.registry);
        let items_at = at.field("RequestItems");
        for (table_key, requests) in request_items.distinct_members() {
            let table_at = items_at.field(table_key);
            let Some(table) = resolve_table(table_key, &table_at, out) else {
                continue;
            };
            let Some(requests) = requests.as_array() else {
                wrong_type(&table_at, "a list of write requests", requests, out);
                continue;
            };
            for (i, request) in requests.iter().enumerate() {
                if unprocessed.lists(table_key, request) {
                    continue;
                }
                let request_at = table_at.index(i);
                let mut one = out.sibling();
                self.batch_write(table, request, &request_at, &mut one);
                one.pointers.retain(|p| !unprocessed.has_pointer(p));
                out.absorb(&mut one);
            }
        }
    }

    fn batch_write(&mut self, table: &str, request: &Value, at: &Path<'_>, out: &mut Outcome) {
        if let Some(put) = request.get("PutRequest").filter(|v| !v.is_null()) {
            let put_at = at.field("PutRequest");
            if let Some(item) = object(put, "Item", &put_at, out) {
                self.put_item(table, item, &put_at.field("Item"), out);
            }
        } else if let Some(delete) = request.get("DeleteRequest").filter(|v| !v.is_null()) {
            let delete_at = at.field("DeleteRequest");
            if let Some(key) = object(delete, "Key", &delete_at, out) {
                key_map_pointer(
                    table,
                    key,
                    Direction::Downstream,
                    &delete_at.field("Key"),
                    out,
                );
            }
        } else {
            out.issue(
                IssueCode::FieldMissing,
                at,
                format_args!("a batch write request needs a PutRequest or a DeleteRequest"),
            );
        }
    }

    fn transact(&mut self, request: &Value, at: &Path<'_>, out: &mut Outcome) {
        let Some(items) = required_array(request, "TransactItems", at, out) else {
            return;
        };
        let items_at = at.field("TransactItems");
        for (i, item) in items.iter().enumerate() {
            let item_at = items_at.index(i);
            let present = |name: &str| item.get(name).filter(|v| !v.is_null());
            if let Some(put) = present("Put") {
                self.put(put, &item_at.field("Put"), out);
            } else if let Some(update) = present("Update") {
                self.keyed(update, &item_at.field("Update"), out);
            } else if let Some(delete) = present("Delete") {
                self.keyed(delete, &item_at.field("Delete"), out);
            } else if present("ConditionCheck").is_none() {
                out.issue(
                    IssueCode::FieldMissing,
                    &item_at,
                    format_args!("a transact item needs a Put, Update, Delete or ConditionCheck"),
                );
            }
        }
    }
}

fn missing_attribute(
    name: &str,
    table: &str,
    keys: &TableKeys<'_>,
    at: &Path<'_>,
    out: &mut Outcome,
) {
    let (name, table) = (Quoted(name), Quoted(table));
    match keys.source {
        KeySource::Configuration => out.issue(
            IssueCode::KeyAttributeMissing,
            at,
            format_args!(
                "the item has no attribute {name}, which the configuration names as a key attribute of table {table}; check {SETTING}"
            ),
        ),
        learned => out.issue(
            IssueCode::KeyAttributeMissing,
            at,
            format_args!(
                "the item has no attribute {name}, which is a key attribute of table {table} as {} showed it",
                learned.described()
            ),
        ),
    }
}

/// A list of key names in a message: `["pk", "sk"]`.
struct Names<'a>(&'a [String]);

impl core::fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("[")?;
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", Quoted(name))?;
        }
        f.write_str("]")
    }
}

/// `object.name` as an object, reported when it is anything else. A write
/// request is itself checked to be an object first.
fn object<'v>(
    parent: &'v Value<'v>,
    name: &str,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<&'v Value<'v>> {
    required_object(write_object(parent, at, out)?, name, at, out)
}

/// A write request must itself be an object before its members are read.
fn write_object<'v>(
    write: &'v Value<'v>,
    at: &Path<'_>,
    out: &mut Outcome,
) -> Option<&'v Value<'v>> {
    if matches!(write, Value::Object(_)) {
        Some(write)
    } else {
        wrong_type(at, "an object", write, out);
        None
    }
}

fn table<'v>(write: &'v Value<'v>, at: &Path<'_>, out: &mut Outcome) -> Option<&'v str> {
    let name = required_str(write_object(write, at, out)?, "TableName", at, out)?;
    resolve_table(name, &at.field("TableName"), out)
}

fn resolve_table<'v>(name: &'v str, at: &Path<'_>, out: &mut Outcome) -> Option<&'v str> {
    let table = table_name(name);
    out.note(|| Note::Table {
        given: name.into(),
        from: format!("{at}"),
        stream_arn: false,
    });
    if table.is_none() {
        out.issue(
            IssueCode::TableNameInvalid,
            at,
            format_args!(
                "{} is neither a table name nor a table ARN (arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME)",
                Quoted(name)
            ),
        );
    }
    table
}

/// The writes DynamoDB reports back in `UnprocessedItems`: they wrote
/// nothing, so they get no pointer. Matched as given, and by pointer in
/// case an SDK re-spelled a value.
struct Unprocessed<'v> {
    requests: Vec<(&'v str, &'v Value<'v>)>,
    pointers: Vec<Pointer>,
}

/// DynamoDB takes at most this many writes in one `BatchWriteItem`, so no
/// more can come back unprocessed: the rest of an outsized response is not
/// looked at, which keeps matching linear in the request.
const MAX_BATCH_WRITES: usize = 25;

impl<'v> Unprocessed<'v> {
    fn of(response: &'v Value<'v>, config: &Config, registry: &KeyRegistry) -> Self {
        let mut requests = Vec::new();
        let mut scratch = Outcome::new();
        let mut writes = Writes {
            config,
            registry,
            consulted: false,
        };
        let at = Path::Root;
        let tables = sdk_output(response, "UnprocessedItems")
            .get("UnprocessedItems")
            .and_then(Value::members)
            .unwrap_or_default();
        for (table_key, list) in tables {
            let Some(table) = table_name(table_key) else {
                continue;
            };
            for request in list.as_array().unwrap_or_default() {
                if requests.len() == MAX_BATCH_WRITES {
                    break;
                }
                requests.push((table_key, request));
                writes.batch_write(table, request, &at, &mut scratch);
            }
        }
        Unprocessed {
            requests,
            pointers: scratch.pointers,
        }
    }

    fn lists(&self, table_key: &str, request: &Value) -> bool {
        self.requests
            .iter()
            .any(|(t, r)| *t == table_key && *r == request)
    }

    fn has_pointer(&self, pointer: &Pointer) -> bool {
        self.pointers.contains(pointer)
    }
}
