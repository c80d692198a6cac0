"""`span-autolink serve` between real tracers and the next stage: a mixed
fleet on moto's server.

Two producers write to S3 (a bucket notifying a queue) and DynamoDB (a
table with a stream): one traced with OpenTelemetry, exporting with the
real OTLP/HTTP protobuf exporter (demo/producer.py), one with ddtrace
sending v0.4 payloads (DD_TRACE_AGENT_URL). What each wrote is delivered
to two Lambda-style consumers, one of each kind (demo/consumer.py, and
datadog-lambda's wrapper over span_autolink.ddtrace.with_pointers), so
every pairing is exercised: OpenTelemetry to OpenTelemetry, to Datadog,
and back, Datadog to Datadog. Every service exports to one serve, which
forwards to a receiver here.

The links expected are worked out here from what each side wrote: the
hashes from SPEC sections 1, 3 and 4, the span ids from the exported
files (OpenTelemetry, read with opentelemetry-proto) and from a trace
processor in each ddtrace process. GET /links must give exactly those,
with nothing unmatched, and the forwarded spans must carry them as real
Backward and Forward links.

The same flows then run across two replicas sharing one pointer index in
Debian's redis-server (issue 23): the producers' spans to one replica, the
consumers' to the other, in both orders (the producers' requests held back
until the consumers' were sent). Every replica's /links must give every
pair, and each replica must forward the links of the spans it received."""

import datetime
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections import defaultdict
from urllib.parse import unquote_plus

import pytest

from ddtrace_support import LAMBDA_INVOCATIONS
from e2e_support import ddb_hash, sqs_lambda_event, std_hash, stream_lambda_event

pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEMO = os.path.join(ROOT, "demo")
BINARY = os.path.join(ROOT, "target", "release", "span-autolink")
sys.path.insert(0, DEMO)

import run as demo  # noqa: E402  (demo/run.py: its resources and readers)

S3 = "aws.s3.object"
DYNAMODB = "aws.dynamodb.item"

# Records the spans a ddtrace process finished, and prints them as its last
# line: the test's own account of the Datadog side's ids.
RECORDER = textwrap.dedent(
    """
    import atexit, json
    from ddtrace.trace import TraceFilter, tracer

    SPANS = []

    class Recorder(TraceFilter):
        def process_trace(self, trace):
            for s in trace:
                SPANS.append({"trace_id": "%032x" % s.trace_id, "span_id": "%016x" % s.span_id,
                              "name": s.name, "operation": s.get_tag("aws.operation"),
                              "start": s.start_ns, "end": s.start_ns + (s.duration_ns or 0)})
            return trace

    tracer.configure(trace_processors=[Recorder()])
    """
)

DD_PRODUCER = RECORDER + textwrap.dedent(
    """
    import sys, time
    import ddtrace
    ddtrace.patch(botocore=True)
    import span_autolink.ddtrace as sad
    bucket, table, keys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    assert sad.instrument(dynamodb_primary_keys={table: ["customer", "order"]})
    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
    ddb = boto3.client("dynamodb")
    etags = [s3.put_object(Bucket=bucket, Key=key, Body=key.encode())["ETag"] for key in keys]
    ddb.put_item(TableName=table, Item={"customer": {"S": "carol"}, "order": {"N": "3"}})
    tracer.shutdown()
    print(json.dumps({"etags": etags, "spans": SPANS}))
    """
)

DD_CONSUMER = RECORDER + LAMBDA_INVOCATIONS + textwrap.dedent(
    """
    tracer.shutdown()
    print(json.dumps({"spans": SPANS}))
    """
)


class Receiver:
    """The next stage: an OTLP/HTTP receiver keeping every request."""

    def __init__(self) -> None:
        self.requests = []
        received = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                received.append(request)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/traces"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def links(self, mark):
        """(span, linked span, kind, hash) of every real link marked `mark`."""
        found = set()
        for request in self.requests:
            for rs in request.resource_spans:
                for ss in rs.scope_spans:
                    for span in ss.spans:
                        this = (span.trace_id.hex(), span.span_id.hex())
                        for link in span.links:
                            a = {kv.key: kv.value.string_value for kv in link.attributes}
                            if a.get("span_autolink.link") == mark:
                                found.add((this, (link.trace_id.hex(), link.span_id.hex()), a["ptr.kind"], a["ptr.hash"]))
        return found


