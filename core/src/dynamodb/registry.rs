//! The key names of DynamoDB tables as the application's own calls show
//! them (SPEC 9), so that a put, whose request does not say which
//! attributes of its item are the key, gives its pointer without any
//! configuration.
//!
//! What the service said outranks the configuration, in this order:
//!
//! 1. `KeySchema` in a CreateTable, UpdateTable or DescribeTable response;
//! 2. the names of a `Key` in a request DynamoDB accepted (GetItem,
//!    UpdateItem, DeleteItem, BatchGetItem, BatchWriteItem deletes, and the
//!    gets, updates, deletes and condition checks of transactions): the
//!    service refuses a key whose names are not exactly the table's;
//! 3. the configuration of section 5.
//!
//! Only successful calls teach, and only names are kept, never a key's
//! values. What a table learned last replaces what it knew when the names
//! differ (a table deleted and made again with another key); a `Key` that
//! agrees with a `KeySchema` leaves the schema named as the source.
//!
//! The registry is bounded: beyond [`CAPACITY`] tables the least recently
//! used one is forgotten. Names are bounded too (DynamoDB's own limits: a
//! table name is 3 to 255 of `A-Za-z0-9_.-`, a key attribute name 1 to 255
//! bytes), so whatever calls pass through, its memory stays below a few
//! megabytes. Looking a table up and marking it used allocate nothing.

use super::table::{is_table_name, table_name};
use crate::config::Config;
use crate::fields::sdk_output;
use crate::operation::{DynamoDbWrite, KeyNamesCall, Operation};
use crate::success::is_success;
use crate::value::Value;
use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// How many tables a registry keeps: more than DynamoDB's default quota of
/// tables per account and region (2,500).
pub const CAPACITY: usize = 4096;

/// The longest key attribute name DynamoDB takes (`KeySchemaElement`).
const MAX_NAME_BYTES: usize = 255;

/// No slot: the end of the recency list.
const NONE: u32 = u32::MAX;

/// Where a table's key names came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeySource {
    /// The `KeySchema` of a CreateTable, UpdateTable or DescribeTable response.
    KeySchema,
    /// The names of a `Key` in a request DynamoDB accepted.
    Key,
    /// The configuration: the setting or the option (SPEC 5).
    Configuration,
}

impl KeySource {
    /// A stable snake_case name, for hosts and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeySource::KeySchema => "key_schema",
            KeySource::Key => "key",
            KeySource::Configuration => "configuration",
        }
    }

    /// Where the names came from, as a sentence says it.
    pub const fn described(self) -> &'static str {
        match self {
            KeySource::KeySchema => {
                "the KeySchema of a CreateTable, UpdateTable or DescribeTable response"
            }
            KeySource::Key => "the Key of a request DynamoDB accepted",
            KeySource::Configuration => "the configuration",
        }
    }
}

/// The key names a put on a table uses, and where they came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableKeys<'a> {
    /// One or two attribute names.
    pub names: &'a [String],
    pub source: KeySource,
    /// The configuration's names for the table where they differ from what
    /// the service said, which wins (`key_config_conflict`).
    pub overridden: Option<&'a [String]>,
}

struct Slot {
    /// Empty while the slot is free.
    table: Box<str>,
    names: Vec<String>,
    source: KeySource,
    /// The slots used just after and just before this one.
    newer: u32,
    older: u32,
}

/// The key names of the tables an application's calls showed, the most
/// recently used [`CAPACITY`] of them (see the module's documentation).
pub struct KeyRegistry {
    slots: Vec<Slot>,
    /// Slots in use, in the order of their table names.
    by_table: Vec<u32>,
    /// Slots given back by [`KeyRegistry::forget`].
    free: Vec<u32>,
    newest: u32,
    oldest: u32,
    capacity: usize,
}

impl Default for KeyRegistry {
    fn default() -> Self {
        KeyRegistry::new()
    }
}

