"""S3 end to end against moto's server: boto3 writes an object (PutObject,
CopyObject, a multipart upload), the bucket's notification reaches SQS, and
the message becomes a Lambda SQS event and, unwrapped, the plain S3
notification a directly triggered Lambda gets. The consumer pointer
(span_autolink.pointers_for_event) must equal the producer pointer
(span_autolink.pointers_for_response on the real request and response) for
every object. ddtrace and datadog-lambda run on the same calls and events;
their results are recorded, not asserted."""

import json
import time

import pytest
from botocore.config import Config

import span_autolink
from e2e_support import (
    DATADOG,
    MOTO_MULTIPART,
    OURS,
    capture,
    directions,
    hashes,
    s3_notification_as_aws,
    sqs_lambda_event,
    std_hash,
)

# A plain key, keys with characters a notification URL-encodes, and `/`
# (which it does not).
KEYS = [
    ("plain", "report-2024_final.v1.txt"),
    ("space", "my report.txt"),
    ("plus", "a+b.txt"),
    ("percent", "100%.txt"),
    ("equals", "k=v.txt"),
    ("ampersand", "this&that.txt"),
    ("parens", "photo(1).jpg"),
    ("slash", "dir/sub/file.txt"),
    ("nonascii", "café-Ünïcödé-日本.txt"),
    ("emoji", "party-🎉.txt"),
    ("mixed", "dir/my file+(1)&k=v%20ü🎉.txt"),
]
OPERATIONS = {
    "put": "PutObject",
    "copy": "CopyObject",
    "multipart": "CompleteMultipartUpload",
}
QUEUE = "e2e-s3-notifications"
SOURCE_BUCKET = "e2e-copy-source"
PART = 5 * 1024 * 1024  # S3's (and moto's) smallest part but the last


def bucket_for(op):
    return f"e2e-{op}-notify"


class S3World:
    def __init__(self, session):
        self.s3 = session.client("s3", config=Config(s3={"addressing_style": "path"}))
        self.sqs = session.client("sqs")
        self.queue_url = self.sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.s3.create_bucket(Bucket=SOURCE_BUCKET)
        self.s3.put_object(Bucket=SOURCE_BUCKET, Key="source object", Body=b"copied bytes\n" * 100)
        for op in OPERATIONS:
            self.s3.create_bucket(Bucket=bucket_for(op))
            self.s3.put_bucket_notification_configuration(
                Bucket=bucket_for(op),
                NotificationConfiguration={
                    "QueueConfigurations": [{"QueueArn": self.queue_arn, "Events": ["s3:ObjectCreated:*"]}]
                },
            )
        # S3 (and moto) confirm each notification configuration with an
        # s3:TestEvent message.
        self.test_events = self.receive(len(OPERATIONS))

    def receive(self, count, timeout=10.0):
        messages = []
        deadline = time.monotonic() + timeout
        while len(messages) < count and time.monotonic() < deadline:
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
            ).get("Messages", [])
            for m in got:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
            messages += got
            if not got:
                time.sleep(0.02)
        assert len(messages) == count, f"expected {count} messages, got {messages}"
        return messages

    def write(self, op, key):
        """Writes ``key`` with ``op``; returns the producing call."""
        bucket = bucket_for(op)
        with capture() as calls:
            if op == "put":
                self.s3.put_object(Bucket=bucket, Key=key, Body=f"object {key}\n".encode(), ContentType="text/plain")
            elif op == "copy":
                self.s3.copy_object(
                    Bucket=bucket, Key=key, CopySource={"Bucket": SOURCE_BUCKET, "Key": "source object"}
                )
            else:
                upload = self.s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
                parts = []
                for number, body in ((1, b"a" * PART), (2, f"last part of {key}".encode())):
                    etag = self.s3.upload_part(
                        Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=body
                    )["ETag"]
                    parts.append({"PartNumber": number, "ETag": etag})
                self.s3.complete_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
                )
        (call,) = [c for c in calls if c.operation == OPERATIONS[op]]
        return call


@pytest.fixture(scope="module")
def world(aws):
    return S3World(aws)


def test_test_events_give_no_pointer(world, datadog):
    for message in world.test_events:
        assert json.loads(message["Body"])["Event"] == "s3:TestEvent"
        event = sqs_lambda_event([message], world.queue_arn)
        outcome = span_autolink.pointers_for_event(event)
        assert outcome.pointers == () and outcome.issues == ()
        assert datadog.consumer(event) == []


def etag_of(call):
    if call.operation == "CopyObject":
        return call.result["CopyObjectResult"]["ETag"]
    return call.result["ETag"]


