//! Matching as SPEC section 10 and issue 19 state it, over OTLP JSON input.

mod common;

use common::cases::*;
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

#[test]
fn repeated_writes_of_one_item_pair_each_consumer_with_its_own_write() {
    let resolution = resolve(&[repeated_writes()], SKEW);
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
    let resolution = resolve(&[repeated_uploads()], SKEW);
    assert_eq!(
        pairs(&resolution),
        vec![(span(1), span(3)), (span(2), span(4))]
    );
}

#[test]
fn consumers_before_their_producer_in_input_order() {
    let resolution = resolve(&consumer_first(), SKEW);
    assert_eq!(pairs(&resolution), vec![(span(1), span(2))]);
    assert_eq!(resolution.links[0].producer.trace_id.to_string(), trace(1));
    assert_eq!(resolution.links[0].consumer.trace_id.to_string(), trace(2));
    assert_eq!(resolution.links[0].kind, S3);
    assert_eq!(resolution.links[0].hash, HASH_A);
}

#[test]
fn a_producer_keeps_every_consumer_that_chose_it() {
    let batch = read(&one_producer_three_consumers()).unwrap();
    let mut matcher = Matcher::new(MatchOptions::default());
    batch.spans().iter().for_each(|s| matcher.add(s));
    assert_eq!(matcher.link_count(), 3);
    assert_eq!(
        pairs(&matcher.resolution()),
        vec![(span(1), span(2)), (span(1), span(3)), (span(1), span(4))]
    );
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
    let document = every_producer_beyond_skew();
    assert_eq!(pairs(&resolve(&[document], SKEW)), vec![(span(2), span(3))]);
}

#[test]
fn pointers_of_different_kinds_or_hashes_do_not_link() {
    let document = different_kinds_and_hashes();
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
    let document = one_pair();
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
    let document = two_records_of_one_item();
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
    let resolution = resolve(&[hashes_not_lowercase_hex()], SKEW);
    assert_eq!(
        pairs(&resolution),
        vec![(span(1), span(3)), (span(4), span(5))]
    );
    assert_eq!(resolution.links[0].hash, HASH_A.to_uppercase());
    assert_eq!(resolution.links[1].kind, "custom.kind");
    assert_eq!(resolution.unmatched.len(), 1);
    assert_eq!(resolution.unmatched[0].hash, HASH_A);
}

#[test]
fn a_span_carrying_both_sides_is_never_its_own_producer() {
    let resolution = resolve(&[both_sides_on_one_span()], SKEW);
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

#[test]
fn a_link_to_a_write_beyond_the_skew_is_unsettled_until_a_closer_one_comes() {
    // Change time c = T0 + 600 s: an older write ended 600 s before it, so
    // the write the event came from may still arrive; the one ending 0.1 s
    // before c settles the consumer.
    let c = T0 + 600 * SECOND;
    let older = pointer_span(1, T0, T0 + SECOND, S3, "d", HASH_A, None);
    let consumer = pointer_span(3, c + SECOND, c + 2 * SECOND, S3, "u", HASH_A, Some(c));
    let newer = pointer_span(2, c - SECOND, c - SECOND / 10, S3, "d", HASH_A, None);
    let only_older = resolve(
        &[otlp_document(vec![older.clone(), consumer.clone()])],
        SKEW,
    );
    assert_eq!(pairs(&only_older), vec![(span(1), span(3))]);
    assert_eq!(only_older.unsettled, only_older.links);
    let both = resolve(&[otlp_document(vec![older, consumer, newer])], SKEW);
    assert_eq!(pairs(&both), vec![(span(2), span(3))]);
    assert!(both.unsettled.is_empty(), "{:?}", both.unsettled);
}