impl KeyRegistry {
    /// An empty registry of [`CAPACITY`] tables; allocates nothing until a
    /// call teaches it a table.
    pub const fn new() -> Self {
        KeyRegistry::with_capacity(CAPACITY)
    }

    /// An empty registry that keeps at most `capacity` tables.
    pub const fn with_capacity(capacity: usize) -> Self {
        KeyRegistry {
            slots: Vec::new(),
            by_table: Vec::new(),
            free: Vec::new(),
            newest: NONE,
            oldest: NONE,
            capacity: if capacity < NONE as usize {
                capacity
            } else {
                NONE as usize - 1
            },
        }
    }

    /// How many tables it knows.
    pub fn len(&self) -> usize {
        self.by_table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_table.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets every table.
    pub fn clear(&mut self) {
        *self = KeyRegistry::with_capacity(self.capacity);
    }

    /// Learns what a call shows of its tables' key names, and marks the
    /// tables its puts write as used. A call that did not succeed shows
    /// nothing; calls that neither teach nor put are ignored.
    pub fn observe(&mut self, operation: Operation, request: &Value, response: &Value) {
        if !operation.uses_key_names() || self.repeats_newest_key(operation, request) {
            return;
        }
        if !is_success(response) {
            return;
        }
        match operation {
            Operation::KeyNames(call) => self.observe_reader(call, request, response),
            Operation::DynamoDb(write) => self.observe_writer(write, request),
            Operation::S3(_) | Operation::Receive(_) => {}
        }
    }

    fn observe_reader(&mut self, call: KeyNamesCall, request: &Value, response: &Value) {
        match call {
            KeyNamesCall::CreateTable | KeyNamesCall::UpdateTable => {
                self.learn_schema(described(response, "TableDescription"));
            }
            KeyNamesCall::DescribeTable => self.learn_schema(described(response, "Table")),
            KeyNamesCall::DeleteTable => {
                let name = described(response, "TableDescription")
                    .and_then(|t| t.get("TableName"))
                    .and_then(Value::as_str);
                if let Some(table) = name.and_then(table_name) {
                    self.forget(table);
                }
            }
            KeyNamesCall::GetItem => self.learn_keyed(request),
            KeyNamesCall::BatchGetItem => {
                for (table, entry) in request_items(request) {
                    let keys = entry.get("Keys").and_then(Value::as_array);
                    // One key per table is enough: DynamoDB refuses the
                    // whole request if any key names other attributes.
                    if let Some(key) = keys.and_then(<[Value]>::first) {
                        self.learn_key(table, key);
                    }
                }
            }
            KeyNamesCall::TransactGetItems => {
                for item in transact_items(request) {
                    if let Some(get) = item.get("Get") {
                        self.learn_keyed(get);
                    }
                }
            }
        }
    }

    fn observe_writer(&mut self, write: DynamoDbWrite, request: &Value) {
        match write {
            DynamoDbWrite::PutItem => self.touch_named(request),
            DynamoDbWrite::UpdateItem | DynamoDbWrite::DeleteItem => self.learn_keyed(request),
            DynamoDbWrite::BatchWriteItem => {
                for (table, writes) in request_items(request) {
                    let writes = writes.as_array().unwrap_or_default();
                    let key = writes
                        .iter()
                        .find_map(|w| w.get("DeleteRequest")?.get("Key"));
                    match key {
                        Some(key) => self.learn_key(table, key),
                        None if !writes.is_empty() => self.touch(table),
                        None => {}
                    }
                }
            }
            DynamoDbWrite::TransactWriteItems => {
                for item in transact_items(request) {
                    if let Some(put) = item.get("Put") {
                        self.touch_named(put);
                    }
                    for keyed in ["Update", "Delete", "ConditionCheck"] {
                        if let Some(write) = item.get(keyed) {
                            self.learn_keyed(write);
                        }
                    }
                }
            }
        }
    }

    /// What the registry knows of a table's key names, and from where.
    pub fn learned(&self, table: &str) -> Option<(&[String], KeySource)> {
        let slot = self.slot(*self.by_table.get(self.find(table).ok()?)?)?;
        Some((slot.names.as_slice(), slot.source))
    }

    /// The key names a put on `table` uses: what the service said, else the
    /// configuration's; `None` when neither knows the table.
    pub fn resolve<'a>(&'a self, table: &str, config: &'a Config) -> Option<TableKeys<'a>> {
        let configured = config.key_names(table);
        match self.learned(table) {
            Some((names, source)) => Some(TableKeys {
                names,
                source,
                overridden: configured.filter(|c| !same_names(c, names)),
            }),
            None => configured.map(|names| TableKeys {
                names,
                source: KeySource::Configuration,
                overridden: None,
            }),
        }
    }

    /// Forgets a table (DeleteTable said it is gone).
    pub fn forget(&mut self, table: &str) {
        let Ok(at) = self.find(table) else {
            return;
        };
        let i = self.by_table.remove(at);
        self.unlink(i);
        if let Some(slot) = self.slot_mut(i) {
            slot.table = Box::default();
            slot.names = Vec::new();
        }
        self.free.push(i);
    }

    // -- learning ----------------------------------------------------------

    /// `{TableName, Key}`: the names of `Key`.
    fn learn_keyed(&mut self, write: &Value) {
        if let Some((table, key)) = table_and_key(write) {
            self.learn_key(table, key);
        }
    }

    fn learn_key(&mut self, table: &str, key: &Value) {
        let Value::Object(members) = key else {
            return;
        };
        if self.is_newest_key(table, members) {
            return;
        }
        let mut names: [&str; 2] = ["", ""];
        let mut count = 0;
        for (name, _) in key.distinct_members() {
            match names.get_mut(count) {
                Some(slot) => *slot = name,
                None => return, // more than two: no key DynamoDB takes
            }
            count += 1;
        }
        if let Some(names) = names.get(..count) {
            self.learn(table, names, KeySource::Key);
        }
    }

    /// Whether a keyed call (`{TableName, Key}`) names the key of the
    /// table learned or used last: then it teaches nothing, whether or not
    /// it succeeded, and its response need not be read.
    fn repeats_newest_key(&self, operation: Operation, request: &Value) -> bool {
        let keyed = matches!(
            operation,
            Operation::DynamoDb(DynamoDbWrite::UpdateItem | DynamoDbWrite::DeleteItem)
                | Operation::KeyNames(KeyNamesCall::GetItem)
        );
        if !keyed {
            return false;
        }
        match table_and_key(request) {
            Some((table, Value::Object(members))) => self.is_newest_key(table, members),
            _ => false,
        }
    }

    /// Whether `table` is the table learned or used last and `members`
    /// name its key: what most keyed calls show, and nothing to learn (a
    /// slot's names came from a `Key` or a `KeySchema`, as good a source).
    fn is_newest_key(&self, table: &str, members: &[(Cow<'_, str>, Value<'_>)]) -> bool {
        let Some(slot) = self.slot(self.newest) else {
            return false;
        };
        if *slot.table != *table {
            return false;
        }
        match (members, slot.names.as_slice()) {
            ([(a, _)], [x]) => a == x,
            // The names learned are distinct, so these two are too.
            ([(a, _), (b, _)], [x, y]) => (a == x && b == y) || (a == y && b == x),
            _ => false,
        }
    }

    /// A table description's `TableName` and `KeySchema`: one `HASH`
    /// element and at most one `RANGE` element.
    fn learn_schema(&mut self, table: Option<&Value>) {
        let Some(table) = table else {
            return;
        };
        let Some(name) = table.get("TableName").and_then(Value::as_str) else {
            return;
        };
        let Some(schema) = table.get("KeySchema").and_then(Value::as_array) else {
            return;
        };
        let (mut hash, mut range) = (None, None);
        for element in schema {
            let attribute = element.get("AttributeName").and_then(Value::as_str);
            let role = match element.get("KeyType").and_then(Value::as_str) {
                Some("HASH") => &mut hash,
                Some("RANGE") => &mut range,
                _ => return,
            };
            if role.is_some() || attribute.is_none() {
                return;
            }
            *role = attribute;
        }
        match (hash, range) {
            (Some(hash), None) => self.learn(name, &[hash], KeySource::KeySchema),
            (Some(hash), Some(range)) => self.learn(name, &[hash, range], KeySource::KeySchema),
            _ => {}
        }
    }

    /// Records `names` for `table` (a name or a table ARN), when both are
    /// names DynamoDB takes.
    fn learn(&mut self, table: &str, names: &[&str], source: KeySource) {
        let Some(table) = table_name(table) else {
            return;
        };
        // Most calls repeat what the registry knows: a table it holds has a
        // valid name, and names the same as its valid, distinct ones are
        // valid too, so only the recency and the source can change.
        let known = self
            .find(table)
            .ok()
            .and_then(|at| self.by_table.get(at).copied());
        if let Some(i) = known {
            if let Some(slot) = self.slot_mut(i) {
                if same_names(&slot.names, names) {
                    slot.source = slot.source.min(source);
                    self.touch_slot(i);
                    return;
                }
            }
        }
        let valid = |n: &&str| !n.is_empty() && n.len() <= MAX_NAME_BYTES;
        let distinct = match names {
            [_] => true,
            [a, b] => a != b,
            _ => false,
        };
        if !is_table_name(table) || !distinct || !names.iter().all(valid) {
            return;
        }
        match known {
            // Other names: the table was made again with another key.
            Some(i) => {
                if let Some(slot) = self.slot_mut(i) {
                    slot.names = names.iter().map(|n| String::from(*n)).collect();
                    slot.source = source;
                }
                self.touch_slot(i);
            }
            None => self.insert(table, names, source),
        }
    }

    fn insert(&mut self, table: &str, names: &[&str], source: KeySource) {
        if self.capacity == 0 {
            return;
        }
        if self.by_table.len() >= self.capacity {
            if let Some(oldest) = self.slot(self.oldest).map(|s| String::from(&*s.table)) {
                self.forget(&oldest);
            }
        }
        let slot = Slot {
            table: Box::from(table),
            names: names.iter().map(|n| String::from(*n)).collect(),
            source,
            newer: NONE,
            older: NONE,
        };
        let i = match self.free.pop() {
            Some(i) => {
                if let Some(free) = self.slot_mut(i) {
                    *free = slot;
                }
                i
            }
            None => {
                self.slots.push(slot);
                // Below NONE: the capacity is.
                (self.slots.len() - 1) as u32
            }
        };
        let at = self.find(table).unwrap_or_else(|at| at);
        self.by_table.insert(at, i);
        self.push_newest(i);
    }

    // -- recency -------------------------------------------------------------

    /// Marks the table a put writes (`{TableName, ...}`) as used.
    fn touch_named(&mut self, write: &Value) {
        if let Some(table) = write.get("TableName").and_then(Value::as_str) {
            self.touch(table);
        }
    }

    fn touch(&mut self, table: &str) {
        let Some(table) = table_name(table) else {
            return;
        };
        if let Some(&i) = self.find(table).ok().and_then(|at| self.by_table.get(at)) {
            self.touch_slot(i);
        }
    }

    fn touch_slot(&mut self, i: u32) {
        if self.newest != i {
            self.unlink(i);
            self.push_newest(i);
        }
    }

    fn unlink(&mut self, i: u32) {
        let Some((newer, older)) = self.slot(i).map(|s| (s.newer, s.older)) else {
            return;
        };
        match self.slot_mut(newer) {
            Some(slot) => slot.older = older,
            None => self.newest = older,
        }
        match self.slot_mut(older) {
            Some(slot) => slot.newer = newer,
            None => self.oldest = newer,
        }
    }

    fn push_newest(&mut self, i: u32) {
        let newest = self.newest;
        if let Some(slot) = self.slot_mut(i) {
            slot.newer = NONE;
            slot.older = newest;
        }
        match self.slot_mut(newest) {
            Some(slot) => slot.newer = i,
            None => self.oldest = i,
        }
        self.newest = i;
    }

    // -- slots ---------------------------------------------------------------

    fn find(&self, table: &str) -> Result<usize, usize> {
        self.by_table.binary_search_by(|&i| {
            self.slot(i)
                .map_or(Ordering::Less, |s| s.table.as_ref().cmp(table))
        })
    }

    fn slot(&self, i: u32) -> Option<&Slot> {
        self.slots.get(usize::try_from(i).ok()?)
    }

    fn slot_mut(&mut self, i: u32) -> Option<&mut Slot> {
        self.slots.get_mut(usize::try_from(i).ok()?)
    }
}

/// A keyed request's `TableName` (a name or an ARN) and `Key`.
fn table_and_key<'v>(write: &'v Value<'v>) -> Option<(&'v str, &'v Value<'v>)> {
    let table = write.get("TableName")?.as_str()?;
    Some((table, write.get("Key")?))
}

