//! Matching as SPEC section 10 and issue 19 state it, over OTLP JSON input.

mod common;

use common::*;
use span_autolink_linker::{read, Batch, MatchOptions, Matcher, Resolution};

fn resolve(documents: &[Vec<u8>], skew_nanos: u64) -> Resolution {
    let mut batch = Batch::default();
    for d in documents {
        batch.extend(read(d).unwrap());
    }
    Matcher::new(MatchOptions { skew_nanos }).resolve(&batch.spans())
}

/// (producer span, consumer span) of each link, as hex span ids.
fn pairs(resolution: &Resolution) -> Vec<(String, String)> {
    resolution
        .links
        .iter()
        .map(|l| {
            (
                l.producer.span_id.to_string(),
                l.consumer.span_id.to_string(),
            )
        })
        .collect()
}

const SKEW: u64 = 2 * SECOND;

#[test]
fn repeated_writes_of_one_item_pair_each_consumer_with_its_own_write() {
    // The item is written at 10 s, 20 s and 30 s; each stream record's
    // ApproximateCreationDateTime falls just before its write's span ended.
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
    let resolution = resolve(&[otlp_document(spans)], SKEW);
    assert_eq!(
        pairs(&resolution),
        vec![
            (span(0), span(10)),
            (span(1), span(11)),
            (span(2), span(12)),
        ]
    );
    assert!(
        resolution.unmatched.is_empty(),
        "{:?}",
        resolution.unmatched
    );
}

#[test]
fn repeated_uploads_of_identical_bytes_pair_by_consumer_start() {
    // Same bucket, key and ETag: one hash. No change time, so the consumer
    // span's start decides.
    let spans = vec![
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
    ];
    let resolution = resolve(&[otlp_document(spans)], SKEW);
    assert_eq!(
        pairs(&resolution),
        vec![(span(1), span(3)), (span(2), span(4))]
    );
}

#[test]
fn consumers_before_their_producer_in_input_order() {
    let consumer = otlp_document(vec![pointer_span(
        2,
        T0 + SECOND,
        T0 + 2 * SECOND,
        S3,
        "u",
        HASH_A,
        None,
    )]);
    let producer = otlp_document(vec![pointer_span(1, T0, T0 + 100, S3, "d", HASH_A, None)]);
    let resolution = resolve(&[consumer, producer], SKEW);
    assert_eq!(pairs(&resolution), vec![(span(1), span(2))]);
    assert_eq!(resolution.links[0].producer.trace_id.to_string(), trace(1));
    assert_eq!(resolution.links[0].consumer.trace_id.to_string(), trace(2));
    assert_eq!(resolution.links[0].kind, S3);
    assert_eq!(resolution.links[0].hash, HASH_A);
}

#[test]
fn a_producer_keeps_every_consumer_that_chose_it() {
    // One upload, notifications to three queues.
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
    let batch = read(&otlp_document(spans)).unwrap();
    let mut matcher = Matcher::new(MatchOptions::default());
    batch.spans().iter().for_each(|s| matcher.add(s));
    assert_eq!(matcher.link_count(), 3);
    assert_eq!(
        pairs(&matcher.resolution()),
        vec![(span(1), span(2)), (span(1), span(3)), (span(1), span(4))]
    );
}

/// A producer ending 1.5 s after the consumer's change time and one 5 s before it.
fn skewed(late_by: u64) -> Vec<u8> {
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

#[test]
fn a_producer_ending_after_the_change_time_within_skew_is_chosen() {
    let resolution = resolve(&[skewed(1_500_000_000)], SKEW);
    assert_eq!(pairs(&resolution), vec![(span(2), span(3))]);
    assert_eq!(resolution.unmatched.len(), 1);
    assert_eq!(resolution.unmatched[0].span.span_id.to_string(), span(1));
}

#[test]
fn a_producer_ending_beyond_skew_is_not_chosen_while_one_in_time_exists() {
    let resolution = resolve(&[skewed(3 * SECOND)], SKEW);
    assert_eq!(pairs(&resolution), vec![(span(1), span(3))]);
    // A wider skew lets it in, and it is the closer one.
    let resolution = resolve(&[skewed(3 * SECOND)], 4 * SECOND);
    assert_eq!(pairs(&resolution), vec![(span(2), span(3))]);
}

#[test]
fn when_every_producer_ended_beyond_skew_the_earliest_ending_is_chosen() {
    let c = T0;
    let document = otlp_document(vec![
        pointer_span(1, c, c + 9 * SECOND, S3, "d", HASH_A, None),
        pointer_span(2, c, c + 5 * SECOND, S3, "d", HASH_A, None),
        pointer_span(3, c, c + SECOND, S3, "u", HASH_A, Some(c)),
    ]);
    assert_eq!(pairs(&resolve(&[document], SKEW)), vec![(span(2), span(3))]);
}

#[test]
fn pointers_of_different_kinds_or_hashes_do_not_link() {
    let document = otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", HASH_A, None),
        pointer_span(2, T0, T0 + 1, DYNAMODB, "u", HASH_A, None),
        pointer_span(3, T0, T0 + 1, S3, "u", HASH_B, None),
    ]);
    let resolution = resolve(&[document], SKEW);
    assert!(resolution.links.is_empty());
    let reasons: Vec<(String, &str, &str)> = resolution
        .unmatched
        .iter()
        .map(|u| (u.span.span_id.to_string(), u.direction.as_str(), u.reason))
        .collect();
    assert_eq!(reasons.len(), 3);
    assert_eq!(reasons[0].0, span(1));
    assert_eq!(reasons[0].1, "d");
    assert!(
        reasons[0].2.starts_with("no span carries the u pointer"),
        "{}",
        reasons[0].2
    );
    assert!(
        reasons[1].2.starts_with("no span carries the d pointer"),
        "{}",
        reasons[1].2
    );
}

