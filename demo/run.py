"""`make demo`: the whole system on this machine.

moto's server stands in for S3, SQS, DynamoDB and DynamoDB Streams. A
producer service (producer.py), traced with OpenTelemetry through
span_autolink.opentelemetry, uploads objects and writes items. Two
Lambda-style consumers (consumer.py, handlers.py) are invoked with what
moto delivered: the bucket's notifications through SQS, and the table's
stream records. Every service exports with the real OTLP/HTTP exporter
to `span-autolink serve`, and to files (tracing.py).

The demo prints each producer span with its Backward links and each
consumer span with its Forward links, first as serve resolved them
(GET /links), then as `span-autolink link` wrote them into the exported
files. It exits non-zero, saying why, when a link is missing or the two
disagree, or when a link differs from the pairing worked out here from
the exported pointers alone.

    python demo/run.py BINARY OUT_DIR"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from typing import Dict, List, Optional, Set, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
E2E = os.path.join(ROOT, "py-test", "e2e")
sys.path.insert(0, E2E)

from e2e_support import sqs_lambda_event, stream_lambda_event, wait_until_serving  # noqa: E402

BUCKET = "demo-uploads"
QUEUE = "demo-uploads-created"
TABLE = "demo-orders"

SpanKey = Tuple[str, str]  # (trace id, span id), hex
Link = Tuple[SpanKey, SpanKey, str, str]  # producer, consumer, kind, hash


class DemoFailed(Exception):
    pass


class Process:
    """A child server that prints its address on its first line (of
    standard output or standard error) and is stopped at the end."""

    def __init__(self, args: List[str], address_from: str, prefix: str = "") -> None:
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stream = self.proc.stdout if address_from == "stdout" else self.proc.stderr
        ready, _, _ = select.select([stream], [], [], 60)
        line = stream.readline() if ready else ""
        if not line.startswith(prefix):
            self.stop()
            raise DemoFailed(f"{args[0]} did not start: {line!r}")
        self.address = line[len(prefix) :].strip()
        self.log: List[str] = []
        # Read the rest so that a chatty child never blocks on a full pipe.
        for other in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._keep, args=(other,), daemon=True).start()

    def _keep(self, stream) -> None:
        for line in stream:
            self.log.append(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def aws_environment(endpoint: str, out: str) -> None:
    empty = os.path.join(out, "empty-aws-config")
    open(empty, "w").close()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_CONFIG_FILE": empty,
            "AWS_SHARED_CREDENTIALS_FILE": empty,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def create_resources(bucket: str = BUCKET, queue: str = QUEUE, table: str = TABLE):
    """The bucket notifying a queue, and the table with a stream; untraced,
    as infrastructure is. Returns the SQS client, the queue's URL and ARN,
    and the stream's ARN."""
    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
    sqs = boto3.client("sqs")
    dynamodb = boto3.client("dynamodb")
    queue_url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    receive(sqs, queue_url, 1)  # the s3:TestEvent
    stream_arn = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "order", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "order", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    return sqs, queue_url, queue_arn, stream_arn


def receive(sqs, queue_url: str, count: int, timeout: float = 15.0) -> list:
    messages: list = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
            "Messages", []
        )
        for m in got:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        messages += got
        if not got:
            time.sleep(0.05)
    if len(messages) != count:
        raise DemoFailed(f"{count} messages expected on {queue_url}, got {len(messages)}")
    return messages


def stream_records(stream_arn: str) -> list:
    import boto3

    streams = boto3.client("dynamodbstreams")
    records = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return records


def run_service(args: List[str], stdin: str = "") -> None:
    done = subprocess.run(
        [sys.executable, *args], input=stdin, capture_output=True, text=True, cwd=HERE, timeout=120
    )
    if done.returncode != 0:
        raise DemoFailed(f"{args[0]} failed:\n{done.stderr[-4000:]}")


# -- what was exported -----------------------------------------------------------


class ExportedSpan:
    def __init__(self, service: str, name: str, start: int, end: int) -> None:
        self.service, self.name, self.start, self.end = service, name, start, end
        self.pointers: List[Tuple[str, str, str, Optional[int]]] = []  # dir, kind, hash, change time


