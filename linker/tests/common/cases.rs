//! The matching cases of SPEC section 10 and issue 19 as inputs, so that
//! each store can be held to the same answers.
#![allow(dead_code)]

use super::*;

pub const SKEW: u64 = 2 * SECOND;

/// The item is written at 10 s, 20 s and 30 s; each stream record's
/// ApproximateCreationDateTime falls just before its write's span ended.
pub fn repeated_writes() -> Vec<u8> {
    let mut spans = Vec::new();
    for (i, at) in [10, 20, 30].into_iter().enumerate() {
        let end = T0 + at * SECOND + 50_000_000;
        spans.push(otlp_span(
            &trace(i as u8),
            &span(i as u8),
            end - 80_000_000,
            end,
            vec![otlp_pointer(DYNAMODB, "d", HASH_A, None)],
        ));
        spans.push(otlp_span(
            &trace(10 + i as u8),
            &span(10 + i as u8),
            end + 900_000_000,
            end + SECOND,
            vec![otlp_pointer(DYNAMODB, "u", HASH_A, Some(T0 + at * SECOND))],
        ));
    }
    otlp_document(spans)
}

/// Same bucket, key and ETag: one hash. No change time, so the consumer
/// span's start decides.
pub fn repeated_uploads() -> Vec<u8> {
    otlp_document(vec![
        pointer_span(1, T0, T0 + 100, S3, "d", HASH_A, None),
        pointer_span(
            2,
            T0 + 60 * SECOND,
            T0 + 60 * SECOND + 100,
            S3,
            "d",
            HASH_A,
            None,
        ),
        pointer_span(3, T0 + SECOND, T0 + 2 * SECOND, S3, "u", HASH_A, None),
        pointer_span(4, T0 + 61 * SECOND, T0 + 62 * SECOND, S3, "u", HASH_A, None),
    ])
}

/// The consumer's document, then the producer's.
pub fn consumer_first() -> [Vec<u8>; 2] {
    [
        otlp_document(vec![pointer_span(
            2,
            T0 + SECOND,
            T0 + 2 * SECOND,
            S3,
            "u",
            HASH_A,
            None,
        )]),
        otlp_document(vec![pointer_span(1, T0, T0 + 100, S3, "d", HASH_A, None)]),
    ]
}

/// One upload, notifications to three queues.
pub fn one_producer_three_consumers() -> Vec<u8> {
    let mut spans = vec![pointer_span(1, T0, T0 + 100, S3, "d", HASH_A, None)];
    for n in [4, 2, 3] {
        spans.push(pointer_span(
            n,
            T0 + n as u64 * SECOND,
            T0 + 9 * SECOND,
            S3,
            "u",
            HASH_A,
            None,
        ));
    }
    otlp_document(spans)
}

/// A producer ending `late_by` after the consumer's change time and one 5 s before it.
pub fn skewed(late_by: u64) -> Vec<u8> {
    let c = T0 + 100 * SECOND;
    otlp_document(vec![
        pointer_span(
            1,
            c - 6 * SECOND,
            c - 5 * SECOND,
            DYNAMODB,
            "d",
            HASH_A,
            None,
        ),
        pointer_span(2, c, c + late_by, DYNAMODB, "d", HASH_A, None),
        pointer_span(
            3,
            c + 10 * SECOND,
            c + 11 * SECOND,
            DYNAMODB,
            "u",
            HASH_A,
            Some(c),
        ),
    ])
}

/// Both producers ended more than the skew after the consumer's change time.
pub fn every_producer_beyond_skew() -> Vec<u8> {
    let c = T0;
    otlp_document(vec![
        pointer_span(1, c, c + 9 * SECOND, S3, "d", HASH_A, None),
        pointer_span(2, c, c + 5 * SECOND, S3, "d", HASH_A, None),
        pointer_span(3, c, c + SECOND, S3, "u", HASH_A, Some(c)),
    ])
}

pub fn different_kinds_and_hashes() -> Vec<u8> {
    otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", HASH_A, None),
        pointer_span(2, T0, T0 + 1, DYNAMODB, "u", HASH_A, None),
        pointer_span(3, T0, T0 + 1, S3, "u", HASH_B, None),
    ])
}

