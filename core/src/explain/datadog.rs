//! What each Datadog library would hash for the same input: the one place
//! that knows them, written from their source (ddtrace 4.x
//! `_trace/utils_botocore/span_pointers`, datadog-lambda-python
//! `span_pointers.py`, dd-trace-js `datadog-plugin-aws-sdk` (`util.js`,
//! `services/s3.js`, `services/dynamodb.js`), datadog-lambda-js
//! `utils/span-pointers.js`) and held to those libraries by the oracle
//! suites (`py-test/test_oracles.py`, `js-test/oracle.test.js`), which
//! compare these answers with what the real libraries compute.
//!
//! Each model walks the input the way its library does and records where
//! that library parts from SPEC ([`DatadogRule`]). This is knowledge for
//! the explainer only: no pointer of span-autolink depends on it.

use super::report::{DatadogPointer, DatadogRule, Divergence, Library, LibraryAnswer, Report};
use crate::config::Config;
use crate::dynamodb::number::canonical;
use crate::dynamodb::table::table_name;
use crate::fields::{optional_str, sdk_output};
use crate::hash::PointerHash;
use crate::issue::IssueCode;
use crate::operation::{DynamoDbWrite, Operation};
use crate::outcome::Quoted;
use crate::s3::producer::is_access_point;
use crate::value::Value;
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One library's walk: the pointers it makes and where it parted from SPEC.
struct Model {
    library: Library,
    pointers: Vec<Vec<Vec<u8>>>,
    divergences: Vec<Divergence>,
}

impl Model {
    fn new(library: Library) -> Self {
        Model {
            library,
            pointers: Vec::new(),
            divergences: Vec::new(),
        }
    }

    fn diverge(&mut self, rule: DatadogRule, message: String) {
        if !self.divergences.iter().any(|d| d.rule == rule) {
            self.divergences.push(Divergence { rule, message });
        }
    }

    fn python(&self) -> bool {
        matches!(
            self.library,
            Library::DdTracePy | Library::DatadogLambdaPython
        )
    }

    /// dd-trace-js and datadog-lambda-js join the components as strings,
    /// so bytes that are not UTF-8 are hashed as their lossy rendering.
    fn hash(&mut self, components: Vec<Vec<u8>>) {
        self.pointers.push(components);
    }

    fn answer(self, report: &Report) -> LibraryAnswer {
        let pointers: Vec<DatadogPointer> = self
            .pointers
            .iter()
            .map(|components| {
                let slices: Vec<&[u8]> = components.iter().map(Vec::as_slice).collect();
                DatadogPointer {
                    hash: String::from(PointerHash::of(&slices).as_str()),
                    components: components.iter().map(|c| super::shown(c).0).collect(),
                }
            })
            .collect();
        let agrees = pointers.len() == report.pointers.len()
            && pointers
                .iter()
                .zip(&report.pointers)
                .all(|(theirs, ours)| theirs.hash == ours.hash);
        LibraryAnswer {
            library: self.library,
            pointers,
            agrees,
            divergences: self.divergences,
        }
    }
}

fn text(value: &str) -> Vec<u8> {
    value.as_bytes().to_vec()
}

// -- producers: dd-trace-py and dd-trace-js ---------------------------------

pub(crate) fn for_response(
    service: &str,
    operation: &str,
    request: &Value,
    response: &Value,
    config: &Config,
    report: &Report,
) -> Vec<LibraryAnswer> {
    answers([Library::DdTracePy, Library::DdTraceJs], report, |model| {
        producer(model, service, operation, request, response, config, report)
    })
}

/// Each library's walk, as its answer.
fn answers(
    libraries: [Library; 2],
    report: &Report,
    walk: impl Fn(&mut Model),
) -> Vec<LibraryAnswer> {
    libraries
        .into_iter()
        .map(|library| {
            let mut model = Model::new(library);
            walk(&mut model);
            model.answer(report)
        })
        .collect()
}

