//! `/metrics` in the Prometheus text exposition format.

use super::service::Counters;
use std::fmt::Write;

pub fn render(c: &Counters) -> String {
    let rows: [(&str, &str, &str, u64); 8] = [
        (
            "span_autolink_spans_total",
            "counter",
            "Spans received.",
            c.spans,
        ),
        (
            "span_autolink_pointers_total",
            "counter",
            "Pointers received.",
            c.pointers,
        ),
        (
            "span_autolink_links",
            "gauge",
            "Links resolved among live pointers.",
            c.links,
        ),
        (
            "span_autolink_live_pointers",
            "gauge",
            "Pointers kept for matching.",
            c.live_pointers,
        ),
        (
            "span_autolink_held_spans",
            "gauge",
            "Spans with pointers held for their other side.",
            c.held_spans,
        ),
        (
            "span_autolink_evicted_total",
            "counter",
            "Pointers evicted by the live-pointer cap.",
            c.evicted,
        ),
        (
            "span_autolink_expired_total",
            "counter",
            "Pointers expired after the time to live.",
            c.expired,
        ),
        (
            "span_autolink_forwarded_spans_total",
            "counter",
            "Spans passed to the forward queue.",
            c.forwarded_spans,
        ),
    ];
    let mut text = String::new();
    for (name, kind, help, value) in rows {
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    }
    text
}