def read_exported(paths: List[str]) -> Dict[SpanKey, ExportedSpan]:
    """Every span of the exported files, with its pointer links, read with
    the OTLP protobuf classes (opentelemetry-proto), not by the linker."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    spans: Dict[SpanKey, ExportedSpan] = {}
    for path in paths:
        request = ExportTraceServiceRequest()
        with open(path, "rb") as f:
            request.ParseFromString(f.read())
        for rs in request.resource_spans:
            service = next((a.value.string_value for a in rs.resource.attributes if a.key == "service.name"), "?")
            for ss in rs.scope_spans:
                for s in ss.spans:
                    span = ExportedSpan(service, s.name, s.start_time_unix_nano, s.end_time_unix_nano)
                    for link in s.links:
                        attributes = {a.key: a.value for a in link.attributes}
                        if "link.kind" not in attributes or attributes["link.kind"].string_value != "span-pointer":
                            continue
                        change = attributes.get("span_autolink.change_time")
                        span.pointers.append(
                            (
                                attributes["ptr.dir"].string_value,
                                attributes["ptr.kind"].string_value,
                                attributes["ptr.hash"].string_value,
                                change.int_value if change is not None else None,
                            )
                        )
                    spans[(s.trace_id.hex(), s.span_id.hex())] = span
    return spans


def expected_links(spans: Dict[SpanKey, ExportedSpan]) -> Set[Link]:
    """The pairing of this run worked out from the pointers alone: every
    object and item here is written as many times as it is delivered, so
    the i-th delivery (by change time) belongs to the i-th write (by the
    end of its span)."""
    producers: Dict[Tuple[str, str], List[Tuple[int, SpanKey]]] = defaultdict(list)
    consumers: Dict[Tuple[str, str], List[Tuple[int, SpanKey]]] = defaultdict(list)
    for key, span in spans.items():
        for direction, kind, h, change in span.pointers:
            if direction == "d":
                producers[(kind, h)].append((span.end, key))
            else:
                consumers[(kind, h)].append((change if change is not None else span.start, key))
    links: Set[Link] = set()
    for pointer in set(producers) | set(consumers):
        made, delivered = sorted(producers[pointer]), sorted(consumers[pointer])
        if len(made) != len(delivered):
            raise DemoFailed(f"{pointer}: {len(made)} writes but {len(delivered)} deliveries were exported")
        for (_, producer), (_, consumer) in zip(made, delivered):
            links.add((producer, consumer, pointer[0], pointer[1]))
    return links


def links_of_report(report: dict) -> Set[Link]:
    return {
        (
            (l["producer"]["trace_id"], l["producer"]["span_id"]),
            (l["consumer"]["trace_id"], l["consumer"]["span_id"]),
            l["kind"],
            l["hash"],
        )
        for l in report["links"]
    }


def links_in_otlp_json(path: str) -> Tuple[Set[Link], Set[Link]]:
    """The real links `link` added, read off the spans of its output: as
    the producers' Backward links, and as the consumers' Forward links."""
    backward: Set[Link] = set()
    forward: Set[Link] = set()
    with open(path) as f:
        for line in f:
            for rs in json.loads(line).get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for s in ss.get("spans", []):
                        this = (s["traceId"], s["spanId"])
                        for link in s.get("links", []):
                            a = {kv["key"]: kv.get("value", {}).get("stringValue") for kv in link.get("attributes", [])}
                            other = (link["traceId"], link["spanId"])
                            if a.get("span_autolink.link") == "backward":
                                backward.add((this, other, a["ptr.kind"], a["ptr.hash"]))
                            elif a.get("span_autolink.link") == "forward":
                                forward.add((other, this, a["ptr.kind"], a["ptr.hash"]))
    return backward, forward


# -- printing --------------------------------------------------------------------


def name(spans: Dict[SpanKey, ExportedSpan], key: SpanKey) -> str:
    span = spans.get(key)
    return f"{span.service}: {span.name}" if span else "(a span that was not exported)"


def describe(spans: Dict[SpanKey, ExportedSpan], key: SpanKey) -> str:
    """A span's heading: its service and name, and its whole ids."""
    return f"{name(spans, key):<38} trace {key[0]} span {key[1]}"


def linked(spans: Dict[SpanKey, ExportedSpan], key: SpanKey, kind: str, h: str) -> str:
    """The other side of a link: shortened ids (its own heading has them whole)."""
    return f"{name(spans, key):<38} {key[0][:8]}…/{key[1][:8]}…  {kind} {h[:8]}…"


