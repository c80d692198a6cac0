//! Which format an input is in, told from its first bytes.

/// The formats the linker reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One `{"resourceSpans": [...]}` document, or JSON lines of them.
    OtlpJson,
    /// An `ExportTraceServiceRequest` in protobuf.
    OtlpProtobuf,
    /// A Datadog agent v0.4 payload (an array of traces) in msgpack.
    DatadogMsgpack,
    /// A Datadog agent v0.4 payload in JSON.
    DatadogJson,
}

impl Format {
    /// Tells the format from the content. JSON starts with `{` (OTLP) or `[`
    /// (Datadog) after any whitespace; a msgpack array starts with a fixarray,
    /// array16 or array32 marker; OTLP protobuf starts with field 1
    /// (`resource_spans`, length-delimited: byte 0x0a). A protobuf message can
    /// start with bytes that also read as JSON, so [`crate::read`] retries as
    /// protobuf when JSON fails on such an input.
    pub fn detect(input: &[u8]) -> Option<Format> {
        match input.first() {
            None => return Some(Format::OtlpProtobuf),
            Some(0x90..=0x9f | 0xdc | 0xdd) => return Some(Format::DatadogMsgpack),
            _ => {}
        }
        match input.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Some(Format::OtlpJson),
            Some(b'[') => Some(Format::DatadogJson),
            _ if input[0] == 0x0a => Some(Format::OtlpProtobuf),
            _ => None,
        }
    }

    /// Whether the input may also be protobuf although it was detected as JSON.
    pub(crate) fn may_be_protobuf(input: &[u8]) -> bool {
        input.first() == Some(&0x0a)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::OtlpJson => "OTLP JSON",
            Format::OtlpProtobuf => "OTLP protobuf",
            Format::DatadogMsgpack => "Datadog v0.4 msgpack",
            Format::DatadogJson => "Datadog v0.4 JSON",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format_from_its_first_bytes() {
        assert_eq!(
            Format::detect(b" \n{\"resourceSpans\":[]}"),
            Some(Format::OtlpJson)
        );
        assert_eq!(Format::detect(b"[[]]"), Some(Format::DatadogJson));
        assert_eq!(Format::detect(&[0x91, 0x90]), Some(Format::DatadogMsgpack));
        assert_eq!(
            Format::detect(&[0xdc, 0, 1, 0x90]),
            Some(Format::DatadogMsgpack)
        );
        assert_eq!(Format::detect(&[0x0a, 0x00]), Some(Format::OtlpProtobuf));
        assert_eq!(Format::detect(b""), Some(Format::OtlpProtobuf));
        assert_eq!(Format::detect(b"hello"), None);
    }
}
