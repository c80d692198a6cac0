//! The key-name registry of a shipped module is bounded: 100,000 tables
//! pass through an instance (each named by a DescribeTable response, the
//! longest names DynamoDB takes), and once it holds as many tables as it
//! keeps, linear memory grows no more; the tables used last are the ones
//! kept.

use serde_json::json;
use span_autolink_harness::host::{Host, InPlace, Limits};
use std::path::PathBuf;

const TABLES: usize = 100_000;

/// A table name of 255 characters (DynamoDB's longest) ending in `n`.
fn table(n: usize) -> String {
    format!("{}-{n:06}", "t".repeat(255 - 7))
}

/// An attribute name of 255 bytes (the longest of a key attribute).
fn attribute(n: usize, which: &str) -> String {
    format!("{which}{}{n:06}", "é".repeat((255 - 8) / 2))
}

fn described(n: usize) -> Vec<u8> {
    json!({"service": "dynamodb", "operation": "DescribeTable", "request": {"TableName": table(n)},
           "response": {"Table": {"TableName": table(n), "KeySchema": [
               {"AttributeName": attribute(n, "h"), "KeyType": "HASH"},
               {"AttributeName": attribute(n, "r"), "KeyType": "RANGE"}]}}})
    .to_string()
    .into_bytes()
}

fn put(n: usize) -> Vec<u8> {
    json!({"service": "dynamodb", "operation": "PutItem", "request": {"TableName": table(n), "Item": {
        attribute(n, "h"): {"S": "a"}, attribute(n, "r"): {"N": "1"}}}, "response": {}})
    .to_string()
    .into_bytes()
}

#[test]
fn a_hundred_thousand_tables_and_flat_memory() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for (module, target) in [
        (
            "bindings/python/span_autolink/span_autolink.wasm",
            "py-package",
        ),
        ("bindings/js/pkg/span_autolink_bg.wasm", "js-package"),
    ] {
        let mut host = Host::load(&root.join(module), target, Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let start = host.memory_bytes();
        let mut buffers = InPlace::default();
        let mut samples = Vec::new();
        for n in 0..TABLES {
            let answer = host
                .call_in_place("sa_pointers_for_response", &described(n), &mut buffers)
                .expect("no trap");
            assert_eq!(answer.output, "");
            if (n + 1) % 10_000 == 0 {
                samples.push(host.memory_bytes());
            }
        }
        println!(
            "{module}: linear memory {start} bytes at the start, after every 10,000 tables {samples:?}"
        );
        // Filled (4,096 tables) long before the first sample: from then on
        // memory stays as it is.
        assert!(samples.iter().all(|&m| m == samples[0]), "{samples:?}");
        assert!(
            samples[0] - start <= 8 << 20,
            "the registry took {} bytes",
            samples[0] - start
        );
        // The newest tables link; the oldest were forgotten and say so.
        let newest = host
            .call("sa_pointers_for_response", &put(TABLES - 1))
            .unwrap();
        assert!(
            newest.output.starts_with("p aws.dynamodb.item d "),
            "{}",
            newest.output
        );
        let oldest = host.call("sa_pointers_for_response", &put(0)).unwrap();
        assert!(
            oldest.output.starts_with("i table_not_configured "),
            "{}",
            oldest.output
        );
        assert!(oldest.output.ends_with(&format!("\nt {}\n", table(0))));
        assert_eq!(host.memory_bytes(), samples[0]);
    }
}