#[test]
fn a_span_given_twice_counts_once() {
    let document = otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", HASH_A, None),
        pointer_span(2, T0, T0 + 1, S3, "u", HASH_A, None),
    ]);
    let resolution = resolve(&[document.clone(), document], SKEW);
    assert_eq!(pairs(&resolution), vec![(span(1), span(2))]);
}

#[test]
fn links_that_are_not_pointers_are_ignored() {
    let mut real_context = otlp_pointer(S3, "u", HASH_A, None);
    real_context["spanId"] = serde_json::json!(span(9));
    let mut bad_direction = otlp_pointer(S3, "x", HASH_A, None);
    bad_direction["traceId"] = serde_json::json!("");
    let document = otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", HASH_A, None),
        otlp_span(
            &trace(2),
            &span(2),
            T0,
            T0 + 1,
            vec![real_context, bad_direction],
        ),
    ]);
    let batch = read(&document).unwrap();
    assert_eq!(batch.spans()[1].pointers, vec![]);
}

#[test]
fn one_consumer_span_with_two_records_of_one_item_links_to_both_writes() {
    // A Lambda batch holding the item's INSERT and its MODIFY: one span,
    // the same pointer twice, each with its record's change time.
    let put_end = T0 + 10 * SECOND + 300_000_000;
    let update_end = T0 + 12 * SECOND + 100_000_000;
    let document = otlp_document(vec![
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
    ]);
    let resolution = resolve(std::slice::from_ref(&document), SKEW);
    assert_eq!(
        pairs(&resolution),
        vec![(span(1), span(3)), (span(2), span(3))]
    );
    assert!(
        resolution.unmatched.is_empty(),
        "{:?}",
        resolution.unmatched
    );
    // Given twice, the span still counts once: the same two links.
    assert_eq!(resolve(&[document.clone(), document], SKEW), resolution);
}

#[test]
fn hashes_that_are_not_lowercase_hex_match_exactly() {
    // Kept as text: matched by their exact text, never folded together.
    let upper = HASH_A.to_uppercase();
    let document = otlp_document(vec![
        pointer_span(1, T0, T0 + 1, S3, "d", &upper, None),
        pointer_span(2, T0, T0 + 1, S3, "u", HASH_A, None),
        pointer_span(3, T0, T0 + 1, S3, "u", &upper, None),
        pointer_span(4, T0, T0 + 1, "custom.kind", "d", "not-hex", None),
        pointer_span(5, T0, T0 + 1, "custom.kind", "u", "not-hex", None),
    ]);
    let resolution = resolve(&[document], SKEW);
    assert_eq!(
        pairs(&resolution),
        vec![(span(1), span(3)), (span(4), span(5))]
    );
    assert_eq!(resolution.links[0].hash, upper);
    assert_eq!(resolution.links[1].kind, "custom.kind");
    assert_eq!(resolution.unmatched.len(), 1);
    assert_eq!(resolution.unmatched[0].hash, HASH_A);
}

#[test]
fn a_span_carrying_both_sides_is_never_its_own_producer() {
    // A handler triggered by an upload that writes the same bytes back.
    let document = otlp_document(vec![
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
    ]);
    let resolution = resolve(&[document], SKEW);
    assert_eq!(pairs(&resolution), vec![(span(1), span(2))]);
    let unmatched: Vec<(String, &str)> = resolution
        .unmatched
        .iter()
        .map(|u| (u.span.span_id.to_string(), u.direction.as_str()))
        .collect();
    assert_eq!(
        unmatched,
        vec![(span(2), "d"), (span(3), "d"), (span(3), "u"),]
    );
}