pub fn one_pair() -> Vec<u8> {
    otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", HASH_A, None),
        pointer_span(2, T0, T0 + 1, S3, "u", HASH_A, None),
    ])
}

/// A Lambda batch holding the item's INSERT and its MODIFY: one consumer
/// span, the same pointer twice, each with its record's change time.
pub fn two_records_of_one_item() -> Vec<u8> {
    let put_end = T0 + 10 * SECOND + 300_000_000;
    let update_end = T0 + 12 * SECOND + 100_000_000;
    otlp_document(vec![
        pointer_span(
            1,
            put_end - 50_000_000,
            put_end,
            DYNAMODB,
            "d",
            HASH_A,
            None,
        ),
        pointer_span(
            2,
            update_end - 50_000_000,
            update_end,
            DYNAMODB,
            "d",
            HASH_A,
            None,
        ),
        otlp_span(
            &trace(3),
            &span(3),
            T0 + 20 * SECOND,
            T0 + 21 * SECOND,
            vec![
                otlp_pointer(DYNAMODB, "u", HASH_A, Some(T0 + 10 * SECOND)),
                otlp_pointer(DYNAMODB, "u", HASH_A, Some(T0 + 12 * SECOND)),
            ],
        ),
    ])
}

/// Hashes in upper case and not hex at all, beside the same hash in lower case.
pub fn hashes_not_lowercase_hex() -> Vec<u8> {
    let upper = HASH_A.to_uppercase();
    otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", &upper, None),
        pointer_span(2, T0, T0 + 1, S3, "u", HASH_A, None),
        pointer_span(3, T0, T0 + 1, S3, "u", &upper, None),
        pointer_span(4, T0, T0 + 1, "custom.kind", "d", "not-hex", None),
        pointer_span(5, T0, T0 + 1, "custom.kind", "u", "not-hex", None),
    ])
}

/// A handler triggered by an upload that writes the same bytes back (span
/// 2), and one whose only write of the item is its own (span 3).
pub fn both_sides_on_one_span() -> Vec<u8> {
    otlp_document(vec![
        pointer_span(1, T0, T0 + 100, S3, "d", HASH_A, None),
        otlp_span(
            &trace(2),
            &span(2),
            T0 + SECOND,
            T0 + SECOND + 10,
            vec![
                otlp_pointer(S3, "u", HASH_A, Some(T0 + SECOND)),
                otlp_pointer(S3, "d", HASH_A, None),
            ],
        ),
        otlp_span(
            &trace(3),
            &span(3),
            T0,
            T0 + 5,
            vec![
                otlp_pointer(DYNAMODB, "u", HASH_B, Some(T0)),
                otlp_pointer(DYNAMODB, "d", HASH_B, None),
            ],
        ),
    ])
}

/// Every case: its name, its documents in arrival order, and its skew.
pub fn all() -> Vec<(&'static str, Vec<Vec<u8>>, u64)> {
    vec![
        ("repeated writes", vec![repeated_writes()], SKEW),
        ("repeated uploads", vec![repeated_uploads()], SKEW),
        ("consumer first", consumer_first().to_vec(), SKEW),
        ("fan-out", vec![one_producer_three_consumers()], SKEW),
        ("late within skew", vec![skewed(1_500_000_000)], SKEW),
        ("late beyond skew", vec![skewed(3 * SECOND)], SKEW),
        ("late, wider skew", vec![skewed(3 * SECOND)], 4 * SECOND),
        ("all beyond skew", vec![every_producer_beyond_skew()], SKEW),
        ("kinds and hashes", vec![different_kinds_and_hashes()], SKEW),
        ("given twice", vec![one_pair(), one_pair()], SKEW),
        ("two records", vec![two_records_of_one_item()], SKEW),
        (
            "two records twice",
            vec![two_records_of_one_item(), two_records_of_one_item()],
            SKEW,
        ),
        ("not lowercase hex", vec![hashes_not_lowercase_hex()], SKEW),
        ("both sides", vec![both_sides_on_one_span()], SKEW),
    ]
}