/// The document clients' names for DynamoDB calls, which the Datadog
/// tracers do not know (they see `put`, not `putItem`).
const DOCUMENT_CLIENT: [&str; 5] = ["Put", "Update", "Delete", "BatchWrite", "TransactWrite"];

fn producer(
    model: &mut Model,
    service: &str,
    operation: &str,
    request: &Value,
    response: &Value,
    config: &Config,
    report: &Report,
) {
    let Some(parsed) = Operation::parse(service, operation) else {
        return;
    };
    let ours = !report.pointers.is_empty();
    let bare = operation.strip_suffix("Command").unwrap_or(operation);
    let document_client = DOCUMENT_CLIENT
        .iter()
        .any(|name| name.eq_ignore_ascii_case(bare) && bare.get(1..) == name.get(1..));
    if document_client {
        if ours {
            model.diverge(
                DatadogRule::OperationNameUnknown,
                format!(
                    "{} knows the API's operation names only: a document client's {} gives no pointer",
                    model.library.as_str(),
                    Quoted(operation)
                ),
            );
        }
        return;
    }
    let before = model.pointers.len();
    match parsed {
        Operation::Receive(_) => {
            if ours {
                model.diverge(
                    DatadogRule::ReceiveNotRead,
                    format!(
                        "{} gives no consumer pointer for what a worker receives outside Lambda",
                        model.library.as_str()
                    ),
                );
            }
            return;
        }
        // Reads and table calls: no library makes a pointer, or learns.
        Operation::KeyNames(_) => return,
        Operation::S3(write) => s3_producer(model, write, request, response),
        Operation::DynamoDb(write) => {
            dynamodb_producer(model, write, request, response, config, report)
        }
    }
    let failed = report
        .issues
        .iter()
        .any(|i| i.code == IssueCode::ResponseNotSuccessful.as_str());
    if failed && model.pointers.len() > before {
        model.diverge(
            DatadogRule::SuccessNotChecked,
            format!(
                "{} hashes the request of a call that did not succeed, which wrote nothing",
                model.library.as_str()
            ),
        );
    }
}

fn s3_producer(
    model: &mut Model,
    write: crate::operation::S3Write,
    request: &Value,
    response: &Value,
) {
    use crate::operation::S3Write;
    let etag = match write {
        S3Write::CopyObject => sdk_output(response, "CopyObjectResult")
            .get("CopyObjectResult")
            .and_then(|r| optional_str(r, "ETag")),
        _ => optional_str(sdk_output(response, "ETag"), "ETag"),
    };
    let (Some(bucket), Some(key), Some(etag)) = (
        optional_str(request, "Bucket"),
        optional_str(request, "Key"),
        etag,
    ) else {
        return;
    };
    s3_object(model, bucket, key, etag);
}

/// Both tracers and both Lambda libraries hash S3 objects alike, but for
/// which empty values they refuse.
fn s3_object(model: &mut Model, bucket: &str, key: &str, etag: &str) {
    if !model.python() && (bucket.is_empty() || key.is_empty() || etag.is_empty()) {
        return;
    }
    let bare = etag
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or(etag);
    if model.python() && (bare.contains('"') || !bucket.is_ascii() || !bare.is_ascii()) {
        return;
    }
    if is_access_point(bucket) {
        model.diverge(
            DatadogRule::AccessPointAsBucket,
            format!(
                "{} hashes the access point {} as the bucket, which no notification names",
                model.library.as_str(),
                Quoted(bucket)
            ),
        );
    }
    if bare.is_empty() {
        model.diverge(
            DatadogRule::EtagNotChecked,
            format!("{} hashes an empty ETag", model.library.as_str()),
        );
    }
    model.hash(alloc::vec![text(bucket), text(key), text(bare)]);
}

