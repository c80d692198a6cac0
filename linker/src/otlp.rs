//! OTLP input: JSON (one document or JSON lines of them) and protobuf.
//!
//! opentelemetry-proto's serde mapping reads hex trace and span ids and
//! string-encoded int64 nanoseconds, which is what exporters write. It
//! rejects things the OTLP JSON encoding allows and some writers emit:
//! int64 fields written as JSON numbers (the protobuf JSON mapping accepts
//! both), and an empty value `{}` (the Collector writes it for an empty
//! attribute value; the crate itself writes it inside arrays, where it is
//! left out on reading, having no other form the crate reads). A document
//! it rejects is normalised as a `serde_json::Value` and decoded again, so
//! the common input pays nothing for the rare one.

use crate::error::{Error, ErrorCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::Value;

/// Fields of type (s)fixed64/uint64/int64 in the trace data model.
const INT64_FIELDS: [&str; 3] = ["startTimeUnixNano", "endTimeUnixNano", "timeUnixNano"];

pub(crate) fn read_json(input: &[u8]) -> Result<Vec<ExportTraceServiceRequest>, Error> {
    if let Some(requests) = read_json_lines_in_parallel(input) {
        return Ok(requests);
    }
    match read_typed(input) {
        Ok(requests) => Ok(requests),
        Err(first) => read_json_normalised(input).map_err(|_| {
            Error::new(
                ErrorCode::OtlpJsonInvalid,
                format!(
                    "the input is not OTLP JSON ({first}); give one {{\"resourceSpans\": [...]}} document or one per line"
                ),
            )
        }),
    }
}

fn read_typed(input: &[u8]) -> Result<Vec<ExportTraceServiceRequest>, serde_json::Error> {
    serde_json::Deserializer::from_slice(input)
        .into_iter::<ExportTraceServiceRequest>()
        .collect()
}

/// Inputs at least this large are split between threads.
const PARALLEL_FROM: usize = 8 << 20;

/// A large input of many lines (the Collector's file exporter writes one
/// request per line) is read on every core, cut at line ends into one
/// part per core. `None` when it is small, or any part does not read as
/// it is (a document spanning lines, one needing normalisation): the
/// caller then reads the whole input in order, as always.
fn read_json_lines_in_parallel(input: &[u8]) -> Option<Vec<ExportTraceServiceRequest>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || input.len() < PARALLEL_FROM {
        return None;
    }
    let mut parts = Vec::with_capacity(threads);
    let mut start = 0;
    for i in 1..=threads {
        let target = (input.len() * i / threads).max(start);
        let end = match input[target..].iter().position(|b| *b == b'\n') {
            Some(offset) if i < threads => target + offset + 1,
            _ => input.len(),
        };
        if end > start {
            parts.push(&input[start..end]);
        }
        start = end;
    }
    if parts.len() < 2 {
        return None;
    }
    let read: Vec<Option<Vec<ExportTraceServiceRequest>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| scope.spawn(move || read_typed(part).ok()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut requests = Vec::new();
    for part in read {
        requests.extend(part?);
    }
    Some(requests)
}

fn read_json_normalised(input: &[u8]) -> Result<Vec<ExportTraceServiceRequest>, serde_json::Error> {
    serde_json::Deserializer::from_slice(input)
        .into_iter::<Value>()
        .map(|document| {
            let mut document = document?;
            normalise(&mut document);
            serde_json::from_value(document)
        })
        .collect()
}

fn normalise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for field in INT64_FIELDS {
                if let Some(Value::Number(n)) = map.get(field) {
                    let text = n.to_string();
                    map.insert(field.to_owned(), Value::String(text));
                }
            }
            if matches!(map.get("value"), Some(Value::Object(v)) if v.is_empty())
                && map.contains_key("key")
            {
                map.remove("value");
            }
            // An empty value inside an array has no form the crate reads;
            // the element is left out (and so written without it).
            if let Some(Value::Array(values)) = map
                .get_mut("arrayValue")
                .and_then(|a| a.as_object_mut())
                .and_then(|a| a.get_mut("values"))
            {
                values.retain(|v| !matches!(v, Value::Object(o) if o.is_empty()));
            }
            map.values_mut().for_each(normalise);
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

pub(crate) fn read_protobuf(input: &[u8]) -> Result<ExportTraceServiceRequest, Error> {
    ExportTraceServiceRequest::decode(input).map_err(|e| {
        Error::new(
            ErrorCode::OtlpProtobufInvalid,
            format!("the input is not an OTLP protobuf ExportTraceServiceRequest ({e}); send the body an OTLP/HTTP exporter writes"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::any_value;

    #[test]
    fn reads_nanoseconds_written_as_numbers_and_empty_values() {
        let input = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
            "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
            "startTimeUnixNano":1544712660000000000,"endTimeUnixNano":"1544712661000000000",
            "attributes":[{"key":"empty","value":{}}]}]}]}]}"#;
        let requests = read_json(input).unwrap();
        let span = &requests[0].resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
        assert_eq!(span.end_time_unix_nano, 1_544_712_661_000_000_000);
        assert_eq!(span.attributes[0].value, None);
    }

    #[test]
    fn reads_empty_values_inside_arrays_leaving_them_out() {
        // The crate writes an empty value in an array as `{}` and cannot
        // read it back (found by the decoders fuzz target).
        let input = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
            "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
            "attributes":[{"key":"list","value":{"arrayValue":{"values":[{"doubleValue":1.5},{}]}}}]}]}]}]}"#;
        assert!(serde_json::from_slice::<ExportTraceServiceRequest>(input).is_err());
        let requests = read_json(input).unwrap();
        let span = &requests[0].resource_spans[0].scope_spans[0].spans[0];
        let Some(any_value::Value::ArrayValue(array)) =
            &span.attributes[0].value.as_ref().unwrap().value
        else {
            panic!("{:?}", span.attributes);
        };
        assert_eq!(array.values.len(), 1);
    }

    #[test]
    fn the_crate_alone_rejects_numeric_nanoseconds() {
        // Documents why `normalise` exists: if the crate starts accepting
        // numbers, this fails and the fallback can go.
        let input = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1}]}]}]}"#;
        assert!(serde_json::from_slice::<ExportTraceServiceRequest>(input).is_err());
    }

    #[test]
    fn large_inputs_read_the_same_in_parallel_and_in_order() {
        let line = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#;
        let mut input = Vec::new();
        while input.len() < PARALLEL_FROM + 1000 {
            input.extend_from_slice(line);
            input.push(b'\n');
        }
        let lines = input.len() / (line.len() + 1);
        let parallel = read_json_lines_in_parallel(&input);
        if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert_eq!(parallel.as_ref().map(Vec::len), Some(lines));
        }
        assert_eq!(read_json(&input).unwrap(), read_typed(&input).unwrap());
        // A document spanning lines is read whole, in order.
        let pretty = b"{\n\"resourceSpans\":\n[\n]\n}\n".repeat(PARALLEL_FROM / 20);
        assert_eq!(read_json(&pretty).unwrap().len(), PARALLEL_FROM / 20);
    }

    #[test]
    fn reads_json_lines() {
        let input = b"{\"resourceSpans\":[]}\n{\"resourceSpans\":[{}]}\n";
        let requests = read_json(input).unwrap();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].resource_spans.len(), 1);
    }

    #[test]
    fn names_the_problem_when_json_is_not_otlp() {
        let error = read_json(b"{\"resourceSpans\": 3}").unwrap_err();
        assert_eq!(error.code, ErrorCode::OtlpJsonInvalid);
        assert!(error.message.contains("resourceSpans"), "{}", error.message);
    }
}
