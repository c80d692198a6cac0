"""How every service of the demo exports its spans: the OpenTelemetry SDK's
batch processor with the real OTLP/HTTP protobuf exporter, pointed at
`span-autolink serve`, and a second batch processor that appends the same
export requests, encoded by the exporter's own encoder, to a file that
`span-autolink link` reads afterwards. (Serialised protobuf messages
appended one after another read back as one message holding them all.)"""

import os
import threading
from typing import Sequence

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult


class OtlpFileExporter(SpanExporter):
    """Appends each export request, as OTLP protobuf, to one file."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        body = encode_spans(spans).SerializeToString()
        with self._lock, open(self._path, "ab") as out:
            out.write(body)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def tracer_provider(service: str) -> TracerProvider:
    """A provider for `service` exporting to SPAN_AUTOLINK_DEMO_SERVE (the
    serve's base URL) and to SPAN_AUTOLINK_DEMO_OUT/<service>.otlp."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    url = os.environ["SPAN_AUTOLINK_DEMO_SERVE"] + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    path = os.path.join(os.environ["SPAN_AUTOLINK_DEMO_OUT"], service + ".otlp")
    provider.add_span_processor(BatchSpanProcessor(OtlpFileExporter(path)))
    return provider