fn dynamodb_producer(
    model: &mut Model,
    write: DynamoDbWrite,
    request: &Value,
    response: &Value,
    config: &Config,
    report: &Report,
) {
    let names = KeyNames::of(model, config, report);
    match write {
        DynamoDbWrite::PutItem => {
            if let Some(components) = put(model, request, &names) {
                model.hash(components);
            }
        }
        DynamoDbWrite::UpdateItem | DynamoDbWrite::DeleteItem => {
            if let Some(components) = keyed(model, request) {
                model.hash(components);
            }
        }
        DynamoDbWrite::TransactWriteItems => {
            for item in request
                .get("TransactItems")
                .and_then(Value::as_array)
                .unwrap_or_default()
            {
                let made = if let Some(p) = item.get("Put") {
                    put(model, p, &names)
                } else if let Some(w) = item.get("Update").or_else(|| item.get("Delete")) {
                    keyed(model, w)
                } else {
                    None
                };
                if let Some(components) = made {
                    model.hash(components);
                }
            }
        }
        DynamoDbWrite::BatchWriteItem => batch(model, request, response, &names),
    }
}

/// The key names a tracer has for a put, by the table name as given, and
/// those span-autolink learned from DynamoDB, which no tracer learns.
struct KeyNames<'c> {
    config: Option<&'c Config>,
    learned: &'c [super::report::KeyNames],
}

impl<'c> KeyNames<'c> {
    fn of(model: &mut Model, config: &'c Config, report: &'c Report) -> KeyNames<'c> {
        // ddtrace reads DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS whole or not
        // at all: an entry that is not a list, or names an attribute twice,
        // drops every table. dd-trace-js skips the entries it cannot use.
        let drops_all = |names: &Value| match names.as_array() {
            None => true,
            Some(items) => items
                .iter()
                .enumerate()
                .any(|(i, item)| items.get(..i).unwrap_or_default().contains(item)),
        };
        if model.python() && config.skipped().iter().any(|(_, names)| drops_all(names)) {
            model.diverge(
                DatadogRule::ConfigDroppedWhole,
                String::from("ddtrace drops the whole key-name configuration when one entry is not a list of distinct names, so no put gives a pointer"),
            );
            return KeyNames {
                config: None,
                learned: &report.key_names,
            };
        }
        KeyNames {
            config: Some(config),
            learned: &report.key_names,
        }
    }

    fn get(&self, model: &mut Model, table: &str) -> Option<Vec<String>> {
        let theirs = self.configured(model, table);
        let reduced = table_name(table).unwrap_or(table);
        let learned = self.learned.iter().find(|k| {
            k.source == super::report::KeyNameSource::Learned && k.fits && k.table == reduced
        });
        if let Some(learned) = learned {
            if theirs.as_ref() != Some(&learned.names) {
                model.diverge(
                    DatadogRule::KeyNamesNotLearned,
                    format!(
                        "{} takes a put's key names from its configuration only ({}), not from what DynamoDB showed in earlier calls: span-autolink learned {:?} for table {} (SPEC 9)",
                        model.library.as_str(),
                        match &theirs {
                            Some(names) => format!("{names:?} for this table"),
                            None => String::from("none for this table: no pointer"),
                        },
                        learned.names,
                        Quoted(reduced)
                    ),
                );
            }
        }
        theirs
    }

    fn configured(&self, model: &mut Model, table: &str) -> Option<Vec<String>> {
        let config = self.config?;
        match config.key_names(table) {
            Some(names) => Some(names.to_vec()),
            None => {
                if let Some(name) = table_name(table).filter(|n| *n != table) {
                    if config.key_names(name).is_some() {
                        model.diverge(
                            DatadogRule::TableArnNotReduced,
                            format!(
                                "{} looks a put's key names up by the table ARN {}, not by the table name {}, and finds none",
                                model.library.as_str(),
                                Quoted(table),
                                Quoted(name)
                            ),
                        );
                    }
                }
                None
            }
        }
    }
}