def notification_messages(world, op):
    """The messages one write caused, and the one S3 sends. moto sends two
    for a completed multipart upload (an ObjectCreated:Put from the put it
    does internally, then ObjectCreated:CompleteMultipartUpload); S3 sends
    only the second."""
    if op != "multipart":
        messages = world.receive(1)
        return messages, messages[0], []
    messages = world.receive(2)
    names = [json.loads(m["Body"])["Records"][0]["eventName"] for m in messages]
    assert sorted(names) == ["ObjectCreated:CompleteMultipartUpload", "ObjectCreated:Put"], names
    (sent,) = [m for m, n in zip(messages, names) if n == "ObjectCreated:CompleteMultipartUpload"]
    return messages, sent, [MOTO_MULTIPART]


def why_datadog_misses(delivery, producer, consumer, bucket, encoded_key, etag):
    if not producer:
        return "no producer pointer"
    if not consumer:
        if delivery == "sqs":
            return "no consumer pointer for an S3 notification inside an SQS message"
        return "no consumer pointer"
    if consumer == [std_hash(bucket, encoded_key, etag)]:
        return f"key not URL-decoded (hashes `{encoded_key}`)"
    return "producer and consumer hashes differ"


@pytest.mark.parametrize("kind, key", KEYS, ids=[k for k, _ in KEYS])
@pytest.mark.parametrize("op", list(OPERATIONS))
def test_s3_object_links(world, datadog, compat, op, kind, key):
    bucket = bucket_for(op)
    call = world.write(op, key)
    etag = etag_of(call).strip('"')
    assert etag and '"' not in etag
    if op == "multipart":
        assert etag.endswith("-2")

    # Producer: the real request and response.
    ours_producer = span_autolink.pointers_for_response("s3", call.operation, call.params, call.result)
    assert directions(ours_producer) == {"d"}
    ours_producer = hashes(ours_producer)
    assert ours_producer == [std_hash(bucket, key, etag)]
    dd_producer = datadog.producer(call)

    messages, sent, notes = notification_messages(world, op)
    body = json.loads(sent["Body"])
    (record,) = body["Records"]
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["eTag"] == etag

    # As S3 delivers it, and as moto delivered it (they differ where moto
    # does something S3 does not; the notes say what).
    aws_body, slash_notes = s3_notification_as_aws(body)
    notes += slash_notes
    aws_messages = [dict(sent, Body=json.dumps(aws_body))]
    encoded_key = aws_body["Records"][0]["s3"]["object"]["key"]
    if kind not in ("plain", "slash"):
        assert encoded_key != key, "S3 notifications carry keys URL-encoded"
    moto_bodies = [json.loads(m["Body"]) for m in messages]

    deliveries = {
        "sqs": ("notification via SQS", sqs_lambda_event(aws_messages, world.queue_arn),
                sqs_lambda_event(messages, world.queue_arn)),
        # Each notification a Lambda of its own; here, their records together.
        "direct": ("notification delivered directly", aws_body,
                   {"Records": [r for b in moto_bodies for r in b["Records"]]}),
    }
    for delivery, (how, event, emulated) in deliveries.items():
        ours_consumer = span_autolink.pointers_for_event(event)
        assert directions(ours_consumer) == {"u"}
        ours_consumer = hashes(ours_consumer)
        ours_emulated = hashes(span_autolink.pointers_for_event(emulated))
        # The point of it all: the consumer meets the producer, also in
        # each of the notifications moto sends.
        assert ours_consumer == ours_producer, (delivery, encoded_key)
        assert ours_emulated == ours_producer * len(messages), (delivery, "as moto delivered it")

        dd_consumer = datadog.consumer(event)
        dd_emulated = datadog.consumer(emulated)
        entry = compat.record(
            id=f"s3-{op}-{kind}-{delivery}",
            flow=f"S3 {call.operation}, key `{key}`, {how}",
            results={
                OURS: {"producer": ours_producer, "consumer": ours_consumer, "consumer_under_emulator": ours_emulated},
                DATADOG: {
                    "producer": dd_producer,
                    "consumer": dd_consumer,
                    "consumer_under_emulator": dd_emulated,
                    "why": why_datadog_misses(delivery, dd_producer, dd_consumer, bucket, encoded_key, etag),
                },
            },
            emulator_notes=notes,
        )
        # Where a Datadog library links, it must link with our hash.
        if entry["results"][DATADOG]["links"]:
            assert dd_producer == ours_producer and dd_consumer == ours_consumer