def print_links(spans: Dict[SpanKey, ExportedSpan], links: Set[Link]) -> None:
    by_producer: Dict[SpanKey, List[Link]] = defaultdict(list)
    by_consumer: Dict[SpanKey, List[Link]] = defaultdict(list)
    for link in links:
        by_producer[link[0]].append(link)
        by_consumer[link[1]].append(link)
    order = lambda key: (spans[key].start if key in spans else 0, key)  # noqa: E731
    print("  Producer spans, each with its Backward links (the traces it caused):")
    for producer in sorted(by_producer, key=order):
        print(f"    {describe(spans, producer)}")
        for _, consumer, kind, h in sorted(by_producer[producer], key=lambda l: order(l[1])):
            print(f"        backward -> {linked(spans, consumer, kind, h)}")
    print("  Consumer spans, each with its Forward links (the traces that caused it):")
    for consumer in sorted(by_consumer, key=order):
        print(f"    {describe(spans, consumer)}")
        for producer, _, kind, h in sorted(by_consumer[consumer], key=lambda l: order(l[0])):
            print(f"        forward  -> {linked(spans, producer, kind, h)}")


def check(what: str, got: Set[Link], expected: Set[Link]) -> None:
    if got != expected:
        lines = [f"{what} differs from the pairing of the exported pointers:"]
        lines += [f"  missing: {l}" for l in sorted(expected - got)]
        lines += [f"  unexpected: {l}" for l in sorted(got - expected)]
        raise DemoFailed("\n".join(lines))


def main() -> int:
    binary, out = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    started: List[Process] = []
    try:
        moto = Process([sys.executable, os.path.join(E2E, "moto_server.py")], "stdout")
        started.append(moto)
        endpoint = f"http://127.0.0.1:{moto.address}"
        wait_until_serving(endpoint)
        serve = Process([binary, "serve", "--listen", "127.0.0.1:0"], "stderr", "span-autolink: listening on ")
        started.append(serve)
        serve_url = f"http://{serve.address}"
        aws_environment(endpoint, out)
        os.environ["SPAN_AUTOLINK_DEMO_SERVE"] = serve_url
        os.environ["SPAN_AUTOLINK_DEMO_OUT"] = out
        print("span-autolink demo: the whole system on this machine\n")
        print(f"  moto (S3, SQS, DynamoDB, DynamoDB Streams)   {endpoint}")
        print(f"  span-autolink serve                          {serve_url}")

        sqs, queue_url, queue_arn, stream_arn = create_resources()
        run_service(["producer.py", BUCKET, TABLE])
        print(f"  producer `shop` (boto3 + OpenTelemetry)      3 objects to s3://{BUCKET}, 3 writes to {TABLE}")
        messages = receive(sqs, queue_url, 3)
        run_service(["consumer.py", "thumbnailer", "handlers.make_thumbnails"], json.dumps(sqs_lambda_event(messages, queue_arn)))
        print(f"  Lambda `thumbnailer`                         {len(messages)} S3 notifications through SQS")
        records = stream_records(stream_arn)
        event = stream_lambda_event(records, stream_arn)
        run_service(["consumer.py", "order-events", "handlers.record_order_events"], json.dumps(event))
        print(f"  Lambda `order-events`                        {len(records)} stream records")
        files = sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".otlp"))
        print(f"  every service exported over OTLP/HTTP protobuf to serve, and to {', '.join(map(os.path.basename, files))}")

        spans = read_exported(files)
        expected = expected_links(spans)
        if len(expected) != len(messages) + len(records):
            raise DemoFailed(f"{len(messages) + len(records)} deliveries but {len(expected)} pointer pairs were exported")

        with urllib.request.urlopen(serve_url + "/links", timeout=10) as answer:
            served = json.loads(answer.read())
        print(f"\nFrom span-autolink serve (GET {serve_url}/links):\n")
        print_links(spans, links_of_report(served))
        check("serve's /links", links_of_report(served), expected)
        if served["unmatched"]:
            raise DemoFailed(f"serve left pointers unmatched: {served['unmatched']}")

        linked, report = os.path.join(out, "linked.json"), os.path.join(out, "report.json")
        done = subprocess.run([binary, "link", "--report", report, "-o", linked, *files], capture_output=True, text=True)
        if done.returncode != 0:
            raise DemoFailed(f"span-autolink link failed: {done.stderr}")
        backward, forward = links_in_otlp_json(linked)
        print(f"\nFrom span-autolink link {' '.join(os.path.relpath(f) for f in files)}")
        print(f"  (the links read off the spans of {os.path.relpath(linked)}):\n")
        print_links(spans, backward)
        check("link's Backward links", backward, expected)
        check("link's Forward links", forward, expected)
        with open(report) as f:
            check("link's --report", links_of_report(json.load(f)), expected)
        print(f"\nserve and link agree: {len(expected)} links, every pointer resolved.")
        return 0
    except DemoFailed as failure:
        print(f"\nDEMO FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        for process in reversed(started):
            process.stop()


if __name__ == "__main__":
    sys.exit(main())