fn table_of(model: &mut Model, write: &Value) -> Option<String> {
    let table = optional_str(write, "TableName")?;
    checked_table(model, table)
}

fn checked_table(model: &mut Model, table: &str) -> Option<String> {
    if table.is_empty() && !model.python() {
        return None;
    }
    match table_name(table) {
        Some(name) if name != table => model.diverge(
            DatadogRule::TableArnNotReduced,
            format!(
                "{} hashes the table ARN {} where the stream record names the table {}",
                model.library.as_str(),
                Quoted(table),
                Quoted(name)
            ),
        ),
        None => model.diverge(
            DatadogRule::TableNameNotChecked,
            format!(
                "{} hashes {} though it is no table name",
                model.library.as_str(),
                Quoted(table)
            ),
        ),
        _ => {}
    }
    Some(table.to_owned())
}

fn put(model: &mut Model, write: &Value, names: &KeyNames<'_>) -> Option<Vec<Vec<u8>>> {
    let table = table_of(model, write)?;
    let item = write.get("Item")?;
    let names = names.get(model, &table)?;
    let mut attributes = Vec::new();
    for name in &names {
        attributes.push((name.as_str(), item.get(name)?));
    }
    item_components(model, table, attributes, true)
}

fn keyed(model: &mut Model, write: &Value) -> Option<Vec<Vec<u8>>> {
    let table = table_of(model, write)?;
    let key = write.get("Key")?;
    let attributes: Vec<(&str, &Value)> = key.distinct_members().collect();
    item_components(model, table, attributes, false)
}

fn batch(model: &mut Model, request: &Value, response: &Value, names: &KeyNames<'_>) {
    let unprocessed = sdk_output(response, "UnprocessedItems").get("UnprocessedItems");
    let mut made = Vec::new();
    let mut dropped = false;
    for (table, writes) in request
        .get("RequestItems")
        .and_then(Value::members)
        .unwrap_or_default()
    {
        let skipped = unprocessed
            .and_then(|u| u.get(table))
            .and_then(Value::as_array)
            .unwrap_or_default();
        for write in writes.as_array().unwrap_or_default() {
            // ddtrace leaves out what came back unprocessed; dd-trace-js does not look.
            if model.python() && skipped.contains(write) {
                continue;
            }
            let components = if let Some(p) = write.get("PutRequest") {
                let mut put_write =
                    alloc::vec![(String::from("TableName"), Value::String(table.into())),];
                if let Some(item) = p.get("Item") {
                    put_write.push((String::from("Item"), item.clone()));
                }
                let put_write =
                    Value::Object(put_write.into_iter().map(|(k, v)| (k.into(), v)).collect());
                put(model, &put_write, names)
            } else if let Some(d) = write.get("DeleteRequest") {
                let key = d.get("Key").cloned().unwrap_or(Value::Null);
                let delete = Value::Object(alloc::vec![
                    ("TableName".into(), Value::String(table.into())),
                    ("Key".into(), key),
                ]);
                keyed(model, &delete)
            } else {
                None
            };
            match components {
                Some(components) => made.push(components),
                None => dropped = true,
            }
        }
    }
    if dropped && model.python() {
        if !made.is_empty() {
            model.diverge(
                DatadogRule::BatchDroppedWhole,
                String::from(
                    "ddtrace drops every pointer of a batch when it cannot hash one of its writes",
                ),
            );
        }
        return;
    }
    for components in made {
        model.hash(components);
    }
}

/// `table, k1, v1, k2, v2` as a library encodes them, names sorted its way.
fn item_components(
    model: &mut Model,
    table: String,
    mut attributes: Vec<(&str, &Value)>,
    in_item: bool,
) -> Option<Vec<Vec<u8>>> {
    if model.python() {
        if !(1..=2).contains(&attributes.len()) {
            return None;
        }
        attributes.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    } else {
        // JavaScript's default sort: UTF-16 code units; the first two.
        attributes.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        attributes.truncate(2);
        if attributes.is_empty() {
            return None;
        }
    }
    let mut components = alloc::vec![text(&table)];
    for (name, value) in &attributes {
        components.push(text(name));
        components.push(encode(model, value, in_item)?);
    }
    if attributes.len() == 1 {
        components.push(Vec::new());
        components.push(Vec::new());
    }
    Some(components)
}

