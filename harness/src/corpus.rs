//! A deterministic corpus of cases for the cross-host identity check:
//! S3 and DynamoDB responses and events of every kind, with unicode,
//! URL-encoded, binary and numeric edge cases mixed in. One seed, one
//! corpus, on every machine.
//!
//! Cases use the format of `conformance/cases.json`, without `expect`:
//! every host computes its answer and the answers are compared.

use serde_json::{json, Map, Value};

/// xorshift64*: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Stands for a lone surrogate, which a Rust string cannot hold: [`text`]
/// writes it into the corpus as the JSON escape `\udce9`, which every host
/// reads its own way (a lone UTF-16 unit in Node.js, a lone code point in
/// Python, U+FFFD in the core) and must agree on.
pub const LONE_SURROGATE: char = '\u{e000}';

const KEY_PIECES: &[&str] = &[
    "caf\u{e000}",
    "photos",
    "2026",
    "a b",
    "c+d",
    "50%",
    "x=y&z",
    "(1)",
    "café",
    "naïve",
    "日本語",
    "🚀",
    "emoji 🎉 file",
    "dir/",
    "//",
    ".",
    "~tilde",
    "semi;colon",
    "comma,",
    "quote'",
    "[brackets]",
    "{braces}",
    "tab\t",
    "ü",
    "ß",
    "€",
    "%2B",
    "%zz",
    "+",
    " ",
    "#hash",
    "?q",
    "@at",
    "$dollar",
    "back\\slash",
];
const BUCKETS: &[&str] = &[
    "photo-uploads",
    "reports-bucket",
    "a.b.c",
    "my-bucket-123",
    "x",
    "bücket",
];
const TABLES: &[&str] = &[
    "orders",
    "users",
    "blobs",
    "Ünïcode-Table",
    "t.with.dots",
    "t_1",
];
const PARTITIONS: &[&str] = &["aws", "aws-cn", "aws-us-gov", "aws-iso"];
const ATTRS: &[&str] = &[
    "id",
    "pk",
    "sk",
    "customerId",
    "orderId",
    "Z",
    "a",
    "é",
    "z",
    "😀",
    "名前",
    "a b",
];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "00042",
    "1.50",
    "+1e2",
    "1.5E-3",
    ".5",
    "5.",
    "1e125",
    "1e126",
    "1e-130",
    "1e-131",
    "99999999999999999999999999999999999999",
    "999999999999999999999999999999999999999",
    "1e999999999",
    "NaN",
    "Infinity",
    " 1",
    "1.2.3",
    "0x10",
    "-",
    "1e",
    "123.4560",
    "-7",
    "3.14159",
    "1E+10",
    "0.000001",
    "12345678901234567890",
];
const PLAIN_NUMBERS: &[&str] = &[
    "0",
    "42",
    "1.5",
    "1.50",
    "-7",
    "1e2",
    "0.25",
    "123456789012345",
    "7.0",
];
const ETAGS: &[&str] = &[
    "\"9b2cf535f27731c974343645a3985328\"",
    "9b2cf535f27731c974343645a3985328",
    "\"6c9a4e3b2d7f1e0a8b5c4d3e2f1a0b9c-9\"",
    "abc-5",
    "\"\"",
    "",
    "\"a\"b\"",
    "\"é\"",
    "\"unterminated",
];
/// Change times as events write them: RFC 3339 text (to the nanosecond,
/// beyond what a double holds exactly), seconds with a fraction, and what
/// no time rule reads.
const TIMES: &[&str] = &[
    "2026-11-20T10:15:30.123Z",
    "2026-11-20T10:15:30Z",
    "2026-11-20T10:15:30.123456789Z",
    "2026-11-20T11:15:30.5+01:00",
    "1970-01-01T00:00:00.000Z",
    "not a time",
];
const SECONDS: &[&str] = &[
    "1763633730",
    "1763633731.2",
    "1763633730.123456789",
    "1.7636337305E9",
    "-5",
];
const BASE64: &[&str] = &["AAECAwT/", "", "aGVsbG8=", "not base64!", "AAE", "////"];

