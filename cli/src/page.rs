//! `span-autolink link --html FILE`: one self-contained HTML page (no
//! script, no fetch) showing, for each trace with links, the banner "This
//! trace is linked to other traces" and its Span Links table, each row a
//! jump to the linked span's row in the other trace's section; then the
//! pointers left unmatched, with the reason.

use span_autolink_linker::opentelemetry_proto::tonic::common::v1::any_value::Value;
use span_autolink_linker::{Batch, Resolution, SpanRef, TraceId};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A span's name and its service, from the traces read.
#[derive(Default, Clone)]
struct Named {
    name: String,
    service: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn trace_hex(id: &TraceId) -> String {
    hex(&id.0)
}

fn span_hex(id: &SpanRef) -> String {
    hex(&id.span_id.0)
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn names(batch: &Batch) -> BTreeMap<(Vec<u8>, Vec<u8>), Named> {
    let mut out = BTreeMap::new();
    for resource_spans in batch.requests.iter().flat_map(|r| &r.resource_spans) {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .and_then(|a| a.value.as_ref())
            .and_then(|v| match &v.value {
                Some(Value::StringValue(s)) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
            out.insert(
                (span.trace_id.clone(), span.span_id.clone()),
                Named {
                    name: span.name.clone(),
                    service: service.clone(),
                },
            );
        }
    }
    out
}

/// One row of a trace's Span Links table.
struct Row {
    id: String,
    span: SpanRef,
    direction: &'static str,
    linked: SpanRef,
    target: String,
    kind: String,
}

pub fn render(batch: &Batch, resolution: &Resolution) -> String {
    let names = names(batch);
    let named = |span: &SpanRef| {
        names
            .get(&(span.trace_id.0.to_vec(), span.span_id.0.to_vec()))
            .cloned()
            .unwrap_or_default()
    };
    // Each link is a Backward row in the producer's trace and a Forward
    // row in the consumer's, each jumping to the other.
    let mut traces: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for (n, link) in resolution.links.iter().enumerate() {
        let (backward, forward) = (format!("backward-{n}"), format!("forward-{n}"));
        traces
            .entry(trace_hex(&link.producer.trace_id))
            .or_default()
            .push(Row {
                id: backward.clone(),
                span: link.producer,
                direction: "Backward",
                linked: link.consumer,
                target: forward.clone(),
                kind: link.kind.clone(),
            });
        traces
            .entry(trace_hex(&link.consumer.trace_id))
            .or_default()
            .push(Row {
                id: forward,
                span: link.consumer,
                direction: "Forward",
                linked: link.producer,
                target: backward,
                kind: link.kind.clone(),
            });
    }
    let mut out = String::from(HEAD);
    let _ = writeln!(
        out,
        "<h1>span-autolink: {} links across {} traces</h1>",
        resolution.links.len(),
        traces.len()
    );
    for (trace, rows) in &traces {
        let _ = writeln!(
            out,
            "<section class=\"trace\" id=\"trace-{trace}\" data-trace=\"{trace}\">\n<h2>Trace <code>{trace}</code></h2>\n<p class=\"banner\">This trace is linked to other traces</p>\n<table class=\"span-links\">\n<caption>Span Links</caption>\n<thead><tr><th>Span</th><th>Service</th><th>Link</th><th>Linked trace</th><th>Linked span</th><th>Pointer kind</th></tr></thead>\n<tbody>"
        );
        for row in rows {
            let this = named(&row.span);
            let other = named(&row.linked);
            let linked_trace = trace_hex(&row.linked.trace_id);
            let _ = writeln!(
                out,
                "<tr id=\"{id}\" data-direction=\"{direction}\" data-linked-trace=\"{linked_trace}\"><td>{name} <code>{span}</code></td><td>{service}</td><td class=\"{class}\">{direction}</td><td><a href=\"#trace-{linked_trace}\"><code>{linked_trace}</code></a></td><td><a class=\"jump\" href=\"#{target}\">{other_name} <code>{other_span}</code></a> <span class=\"service\">{other_service}</span></td><td>{kind}</td></tr>",
                id = row.id,
                direction = row.direction,
                class = row.direction.to_ascii_lowercase(),
                name = escape(&this.name),
                span = span_hex(&row.span),
                service = escape(&this.service),
                target = row.target,
                other_name = escape(&other.name),
                other_span = span_hex(&row.linked),
                other_service = escape(&other.service),
                kind = escape(&row.kind),
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("<section id=\"unmatched\">\n<h2>Unmatched pointers</h2>\n");
    if resolution.unmatched.is_empty() {
        out.push_str("<p>Every pointer found its other side.</p>\n");
    } else {
        out.push_str("<table class=\"unmatched\">\n<thead><tr><th>Span</th><th>Service</th><th>Trace</th><th>Pointer</th><th>Direction</th><th>Reason</th></tr></thead>\n<tbody>\n");
        for u in &resolution.unmatched {
            let this = named(&u.span);
            let _ = writeln!(
                out,
                "<tr><td>{} <code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{} <code>{}</code></td><td>{}</td><td class=\"reason\">{}</td></tr>",
                escape(&this.name),
                span_hex(&u.span),
                escape(&this.service),
                trace_hex(&u.span.trace_id),
                escape(&u.kind),
                escape(&u.hash),
                u.direction.as_str(),
                escape(u.reason),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<p class=\"hint\">Why did a pointer not match? <code>span-autolink explain PRODUCER.json CONSUMER.json</code> compares the two sides' inputs.</p>\n</section>\n</body>\n</html>\n");
    out
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>span-autolink: linked traces</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1f1f1f; }
h1 { font-size: 1.4em; }
section.trace { border: 1px solid #d5d5e0; border-radius: 6px; padding: 0.5em 1em 1em; margin: 1.5em 0; }
section.trace:target, tr:target { background: #fff7d6; }
.banner { background: #632ca6; color: white; display: inline-block; padding: 0.3em 0.8em; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.4em 0; }
th, td { text-align: left; border-bottom: 1px solid #e6e6ee; padding: 0.35em 0.6em; vertical-align: top; }
td.backward { color: #1a7f37; font-weight: 600; }
td.forward { color: #0a58ca; font-weight: 600; }
code { font-size: 0.9em; color: #555; }
.service { color: #777; }
.reason { color: #a40e26; }
.hint { color: #555; }
</style>
</head>
<body>
"#;

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