fn encode(model: &mut Model, value: &Value, in_item: bool) -> Option<Vec<u8>> {
    let library = model.library.as_str();
    let (kind, typed) = match value {
        Value::Object(members) => match members.as_slice() {
            [(t, inner)] => (t.as_ref(), inner),
            _ => return None,
        },
        plain => {
            if !model.python() {
                model.diverge(
                    DatadogRule::PlainValuesIgnored,
                    format!(
                        "{library} reads only typed key values ({{\"S\": ...}}), not plain ones"
                    ),
                );
                return None;
            }
            // ddtrace serializes plain values with boto3's TypeSerializer.
            let kind = match plain {
                Value::String(_) => "S",
                Value::Number(_) => "N",
                Value::Bytes(_) => "B",
                _ => return None,
            };
            (kind, plain)
        }
    };
    match (kind, typed) {
        ("S", Value::String(s)) => Some(text(s)),
        ("N", Value::String(n) | Value::Number(n)) => {
            if model.python() && !n.is_ascii() {
                return None;
            }
            if canonical(n).ok().as_deref() != Some(n.as_ref()) {
                model.diverge(
                    DatadogRule::NumberAsWritten,
                    format!(
                        "{library} hashes the number as written, {}, not as DynamoDB stores it{}",
                        Quoted(n),
                        match canonical(n) {
                            Ok(stored) => format!(" ({})", Quoted(&stored)),
                            Err(_) => String::from(" (it is no number DynamoDB can store)"),
                        }
                    ),
                );
            }
            Some(text(n))
        }
        ("B", Value::Bytes(bytes)) => {
            if model.python() {
                if in_item {
                    model.diverge(
                        DatadogRule::BinaryInItemIgnored,
                        String::from(
                            "ddtrace gives no pointer for a put whose key attribute holds bytes",
                        ),
                    );
                    return None;
                }
                Some(bytes.clone())
            } else {
                let rendered = String::from_utf8_lossy(bytes);
                if rendered.as_bytes() != bytes.as_slice() {
                    model.diverge(
                        DatadogRule::BinaryAsUtf8,
                        format!("{library} hashes binary bytes as UTF-8 text, and bytes that are not UTF-8 become U+FFFD"),
                    );
                }
                Some(text(&rendered))
            }
        }
        ("B", Value::String(b64)) => {
            if model.python() && !b64.is_ascii() {
                return None;
            }
            model.diverge(
                DatadogRule::BinaryAsText,
                format!(
                    "{library} hashes the binary value's base64 text {}, not the bytes it stands for",
                    Quoted(b64)
                ),
            );
            Some(text(b64))
        }
        _ => None,
    }
}

// -- consumers: datadog-lambda-python and datadog-lambda-js -----------------

pub(crate) fn for_event(event: &Value, report: &Report) -> Vec<LibraryAnswer> {
    answers(
        [Library::DatadogLambdaPython, Library::DatadogLambdaJs],
        report,
        |model| consumer(model, event, report),
    )
}

fn consumer(model: &mut Model, event: &Value, report: &Report) {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .unwrap_or_default();
    // Both read the trigger from the first record only.
    let source = records
        .first()
        .and_then(|r| optional_str(r, "eventSource").or_else(|| optional_str(r, "EventSource")));
    match source {
        Some("aws:s3") => {
            // datadog-lambda-python fails the whole event on a record without eventName.
            if model.python()
                && records
                    .iter()
                    .any(|r| optional_str(r, "eventName").is_none())
            {
                return;
            }
            for record in records {
                s3_record(model, record);
            }
        }
        Some("aws:dynamodb") => {
            for record in records {
                stream_record(model, record);
            }
        }
        _ => {
            if !report.pointers.is_empty() {
                model.diverge(
                    DatadogRule::WrappedDeliveryIgnored,
                    format!(
                        "{} reads only direct S3 notifications and stream records, not deliveries through SQS, SNS, EventBridge or Kinesis",
                        model.library.as_str()
                    ),
                );
            }
        }
    }
}

