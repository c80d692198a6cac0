// The `decoders` fuzz target's body: the linker's readers, and everything
// `link` and `serve` do with what they read. Shared by
// fuzz_targets/decoders.rs and linker/tests/fuzz_corpus.rs (which replays
// the corpus without nightly).

use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::{
    add_links, partition_by_pointers, read, read_as, request_spans, to_json_lines, Format,
    LiveLimits, LivePointers, MatchOptions, Matcher, Report,
};

/// The format the first byte chooses: told from the content as `link`
/// does, or named as `serve` names it from a request's content type.
fn format_of(byte: u8) -> Option<Format> {
    match byte % 5 {
        0 => None,
        1 => Some(Format::OtlpJson),
        2 => Some(Format::OtlpProtobuf),
        3 => Some(Format::DatadogMsgpack),
        _ => Some(Format::DatadogJson),
    }
}

/// One input: a byte choosing the format, then the body. Checks that no
/// input panics, and that whatever decodes survives what follows
/// decoding: matching, adding links, the report, the OTLP JSON `link`
/// writes (which must read back with the same spans and pointers) and the
/// OTLP protobuf `serve` forwards (likewise).
pub fn decoders(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let decoded = match format_of(selector) {
        None => read(body),
        Some(format) => read_as(body, format),
    };
    let Ok(mut batch) = decoded else {
        return;
    };
    let spans = batch.spans();
    let resolution = Matcher::new(MatchOptions::default()).resolve(&spans);
    for link in &resolution.links {
        assert_ne!(link.producer, link.consumer, "a span linked to itself");
    }
    let json = Report::new(&resolution).to_json();
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());

    let mut live = LivePointers::new(MatchOptions::default(), LiveLimits { ttl: 10, cap: 64 });
    for (at, span) in spans.iter().enumerate() {
        live.add(span, at as u64);
        live.expire(at as u64);
    }
    assert!(live.live() <= 64);

    add_links(&mut batch.requests, &resolution);
    let after = batch.spans();

    let mut written = Vec::new();
    to_json_lines(&batch.requests, &mut written).expect("writing to memory cannot fail");
    let reread = read(&written).expect("the OTLP JSON link writes reads back");
    assert_eq!(reread.spans(), after, "OTLP JSON changed the spans");

    for request in batch.requests {
        let encoded = prost::Message::encode_to_vec(&request);
        let decoded = <ExportTraceServiceRequest as prost::Message>::decode(encoded.as_slice())
            .expect("the OTLP protobuf serve forwards decodes");
        // Bytes, not values: a NaN attribute is never equal to itself.
        assert_eq!(prost::Message::encode_to_vec(&decoded), encoded);
        let (plain, pointed) = partition_by_pointers(decoded);
        assert!(request_spans(&plain).all(|s| s.pointers.is_empty()));
        assert!(request_spans(&pointed).all(|s| !s.pointers.is_empty()));
    }
}