/// The table description a response holds under `field` (`Table` or
/// `TableDescription`), wherever the SDK put it.
fn described<'v>(response: &'v Value<'v>, field: &str) -> Option<&'v Value<'v>> {
    sdk_output(response, field).get(field)
}

/// `RequestItems`: table (name or ARN) and what the request does to it.
/// Collected (the registry learns outside a call's arena): one reading of
/// members serves both batch calls.
fn request_items<'v>(request: &'v Value<'v>) -> Vec<(&'v str, &'v Value<'v>)> {
    request
        .get("RequestItems")
        .and_then(Value::members)
        .unwrap_or_default()
}

fn transact_items<'v>(request: &'v Value<'v>) -> &'v [Value<'v>] {
    request
        .get("TransactItems")
        .and_then(Value::as_array)
        .unwrap_or_default()
}

/// The same names, in any order.
fn same_names<A: AsRef<str>, B: AsRef<str>>(a: &[A], b: &[B]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| y.as_ref() == x.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    fn json(text: &str) -> Value<'_> {
        Value::from_json(text.as_bytes()).unwrap()
    }

    fn op(service: &str, name: &str) -> Operation {
        Operation::parse(service, name).unwrap()
    }

    fn names(registry: &KeyRegistry, table: &str) -> Option<(Vec<String>, KeySource)> {
        registry
            .learned(table)
            .map(|(names, source)| (names.to_vec(), source))
    }

    fn owned(names: &[&str], source: KeySource) -> Option<(Vec<String>, KeySource)> {
        Some((names.iter().map(|n| String::from(*n)).collect(), source))
    }

    const OK: &str = "{}";

    #[test]
    fn key_schema_of_every_table_description() {
        let mut r = KeyRegistry::new();
        let created = json(
            r#"{"TableDescription": {"TableName": "orders", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}}"#,
        );
        r.observe(op("dynamodb", "CreateTable"), &json(OK), &created);
        assert_eq!(
            names(&r, "orders"),
            owned(&["pk", "sk"], KeySource::KeySchema)
        );
        // DescribeTable's `Table`, in a JavaScript v2 response's `data`.
        let described = json(
            r#"{"data": {"Table": {"TableName": "users", "KeySchema": [{"KeyType": "HASH", "AttributeName": "id"}]}}}"#,
        );
        r.observe(op("dynamodb", "describeTable"), &json(OK), &described);
        assert_eq!(names(&r, "users"), owned(&["id"], KeySource::KeySchema));
        let updated = json(
            r#"{"TableDescription": {"TableName": "users", "KeySchema": [{"AttributeName": "uid", "KeyType": "HASH"}]}}"#,
        );
        r.observe(op("dynamodb", "UpdateTableCommand"), &json(OK), &updated);
        assert_eq!(names(&r, "users"), owned(&["uid"], KeySource::KeySchema));
        r.observe(op("dynamodb", "DeleteTable"), &json(OK), &created);
        assert_eq!(names(&r, "orders"), None);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn schemas_that_are_no_key_teach_nothing() {
        let mut r = KeyRegistry::new();
        for schema in [
            r#"[]"#,
            r#"[{"AttributeName": "a", "KeyType": "RANGE"}]"#,
            r#"[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "HASH"}]"#,
            r#"[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "RANGE"}]"#,
            r#"[{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}, {"AttributeName": "c", "KeyType": "RANGE"}]"#,
            r#"[{"AttributeName": "", "KeyType": "HASH"}]"#,
            r#"[{"AttributeName": 1, "KeyType": "HASH"}]"#,
            r#"[{"KeyType": "HASH"}]"#,
            r#""pk""#,
        ] {
            let response = format!(r#"{{"Table": {{"TableName": "t-1", "KeySchema": {schema}}}}}"#);
            r.observe(op("dynamodb", "DescribeTable"), &json(OK), &json(&response));
            assert!(r.is_empty(), "{schema}");
        }
        let long = "n".repeat(256);
        let response = format!(
            r#"{{"Table": {{"TableName": "t-1", "KeySchema": [{{"AttributeName": "{long}", "KeyType": "HASH"}}]}}}}"#
        );
        r.observe(op("dynamodb", "DescribeTable"), &json(OK), &json(&response));
        assert!(r.is_empty());
        // Table names DynamoDB would refuse.
        for table in ["ab", "a b c", "tä-ble", "x/y"] {
            let response = format!(
                r#"{{"Table": {{"TableName": "{table}", "KeySchema": [{{"AttributeName": "id", "KeyType": "HASH"}}]}}}}"#
            );
            r.observe(op("dynamodb", "DescribeTable"), &json(OK), &json(&response));
            assert!(r.is_empty(), "{table}");
        }
    }

    #[test]
    fn names_of_accepted_keys() {
        let mut r = KeyRegistry::new();
        let get = json(
            r#"{"TableName": "arn:aws:dynamodb:us-east-1:1:table/orders", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}"#,
        );
        r.observe(op("dynamodb", "GetItem"), &get, &json(OK));
        assert_eq!(names(&r, "orders"), owned(&["pk", "sk"], KeySource::Key));
        let batch = json(
            r#"{"RequestItems": {"a-1": {"Keys": [{"id": "x"}], "ProjectionExpression": "id"}, "b-1": {"Keys": []}}}"#,
        );
        r.observe(op("dynamodb", "batchGet"), &batch, &json(OK));
        assert_eq!(names(&r, "a-1"), owned(&["id"], KeySource::Key));
        let transact = json(
            r#"{"TransactItems": [{"Get": {"TableName": "c-1", "Key": {"k": {"B": "AA=="}}}}]}"#,
        );
        r.observe(op("dynamodb", "TransactGetItems"), &transact, &json(OK));
        assert_eq!(names(&r, "c-1"), owned(&["k"], KeySource::Key));
        let writes = json(
            r#"{"TransactItems": [{"Put": {"TableName": "d-1", "Item": {"x": 1}}}, {"ConditionCheck": {"TableName": "e-1", "Key": {"e": 1}}}, {"Update": {"TableName": "f-1", "Key": {"f": 1, "g": 2}}}]}"#,
        );
        r.observe(op("dynamodb", "TransactWriteItems"), &writes, &json(OK));
        assert_eq!(names(&r, "d-1"), None, "an item does not say its key");
        assert_eq!(names(&r, "e-1"), owned(&["e"], KeySource::Key));
        assert_eq!(names(&r, "f-1"), owned(&["f", "g"], KeySource::Key));
        let batch_write = json(
            r#"{"RequestItems": {"g-1": [{"PutRequest": {"Item": {"a": 1, "b": 2}}}, {"DeleteRequest": {"Key": {"h": 1}}}]}}"#,
        );
        r.observe(op("dynamodb", "BatchWriteItem"), &batch_write, &json(OK));
        assert_eq!(names(&r, "g-1"), owned(&["h"], KeySource::Key));
        // A failed call, three names, a bad table name: nothing.
        let failed = json(r#"{"Error": {"Code": "ValidationException"}}"#);
        let other = json(r#"{"TableName": "z-1", "Key": {"q": 1}}"#);
        r.observe(op("dynamodb", "UpdateItem"), &other, &failed);
        r.observe(
            op("dynamodb", "DeleteItem"),
            &json(r#"{"TableName": "z-1", "Key": {"a": 1, "b": 2, "c": 3}}"#),
            &json(OK),
        );
        r.observe(
            op("dynamodb", "GetItem"),
            &json(r#"{"TableName": "", "Key": {"a": 1}}"#),
            &json(OK),
        );
        r.observe(op("s3", "PutObject"), &other, &json(OK));
        assert_eq!(names(&r, "z-1"), None);
        assert_eq!(r.len(), 6);
    }

    #[test]
    fn trust_and_change() {
        let mut r = KeyRegistry::new();
        let schema = json(
            r#"{"Table": {"TableName": "t-1", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}}"#,
        );
        r.observe(
            op("dynamodb", "GetItem"),
            &json(r#"{"TableName": "t-1", "Key": {"sk": 1, "pk": 2}}"#),
            &json(OK),
        );
        assert_eq!(names(&r, "t-1"), owned(&["sk", "pk"], KeySource::Key));
        r.observe(op("dynamodb", "DescribeTable"), &json(OK), &schema);
        // The same names: the schema is named as their source.
        assert_eq!(names(&r, "t-1"), owned(&["sk", "pk"], KeySource::KeySchema));
        r.observe(
            op("dynamodb", "GetItem"),
            &json(r#"{"TableName": "t-1", "Key": {"pk": 1, "sk": 2}}"#),
            &json(OK),
        );
        assert_eq!(names(&r, "t-1").unwrap().1, KeySource::KeySchema);
        // The service accepted another key: the table changed.
        r.observe(
            op("dynamodb", "GetItem"),
            &json(r#"{"TableName": "t-1", "Key": {"id": 1}}"#),
            &json(OK),
        );
        assert_eq!(names(&r, "t-1"), owned(&["id"], KeySource::Key));
    }

    #[test]
    fn a_key_of_the_newest_table_is_compared_name_by_name() {
        let mut r = KeyRegistry::new();
        let get = |key: &str| format!(r#"{{"TableName": "t-1", "Key": {key}}}"#);
        for (key, learned) in [
            (r#"{"pk": 1, "sk": 2}"#, &["pk", "sk"][..]),
            (r#"{"sk": 1, "pk": 2}"#, &["pk", "sk"]),
            (r#"{"pk": 1, "other": 2}"#, &["other", "pk"]),
            (r#"{"other": 1, "pk": 2}"#, &["other", "pk"]),
            (r#"{"pk": 1, "pk": 2}"#, &["pk"]),
            (r#"{"pk": 1}"#, &["pk"]),
            (r#"{"sk": 1}"#, &["sk"]),
            (r#"{"sk": 1, "sk": 2}"#, &["sk"]),
        ] {
            r.observe(op("dynamodb", "GetItem"), &json(&get(key)), &json(OK));
            let (mut names, source) = names(&r, "t-1").unwrap();
            names.sort();
            assert_eq!(
                (names, source),
                (owned(learned, KeySource::Key).unwrap()),
                "{key}"
            );
        }
        assert_eq!(r.len(), 1);
        // A failed call teaches nothing, whether its key repeats the
        // newest table's or not (the first is not even read as failed).
        let failed = json(r#"{"Error": {"Code": "ValidationException"}}"#);
        for key in [r#"{"sk": 1}"#, r#"{"pk": 1, "sk": 2}"#] {
            r.observe(op("dynamodb", "UpdateItem"), &json(&get(key)), &failed);
            assert_eq!(names(&r, "t-1"), owned(&["sk"], KeySource::Key), "{key}");
        }
    }

    #[test]
    fn resolve_and_the_configuration() {
        let mut r = KeyRegistry::new();
        let config = Config::from_json(r#"{"t-1": ["pk"], "t-2": ["id"], "t-3": ["b", "a"]}"#);
        assert_eq!(r.resolve("t-0", &config), None);
        let configured = r.resolve("t-1", &config).unwrap();
        assert_eq!(
            (configured.names, configured.source, configured.overridden),
            (&[String::from("pk")][..], KeySource::Configuration, None)
        );
        r.observe(
            op("dynamodb", "GetItem"),
            &json(r#"{"TableName": "t-1", "Key": {"pk": 1, "sk": 2}}"#),
            &json(OK),
        );
        r.observe(
            op("dynamodb", "GetItem"),
            &json(r#"{"TableName": "t-3", "Key": {"a": 1, "b": 2}}"#),
            &json(OK),
        );
        let learned = r.resolve("t-1", &config).unwrap();
        assert_eq!(learned.names, &[String::from("pk"), String::from("sk")][..]);
        assert_eq!(learned.source, KeySource::Key);
        assert_eq!(learned.overridden, Some(&[String::from("pk")][..]));
        // The same names in another order are no conflict.
        assert_eq!(r.resolve("t-3", &config).unwrap().overridden, None);
        assert_eq!(
            r.resolve("t-2", &config).unwrap().source,
            KeySource::Configuration
        );
    }

    #[test]
    fn least_recently_used_tables_go_first() {
        let mut r = KeyRegistry::with_capacity(3);
        let teach = |r: &mut KeyRegistry, table: &str| {
            let request = format!(r#"{{"TableName": "{table}", "Key": {{"id": 1}}}}"#);
            r.observe(op("dynamodb", "GetItem"), &json(&request), &json(OK));
        };
        let put = |r: &mut KeyRegistry, table: &str| {
            let request = format!(r#"{{"TableName": "{table}", "Item": {{"id": 1}}}}"#);
            r.observe(op("dynamodb", "PutItem"), &json(&request), &json(OK));
        };
        for table in ["t-a", "t-b", "t-c"] {
            teach(&mut r, table);
        }
        put(&mut r, "t-a"); // used: t-b is now the oldest
        teach(&mut r, "t-d");
        assert!(r.learned("t-b").is_none());
        assert!(r.learned("t-a").is_some() && r.learned("t-c").is_some());
        teach(&mut r, "t-e");
        assert!(r.learned("t-c").is_none());
        r.forget("t-a");
        teach(&mut r, "t-f"); // takes the forgotten slot
        assert_eq!(r.len(), 3);
        assert_eq!(r.slots.len(), 3);
        for table in ["t-d", "t-e", "t-f"] {
            assert!(r.learned(table).is_some(), "{table}");
        }
        r.clear();
        assert!(r.is_empty());
        assert!(KeyRegistry::with_capacity(0).is_empty());
    }

    #[test]
    fn a_hundred_thousand_tables_keep_the_bound() {
        let mut r = KeyRegistry::new();
        for n in 0..100_000 {
            let request =
                format!(r#"{{"TableName": "table-{n:06}", "Key": {{"pk": 1, "sk-{n}": 2}}}}"#);
            r.observe(op("dynamodb", "UpdateItem"), &json(&request), &json(OK));
            assert!(r.len() <= CAPACITY);
        }
        assert_eq!(r.len(), CAPACITY);
        assert_eq!(r.slots.len(), CAPACITY);
        assert!(r.learned("table-095903").is_none());
        let newest = r.learned("table-099999").unwrap();
        assert_eq!(
            newest.0,
            &[String::from("pk"), String::from("sk-99999")][..]
        );
        // The recency list holds every slot once, newest to oldest.
        let mut seen = vec![false; CAPACITY];
        let mut at = r.newest;
        let mut count = 0;
        while let Some(slot) = r.slot(at) {
            assert!(!core::mem::replace(&mut seen[at as usize], true));
            at = slot.older;
            count += 1;
        }
        assert_eq!(count, CAPACITY);
    }
}