class Serve:
    """One `span-autolink serve` forwarding to a Receiver of its own."""

    def __init__(self, *options):
        if not os.path.exists(BINARY):
            pytest.fail(f"{BINARY} missing: make cli builds it")
        self.receiver = Receiver()
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--listen", "127.0.0.1:0", "--forward", self.receiver.url, "--wait", "30", *options],
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stderr.readline()
        assert line.startswith("span-autolink: listening on "), line
        self.url = "http://" + line.strip().rsplit(" ", 1)[1]

    def stop(self):
        """SIGTERM: serve flushes what it holds to the receiver."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.receiver.server.shutdown()


@pytest.fixture
def serve(tmp_path):
    one = Serve()
    try:
        yield one.url, one.receiver, one.stop
    finally:
        one.close()


def run_dd(source, serve_url, args=(), stdin="", extra_env=None):
    env = {
        **os.environ,
        "DD_TRACE_AGENT_URL": serve_url,
        "DD_TRACE_API_VERSION": "v0.4",
        "DD_TRACE_ENABLED": "true",
        "DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
        "DD_REMOTE_CONFIGURATION_ENABLED": "false",
        "DD_TRACE_STARTUP_LOGS": "false",
        "DD_SERVICE": "dd-side",
        **(extra_env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-c", source, *args], input=stdin, capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


def nanos_of_iso(text):
    return round(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000) * 1_000_000


def deliveries(sqs_event, stream_event, bucket_hash, item_hash):
    """(kind, hash, change time) of each record of the two events, from the
    records themselves (SPEC 3 and 4: the notification's key is URL-encoded)."""
    out = []
    for record in sqs_event["Records"]:
        for s3_record in json.loads(record["body"])["Records"]:
            h = bucket_hash(s3_record["s3"]["object"]["key"], s3_record["s3"]["object"]["eTag"])
            out.append((S3, h, nanos_of_iso(s3_record["eventTime"])))
    for record in stream_event["Records"]:
        keys = {name: next(iter(value.values())) for name, value in record["dynamodb"]["Keys"].items()}
        out.append((DYNAMODB, item_hash(keys), int(record["dynamodb"]["ApproximateCreationDateTime"]) * 10**9))
    return out


def expected_links(producers, consumers):
    """Each consumer's i-th delivery of a pointer (by change time) belongs to
    the i-th write of it (by span end): every object and item here is
    delivered to each consumer exactly as often as it was written."""
    writes = defaultdict(list)
    for kind, h, end, span in producers:
        writes[(kind, h)].append((end, span))
    received = defaultdict(list)
    for kind, h, change, span in consumers:
        received[(kind, h, span)].append(change)
    links = set()
    for (kind, h, consumer), changes in received.items():
        made = sorted(writes[(kind, h)])
        assert len(made) == len(changes), (kind, h, made, changes)
        for (_, producer), _ in zip(made, sorted(changes)):
            links.add((producer, consumer, kind, h))
    return links


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def run_fleet(out, producer_url, consumer_url):
    """The producers export to `producer_url`, then the consumers to
    `consumer_url`; the OpenTelemetry services also write their export
    requests to `out`. Returns the links expected from what each side
    wrote and received."""
    os.environ["SPAN_AUTOLINK_DEMO_SERVE"] = producer_url
    os.environ["SPAN_AUTOLINK_DEMO_OUT"] = str(out)

    # The OpenTelemetry producer (demo/producer.py) and its resources.
    sqs, otel_queue, otel_queue_arn, otel_stream = demo.create_resources()
    demo.run_service(["producer.py", demo.BUCKET, demo.TABLE])
    otel_messages = demo.receive(sqs, otel_queue, 3)
    otel_events = (sqs_lambda_event(otel_messages, otel_queue_arn), stream_lambda_event(demo.stream_records(otel_stream), otel_stream))

    # The ddtrace producer, on a bucket and table of its own.
    dd_bucket, dd_table, dd_queue = "serve-e2e-dd", "serve-e2e-dd-orders", "serve-e2e-dd-created"
    _, dd_queue_url, dd_queue_arn, dd_stream = demo.create_resources(dd_bucket, dd_queue, dd_table)
    dd_keys = ["dd report.txt", "dd+1%.txt"]
    dd_out = run_dd(DD_PRODUCER, producer_url, [dd_bucket, dd_table, json.dumps(dd_keys)])
    dd_events = (
        sqs_lambda_event(demo.receive(sqs, dd_queue_url, len(dd_keys)), dd_queue_arn),
        stream_lambda_event(demo.stream_records(dd_stream), dd_stream),
    )

    # Every event to both consumers.
    os.environ["SPAN_AUTOLINK_DEMO_SERVE"] = consumer_url
    for events in (otel_events, dd_events):
        demo.run_service(["consumer.py", "thumbnailer", "handlers.make_thumbnails"], json.dumps(events[0]))
        demo.run_service(["consumer.py", "order-events", "handlers.record_order_events"], json.dumps(events[1]))
    dd_consumer = run_dd(
        DD_CONSUMER,
        consumer_url,
        stdin=json.dumps([*otel_events, *dd_events]),
        extra_env={"AWS_LAMBDA_FUNCTION_NAME": "dd-consumer", "DD_FLUSH_TO_LOG": "false", "DD_LOCAL_TEST": "true"},
    )

    # What each side wrote and received, as the test works it out.
    files = [os.path.join(out, f) for f in os.listdir(out) if f.endswith(".otlp")]
    otel_spans = demo.read_exported(files)
    producers, consumers = [], []
    for key, span in otel_spans.items():
        for direction, kind, h, change in span.pointers:
            if direction == "d":
                producers.append((kind, h, span.end, key))
            else:
                consumers.append((kind, h, change, key))
    dd_spans = dd_out["spans"]
    ids = lambda s: (s["trace_id"], s["span_id"])  # noqa: E731
    puts = sorted((s for s in dd_spans if s["operation"] == "PutObject"), key=lambda s: s["start"])
    assert len(puts) == len(dd_keys)
    for span, key, etag in zip(puts, dd_keys, dd_out["etags"]):
        producers.append((S3, std_hash(dd_bucket, key, etag.strip('"')), span["end"], ids(span)))
    (put_item,) = [s for s in dd_spans if s["operation"] == "PutItem"]
    producers.append((DYNAMODB, ddb_hash(dd_table, {"customer": "carol", "order": "3"}), put_item["end"], ids(put_item)))

    def bucket_hash(bucket):
        return lambda key, etag: std_hash(bucket, unquote_plus(key), etag)

    def item_hash(table):
        return lambda keys: ddb_hash(table, keys)

    assert len([s for s in dd_consumer["spans"] if s["name"] in ("aws.sqs", "aws.dynamodb")]) == 4
    sqs_spans = sorted((s for s in dd_consumer["spans"] if s["name"] == "aws.sqs"), key=lambda s: s["start"])
    stream_spans = sorted((s for s in dd_consumer["spans"] if s["name"] == "aws.dynamodb"), key=lambda s: s["start"])
    for (sqs_event, stream_event), bucket, table, sqs_span, stream_span in (
        (otel_events, demo.BUCKET, demo.TABLE, sqs_spans[0], stream_spans[0]),
        (dd_events, dd_bucket, dd_table, sqs_spans[1], stream_spans[1]),
    ):
        for kind, h, change in deliveries(sqs_event, stream_event, bucket_hash(bucket), item_hash(table)):
            consumers.append((kind, h, change, ids(sqs_span if kind == S3 else stream_span)))
    expected = expected_links(producers, consumers)
    # 5 objects and 4 item writes, each delivered to two consumers.
    assert len(expected) == 2 * (3 + 3 + len(dd_keys) + 1)
    services = {span.service for span in otel_spans.values()}
    assert services == {"shop", "thumbnailer", "order-events"}, services

    return expected


def got_links(serve_url):
    """/links of one serve, as (producer, consumer, kind, hash), and what it
    left unmatched."""
    links = get_json(serve_url + "/links")
    got = {
        ((l["producer"]["trace_id"], l["producer"]["span_id"]), (l["consumer"]["trace_id"], l["consumer"]["span_id"]), l["kind"], l["hash"])
        for l in links["links"]
    }
    return got, links["unmatched"]


def test_a_mixed_fleet_through_serve(aws, serve, tmp_path):
    serve_url, receiver, stop_serve = serve
    expected = run_fleet(tmp_path, serve_url, serve_url)

    got, unmatched = got_links(serve_url)
    assert got == expected, (sorted(expected - got), sorted(got - expected))
    assert unmatched == []
    # One trace's links: those with either side in it.
    trace = next(iter(expected))[0][0]
    one = get_json(f"{serve_url}/links?trace_id={trace}")["links"]
    assert {(l["producer"]["trace_id"], l["producer"]["span_id"]) for l in one} >= {
        p for p, _, _, _ in expected if p[0] == trace
    }
    assert all(trace in (l["producer"]["trace_id"], l["consumer"]["trace_id"]) for l in one)

    stop_serve()
    backward = receiver.links("backward")
    forward = {(producer, consumer, kind, h) for consumer, producer, kind, h in receiver.links("forward")}
    assert backward == expected, (sorted(expected - backward), sorted(backward - expected))
    assert forward == expected, (sorted(expected - forward), sorted(forward - expected))


class Holder:
    """A stage that keeps what the tracers send (OTLP and Datadog v0.4
    requests, answered as serve answers them) and passes it on later: the
    producers' spans reaching their replica after the consumers' reached
    theirs."""

    ANSWERS = {
        "/v1/traces": ("application/x-protobuf", b""),
        "/v0.4/traces": ("application/json", b'{"rate_by_service":{}}'),
    }

    def __init__(self) -> None:
        self.held = []
        held, answers = self.held, self.ANSWERS

        class Handler(http.server.BaseHTTPRequestHandler):
            def keep(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path not in answers:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: self.headers[k] for k in ("Content-Type", "Content-Encoding") if self.headers[k]}
                held.append((self.command, self.path, headers, body))
                content_type, answer = answers[self.path]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_PUT = keep

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def release(self, url):
        """Sends every kept request, in order, to `url`."""
        assert self.held, "the producers sent nothing"
        for method, path, headers, body in self.held:
            request = urllib.request.Request(url + path, data=body, headers=headers, method=method)
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 200, (path, answer.status)
        self.held.clear()


@pytest.fixture
def redis_url(tmp_path):
    """Debian's redis-server on a free loopback port, its data directory in
    tmp_path and nothing saved (as linker/tests/common/redis_server.rs)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed; bash .ci/run installs Debian's redis-server")
    for attempt in range(5):
        # Another process may take the free port between our look and
        # Redis's bind: try a few.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        data = tmp_path / f"redis-{attempt}"
        data.mkdir()
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if redis_answers(port, proc):
            try:
                yield f"redis://127.0.0.1:{port}"
            finally:
                proc.kill()
                proc.wait()
            return
        proc.kill()
        proc.wait()
    pytest.fail("redis-server did not start on a loopback port")


def redis_answers(port, proc, timeout=10.0):
    """Whether the server answers PING before `timeout` or its exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(7) == b"+PONG\r\n":
                    return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def reset_moto(endpoint):
    """Empties moto's server: each run makes the same buckets and tables."""
    request = urllib.request.Request(endpoint + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


@pytest.mark.parametrize("consumers_first", [False, True], ids=["producers-first", "consumers-first"])
def test_the_fleet_across_two_replicas_sharing_redis(aws, moto_endpoint, redis_url, tmp_path, consumers_first):
    """Producers' spans to one replica, consumers' to the other, both on one
    Redis: each replica sees one side of every hop, and each must link all
    of them, answer /links for both, and forward the links on the spans it
    holds."""
    reset_moto(moto_endpoint)
    namespace = f"serve-e2e-{os.getpid()}-{int(consumers_first)}"
    a = Serve("--store", redis_url, "--store-namespace", namespace)
    b = Serve("--store", redis_url, "--store-namespace", namespace)
    try:
        if consumers_first:
            # Consumers to A first; the producers' spans are held here and
            # reach B only after.
            holder = Holder()
            try:
                expected = run_fleet(tmp_path, holder.url, a.url)
                holder.release(b.url)
            finally:
                holder.server.shutdown()
            producer_side, consumer_side = b, a
        else:
            expected = run_fleet(tmp_path, a.url, b.url)
            producer_side, consumer_side = a, b

        for replica in (a, b):
            got, unmatched = got_links(replica.url)
            assert got == expected, (replica.url, sorted(expected - got), sorted(got - expected))
            assert unmatched == [], replica.url

        for replica in (a, b):
            replica.stop()
        # The producer spans carry the Backward links (as in the test
        # above), the consumer spans the Forward ones.
        backward = producer_side.receiver.links("backward")
        forward = {(p, c, kind, h) for c, p, kind, h in consumer_side.receiver.links("forward")}
        assert backward == expected, (sorted(expected - backward), sorted(backward - expected))
        assert forward == expected, (sorted(expected - forward), sorted(forward - expected))
    finally:
        a.close()
        b.close()
