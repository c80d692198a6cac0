"""span_autolink.opentelemetry's hook pair installed by hand on the real
BotocoreInstrumentor (a module of its own: the instrumentor is a
singleton), chained with a user request hook that raises: the call raises
as it would without us, and the request-parameter stash does not grow;
and instrument_botocore on an instrumentation that was instrumented
before it, as opentelemetry-instrument does at start-up."""

import pytest
from botocore.config import Config
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import span_autolink.opentelemetry as sa_otel
from e2e_support import std_hash


def test_hooks_pair_installed_by_hand_and_raising_user_hook(aws):
    """The request/response hooks a user installs, chained with a user hook
    that raises: the call raises, the stash does not grow."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    def boom(span, service, operation, params):
        raise RuntimeError("user hook")

    request_hook, response_hook = sa_otel.make_hooks(request_hook=boom)
    instrumentor = BotocoreInstrumentor()
    instrumentor.instrument(tracer_provider=provider, request_hook=request_hook, response_hook=response_hook)
    try:
        s3 = aws.client("s3", config=Config(s3={"addressing_style": "path"}))
        for _ in range(20):
            with pytest.raises(RuntimeError):
                s3.put_object(Bucket="e2e-otel-raise", Key="k", Body=b"x")
        assert len(request_hook.stash) == 0
        # Without the raising hook: a write that succeeds gets its link, one that
        # fails (NoSuchBucket) none, and the stash is empty after both.
        request_hook, response_hook = sa_otel.make_hooks()
        instrumentor.uninstrument()
        instrumentor.instrument(tracer_provider=provider, request_hook=request_hook, response_hook=response_hook)
        s3.create_bucket(Bucket="e2e-otel-byhand")
        exporter.clear()
        s3.put_object(Bucket="e2e-otel-byhand", Key="k", Body=b"x")
        for _ in range(20):
            with pytest.raises(s3.exceptions.NoSuchBucket):
                s3.put_object(Bucket="e2e-otel-no-bucket", Key="k", Body=b"x")
        assert len(request_hook.stash) == 0
        puts = [s for s in exporter.get_finished_spans() if s.name == "S3.PutObject"]
        assert [len(s.links) for s in puts] == [1] + [0] * 20
        # A refused connection: botocore raises, the response hook gets None.
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        refused = aws.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{closed}",
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}, connect_timeout=2),
        )
        exporter.clear()
        with pytest.raises(Exception, match="Could not connect"):
            refused.put_object(Bucket="e2e-otel-byhand", Key="k", Body=b"x")
        (span,) = [s for s in exporter.get_finished_spans() if s.name == "S3.PutObject"]
        assert list(span.links) == [] and span.status.status_code.name == "ERROR"
        assert len(request_hook.stash) == 0
    finally:
        instrumentor.uninstrument()


def test_instrument_botocore_after_the_instrumentation_was_instrumented(aws):
    """opentelemetry-instrument (and the Lambda layers that run it)
    instruments botocore at start-up, before the application can call
    instrument_botocore: our hooks must still reach every call, the hook
    the instrumentation had still runs once per call, and a second
    instrument_botocore adds no second link."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    seen = []
    instrumentor = BotocoreInstrumentor()
    instrumentor.instrument(tracer_provider=provider, response_hook=lambda span, service, operation, result: seen.append(operation))
    try:
        assert sa_otel.instrument_botocore() is instrumentor
        assert sa_otel.instrument_botocore() is instrumentor
        s3 = aws.client("s3", config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="e2e-otel-preinstrumented")
        seen.clear()
        exporter.clear()
        key = "pre instrumented+ü %.txt"
        etag = s3.put_object(Bucket="e2e-otel-preinstrumented", Key=key, Body=b"x")["ETag"]
        (span,) = [s for s in exporter.get_finished_spans() if s.name == "S3.PutObject"]
        assert [(link.attributes["ptr.dir"], link.attributes["ptr.hash"]) for link in span.links] == [
            ("d", std_hash("e2e-otel-preinstrumented", key, etag.strip('"')))
        ]
        assert seen == ["PutObject"]
        assert len(sa_otel.request_hook.stash) == 0
    finally:
        instrumentor.uninstrument()