fn s3_record(model: &mut Model, record: &Value) {
    let created = optional_str(record, "eventName").is_some_and(|name| {
        name.starts_with(if model.python() {
            "ObjectCreated:"
        } else {
            "ObjectCreated"
        })
    });
    let Some(s3) = record.get("s3").filter(|_| created) else {
        return;
    };
    let bucket = s3.get("bucket").and_then(|b| optional_str(b, "name"));
    let object = s3.get("object");
    let key = object.and_then(|o| optional_str(o, "key"));
    let etag = object.and_then(|o| optional_str(o, "eTag"));
    let (Some(bucket), Some(key), Some(etag)) = (bucket, key, etag) else {
        return;
    };
    // datadog-lambda-python hands the eTag to ddtrace without removing quotes.
    if model.python() && etag.contains('"') {
        return;
    }
    if key.contains(['+', '%']) {
        model.diverge(
            DatadogRule::KeyNotUrlDecoded,
            format!(
                "{} hashes the notification's key as URL-encoded text, {}, not the object's key",
                model.library.as_str(),
                Quoted(key)
            ),
        );
    }
    s3_object(model, bucket, key, etag);
}

fn stream_record(model: &mut Model, record: &Value) {
    let event_name = optional_str(record, "eventName");
    let change = matches!(event_name, Some("INSERT" | "MODIFY" | "REMOVE"));
    if !model.python() && !change {
        return;
    }
    let Some(arn) = optional_str(record, "eventSourceARN") else {
        return;
    };
    let table = if model.python() {
        python_stream_table(model, arn)
    } else {
        // datadog-lambda-js: the first `table/NAME` anywhere in the ARN.
        arn.find("table/")
            .and_then(|at| arn.get(at + 6..))
            .map(|rest| rest.split('/').next().unwrap_or_default())
            .filter(|name| !name.is_empty())
    };
    let Some(table) = table else {
        return;
    };
    let Some(keys) = record.get("dynamodb").and_then(|d| d.get("Keys")) else {
        return;
    };
    let attributes: Vec<(&str, &Value)> = keys.distinct_members().collect();
    if let Some(components) = item_components(model, String::from(table), attributes, false) {
        if !change {
            model.diverge(
                DatadogRule::EventNameNotChecked,
                format!(
                    "{} makes a pointer for a stream record of eventName {}, which changed no item",
                    model.library.as_str(),
                    Quoted(event_name.unwrap_or_default())
                ),
            );
        }
        model.hash(components);
    }
}

/// datadog-lambda-python's reading of a stream ARN: six `:` parts whose
/// partition is `aws`, then exactly `table/NAME/stream/LABEL`.
fn python_stream_table<'a>(model: &mut Model, arn: &'a str) -> Option<&'a str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_part, partition, service, _, _, info] = parts.as_slice() else {
        return None;
    };
    if *arn_part != "arn" || *service != "dynamodb" {
        return None;
    }
    let pieces: Vec<&str> = info.split('/').collect();
    let [table_part, name, stream, _] = pieces.as_slice() else {
        return None;
    };
    if *table_part != "table" || *stream != "stream" {
        return None;
    }
    if *partition != "aws" {
        model.diverge(
            DatadogRule::StreamPartitionAwsOnly,
            format!(
                "datadog-lambda-python reads only stream ARNs of the aws partition, not {}",
                Quoted(partition)
            ),
        );
        return None;
    }
    Some(name)
}
