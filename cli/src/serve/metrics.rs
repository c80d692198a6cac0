//! `/metrics` in the Prometheus text exposition format.

use super::service::Counters;
use std::fmt::Write;

/// A metric's name, type, help text and value; `None` leaves it out (a
/// shared store does not count the fleet's links on every scrape, the
/// in-memory one has no connection to lose).
type Row = (&'static str, &'static str, &'static str, Option<u64>);

pub fn render(c: &Counters) -> String {
    let index = &c.index;
    let rows: [Row; 12] = [
        ("span_autolink_spans_total", "counter", "Spans received.", Some(c.spans)),
        ("span_autolink_pointers_total", "counter", "Pointers received.", Some(c.pointers)),
        ("span_autolink_links", "gauge", "Links resolved among live pointers.", index.links),
        ("span_autolink_live_pointers", "gauge", "Pointers kept for matching.", index.live_pointers),
        (
            "span_autolink_held_spans",
            "gauge",
            "Spans held for their other side (or a sampling decision).",
            Some(c.held_spans),
        ),
        ("span_autolink_evicted_total", "counter", "Pointers evicted by the live-pointer cap.", index.evicted),
        ("span_autolink_expired_total", "counter", "Pointers expired after the time to live.", index.expired),
        (
            "span_autolink_forwarded_spans_total",
            "counter",
            "Spans passed to the forward queue.",
            Some(c.forwarded_spans),
        ),
        (
            "span_autolink_store_up",
            "gauge",
            "Whether the shared pointer store answers (1) or not (0).",
            index.reachable.map(u64::from),
        ),
        (
            "span_autolink_store_failures_total",
            "counter",
            "Exchanges with the shared pointer store that failed or were skipped while it did not answer.",
            index.failures,
        ),
        (
            "span_autolink_unlinked_spans_total",
            "counter",
            "Spans with pointers passed on without links because the pointer store did not answer.",
            Some(c.unlinked_spans),
        ),
        (
            "span_autolink_sampled_out_spans_total",
            "counter",
            "Spans dropped by pointer sampling.",
            Some(c.sampled_out_spans),
        ),
    ];
    let mut text = String::new();
    for (name, kind, help, value) in rows {
        let Some(value) = value else { continue };
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    text
}