fn form_encode(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

struct Gen {
    rng: Rng,
}

impl Gen {
    fn key(&mut self) -> String {
        let n = 1 + self.rng.below(4);
        (0..n)
            .map(|_| *self.rng.pick(KEY_PIECES))
            .collect::<Vec<_>>()
            .join(if self.rng.chance(50) { "/" } else { "" })
    }

    fn bytes(&mut self) -> Vec<u8> {
        (0..1 + self.rng.below(12))
            .map(|_| self.rng.next_u64() as u8)
            .collect()
    }

    fn table_name(&mut self) -> String {
        let table = self.rng.pick(TABLES).to_string();
        match self.rng.below(10) {
            0 => format!(
                "arn:{}:dynamodb:us-east-1:123456789012:table/{table}",
                self.rng.pick(PARTITIONS)
            ),
            1 if self.rng.chance(20) => String::new(),
            _ => table,
        }
    }

    /// A key value as a producer's SDK hands it over.
    fn producer_value(&mut self) -> Value {
        match self.rng.below(10) {
            0..=2 => json!({"S": self.key()}),
            3..=4 => json!({"N": self.rng.pick(NUMBERS)}),
            5 => json!({"B": {"$bytes": base64(&self.bytes())}}),
            6 => json!({"B": self.rng.pick(BASE64)}),
            7 => Value::String(self.key()),
            8 => {
                let text: &&str = self.rng.pick(PLAIN_NUMBERS);
                number(text)
            }
            _ => match self.rng.below(4) {
                0 => json!({"BOOL": true}),
                1 => json!({"S": 5}),
                2 => json!({"SS": ["a"]}),
                _ => json!({"$bytes": base64(&self.bytes())}),
            },
        }
    }

    /// A key value as a stream record shows it.
    fn consumer_value(&mut self) -> Value {
        match self.rng.below(6) {
            0..=2 => json!({"S": self.key()}),
            3..=4 => json!({"N": self.rng.pick(NUMBERS)}),
            _ => {
                json!({"B": if self.rng.chance(80) { base64(&self.bytes()) } else { self.rng.pick(BASE64).to_string() }})
            }
        }
    }

    fn key_map(&mut self, producer: bool) -> Map<String, Value> {
        let n = match self.rng.below(20) {
            0 => 0,
            1 => 3,
            2..=9 => 1,
            _ => 2,
        };
        let mut map = Map::new();
        for _ in 0..n {
            let name = self.rng.pick(ATTRS).to_string();
            let value = if producer {
                self.producer_value()
            } else {
                self.consumer_value()
            };
            map.insert(name, value);
        }
        map
    }

    fn config(&mut self) -> Value {
        match self.rng.below(40) {
            // Not an object at all.
            0 => return json!(["orders", "id"]),
            // Longer than any output before: the module's output buffer moves.
            1 => {
                let mut map = Map::new();
                for t in 0..200 {
                    map.insert(format!("table-{t}-{}", "x".repeat(60)), json!("id"));
                }
                return Value::Object(map);
            }
            _ => {}
        }
        let mut map = Map::new();
        for table in TABLES {
            match self.rng.below(6) {
                0 => {}
                1 => {
                    map.insert(table.to_string(), json!([self.rng.pick(ATTRS)]));
                }
                2 => {
                    let bad = self
                        .rng
                        .pick(&[json!(["a", "a"]), json!("id"), json!([]), json!([1])])
                        .clone();
                    map.insert(table.to_string(), bad);
                }
                _ => {
                    map.insert(
                        table.to_string(),
                        json!([self.rng.pick(ATTRS), self.rng.pick(ATTRS)]),
                    );
                }
            }
        }
        Value::Object(map)
    }

    fn item(&mut self) -> Map<String, Value> {
        let mut item = self.key_map(true);
        for _ in 0..self.rng.below(3) {
            let name = self.rng.pick(ATTRS).to_string();
            item.insert(name, self.producer_value());
        }
        item.insert(
            "payload".into(),
            json!({"S": "x".repeat(self.rng.below(40))}),
        );
        item
    }

    fn s3_response(&mut self, i: usize) -> Value {
        let ops = [
            "PutObject",
            "putObject",
            "PutObjectCommand",
            "CompleteMultipartUpload",
            "completeMultipartUploadCommand",
            "CopyObject",
            "GetObject",
        ];
        let op = *self.rng.pick(&ops);
        let mut request =
            json!({"Bucket": self.rng.pick(BUCKETS), "Key": self.key(), "Body": "body bytes"});
        if self.rng.chance(5) {
            request.as_object_mut().unwrap().remove("Key");
        }
        let etag = self.rng.pick(ETAGS).to_string();
        let mut output = if op.starts_with("Copy") || op.starts_with("copy") {
            json!({"CopyObjectResult": {"ETag": etag, "LastModified": "2026-11-20T10:15:30.000Z"}})
        } else {
            json!({"ETag": etag, "VersionId": "v1"})
        };
        match self.rng.below(20) {
            0 => output = json!({}),
            1 => {
                output = json!({"Error": {"Code": "NoSuchBucket"}, "ResponseMetadata": {"HTTPStatusCode": 404}})
            }
            2 => {
                output["$metadata"] =
                    json!({"httpStatusCode": *self.rng.pick(&[200, 204, 301, 500])})
            }
            _ => {}
        }
        let response = match self.rng.below(20) {
            0..=4 => json!({"data": output}),
            5 => Value::Null,
            _ => output,
        };
        let service = *self.rng.pick(&["s3", "S3"]);
        let mut case = json!({"name": format!("s3_response_{i}"), "kind": "response", "service": service, "operation": op, "request": request, "response": response});
        // Configurations change between calls of every kind, those that
        // consult none included.
        if self.rng.chance(30) {
            case["config"] = self.config();
        }
        case
    }

    fn ddb_response(&mut self, i: usize) -> Value {
        let ops = [
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchWriteItem",
            "TransactWriteItems",
            "putItem",
            "UpdateItemCommand",
            "GetItem",
            // Calls that teach a table's key names, or look alike and do not.
            "DescribeTable",
            "CreateTableCommand",
            "Query",
        ];
        let op = *self.rng.pick(&ops);
        let (request, response) = match op.trim_end_matches("Command").to_ascii_lowercase().as_str()
        {
            "putitem" => (
                json!({"TableName": self.table_name(), "Item": self.item()}),
                json!({}),
            ),
            "batchwriteitem" => {
                let mut items = Map::new();
                let mut unprocessed = Map::new();
                for _ in 0..1 + self.rng.below(3) {
                    let table = self.rng.pick(TABLES).to_string();
                    let mut writes = Vec::new();
                    for _ in 0..1 + self.rng.below(4) {
                        let write = if self.rng.chance(50) {
                            json!({"PutRequest": {"Item": self.item()}})
                        } else {
                            json!({"DeleteRequest": {"Key": self.key_map(true)}})
                        };
                        if self.rng.chance(15) {
                            unprocessed
                                .entry(table.clone())
                                .or_insert_with(|| json!([]))
                                .as_array_mut()
                                .unwrap()
                                .push(write.clone());
                        }
                        writes.push(write);
                    }
                    items.insert(table, Value::Array(writes));
                }
                (
                    json!({"RequestItems": items}),
                    json!({"UnprocessedItems": unprocessed}),
                )
            }
            "transactwriteitems" => {
                let mut list = Vec::new();
                for _ in 0..1 + self.rng.below(4) {
                    list.push(match self.rng.below(4) {
                        0 => json!({"Put": {"TableName": self.table_name(), "Item": self.item()}}),
                        1 => json!({"Update": {"TableName": self.table_name(), "Key": self.key_map(true)}}),
                        2 => json!({"Delete": {"TableName": self.table_name(), "Key": self.key_map(true)}}),
                        _ => json!({"ConditionCheck": {"TableName": self.table_name(), "Key": self.key_map(true)}}),
                    });
                }
                (json!({"TransactItems": list}), json!({}))
            }
            "describetable" | "createtable" => {
                let table = self.table_name();
                let mut schema = Vec::new();
                for kind in ["HASH", "RANGE", "RANGE"].iter().take(self.rng.below(4)) {
                    schema.push(json!({"AttributeName": self.rng.pick(ATTRS), "KeyType": kind}));
                }
                let description =
                    json!({"TableName": table, "KeySchema": schema, "TableStatus": "ACTIVE"});
                let field = if op.starts_with("Describe") {
                    "Table"
                } else {
                    "TableDescription"
                };
                (json!({"TableName": table}), json!({ field: description }))
            }
            _ => (
                json!({"TableName": self.table_name(), "Key": self.key_map(true)}),
                json!({}),
            ),
        };
        let mut case = json!({"name": format!("ddb_response_{i}"), "kind": "response", "service": "dynamodb", "operation": op, "request": request, "response": response});
        if self.rng.chance(85) {
            case["config"] = self.config();
        }
        case
    }

    fn s3_notification(&mut self) -> Value {
        let mut records = Vec::new();
        for _ in 0..1 + self.rng.below(3) {
            let key = self.key();
            let encoded = match self.rng.below(20) {
                0 => format!("{key}%"),
                1 => "%C3".to_owned(),
                _ => form_encode(&key),
            };
            let name = *self.rng.pick(&[
                "ObjectCreated:Put",
                "ObjectCreated:Copy",
                "ObjectCreated:CompleteMultipartUpload",
                "ObjectRemoved:Delete",
            ]);
            let etag = self.rng.pick(ETAGS).trim_matches('"').to_owned();
            let mut record = json!({
                "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": name,
                "s3": {"bucket": {"name": self.rng.pick(BUCKETS)}, "object": {"key": encoded, "eTag": etag, "size": 1}}
            });
            if self.rng.chance(70) {
                record["eventTime"] = json!(self.rng.pick(TIMES));
            }
            records.push(record);
        }
        json!({"Records": records})
    }

    fn eventbridge(&mut self) -> Value {
        json!({
            "version": "0", "detail-type": "Object Created", "source": "aws.s3",
            "detail": {"bucket": {"name": self.rng.pick(BUCKETS)}, "object": {"key": form_encode(&self.key()), "etag": self.rng.pick(ETAGS).trim_matches('"')}}
        })
    }

    fn s3_event(&mut self, i: usize) -> Value {
        let sqs = |body: String| json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m", "body": body}]});
        let envelope = |message: String| {
            json!({"Type": "Notification", "MessageId": "n", "Message": message}).to_string()
        };
        let event = match self.rng.below(8) {
            0 | 1 => self.s3_notification(),
            2 => sqs(self.s3_notification().to_string()),
            3 => {
                json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": self.s3_notification().to_string()}}]})
            }
            4 => sqs(envelope(self.s3_notification().to_string())),
            5 => self.eventbridge(),
            6 => sqs(self.eventbridge().to_string()),
            _ => sqs(
                json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}).to_string(),
            ),
        };
        json!({"name": format!("s3_event_{i}"), "kind": "event", "event": event})
    }

    fn ddb_event(&mut self, i: usize) -> Value {
        let mut records = Vec::new();
        // Up to nine: the module hashes pointers four at a time, and the
        // records of an event fill its lanes, overflow them and leave a rest.
        for _ in 0..1 + self.rng.below(9) {
            let table = self.rng.pick(TABLES);
            let name = *self.rng.pick(&["INSERT", "MODIFY", "REMOVE", "OTHER"]);
            let keys = self.key_map(false);
            let record = if self.rng.chance(25) {
                let mut data = json!({"tableName": table, "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": {"Keys": keys}});
                if self.rng.chance(50) {
                    data["dynamodb"]["ApproximateCreationDateTime"] = number(
                        self.rng
                            .pick::<&str>(&["1763633731123", "1763633731123456"]),
                    );
                    if self.rng.chance(50) {
                        data["dynamodb"]["ApproximateCreationDateTimePrecision"] =
                            json!("MICROSECOND");
                    }
                }
                let mut kinesis = json!({"data": base64(data.to_string().as_bytes())});
                if self.rng.chance(70) {
                    kinesis["approximateArrivalTimestamp"] = number(self.rng.pick::<&str>(SECONDS));
                }
                json!({"eventSource": "aws:kinesis", "kinesis": kinesis})
            } else {
                let arn = if self.rng.chance(5) {
                    format!("arn:aws:dynamodb:us-east-1:123456789012:table/{table}")
                } else {
                    format!("arn:{}:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-11-01T00:00:00.000", self.rng.pick(PARTITIONS))
                };
                let mut record = json!({"eventSource": "aws:dynamodb", "eventName": name, "eventSourceARN": arn, "dynamodb": {"Keys": keys, "NewImage": {"x": {"S": "y"}}}});
                if self.rng.chance(70) {
                    record["dynamodb"]["ApproximateCreationDateTime"] =
                        number(self.rng.pick::<&str>(SECONDS));
                }
                record
            };
            records.push(record);
        }
        json!({"name": format!("ddb_event_{i}"), "kind": "event", "event": {"Records": records}})
    }

    fn unrelated(&mut self, i: usize) -> Value {
        let event = match self.rng.below(5) {
            0 => json!({"httpMethod": "GET", "path": "/", "body": null}),
            1 => json!({"Records": [{"eventSource": "aws:sqs", "body": "plain text message"}]}),
            2 => {
                json!({"Records": [{"eventSource": "aws:kinesis", "kinesis": {"data": base64(b"not json")}}]})
            }
            3 => json!([1, 2, 3]),
            _ => json!({"Records": "not a list"}),
        };
        json!({"name": format!("unrelated_{i}"), "kind": "event", "event": event})
    }
}

/// The corpus as JSON text, lone surrogates written in.
pub fn text(corpus: &Value) -> String {
    let text = serde_json::to_string(corpus).unwrap_or_default();
    text.replace(LONE_SURROGATE, "\\udce9")
}

/// `count` cases from `seed`.
pub fn generate(seed: u64, count: usize) -> Value {
    let mut g = Gen {
        rng: Rng::new(seed),
    };
    let mut cases = Vec::with_capacity(count);
    for i in 0..count {
        cases.push(match i % 10 {
            0..=1 => g.s3_response(i),
            2..=4 => g.ddb_response(i),
            5..=6 => g.s3_event(i),
            7..=8 => g.ddb_event(i),
            _ => g.unrelated(i),
        });
    }
    json!({"seed": seed, "cases": cases})
}
