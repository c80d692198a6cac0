"""span_autolink.opentelemetry with the real OpenTelemetry SDK (in-memory
exporter), the real botocore and aws-lambda instrumentations, and boto3
against moto's server.

Producer spans must carry exactly one pointer link per object or item, with
the hash written out here from SPEC sections 1, 3 and 4 and what moto
answered; the consumer span (a worker's ReceiveMessage / GetRecords, and
the Lambda handler's span, invoked through the instrumentation with the
event built from what moto delivered) the same hashes; failed writes none;
and the request-parameter stash is empty after every call, also those that
raise."""

import importlib
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from e2e_support import (
    CountingProxy,
    NoKeySetting,
    ddb_hash,
    drain,
    notifying_bucket,
    read_stream,
    sqs_lambda_event,
    std_hash,
    stream_lambda_event,
)

otel_sdk = pytest.importorskip("opentelemetry.sdk.trace")
from opentelemetry import trace  # noqa: E402
from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import span_autolink  # noqa: E402
import span_autolink.opentelemetry as sa_otel  # noqa: E402

QUEUE = "e2e-otel-s3"
BUCKET = "e2e-otel-bucket"
SOURCE = "e2e-otel-source"
TABLE = "e2e-otel-table"
KEYS = ["plain.txt", "my report.txt", "a+b.txt", "100%.txt", "café-日本-🎉.txt", "dir/my file+(1)%20ü.txt"]
PART = 5 * 1024 * 1024

HANDLER_SOURCE = '''
from opentelemetry import trace
import span_autolink.opentelemetry as sa_otel

SEEN = []

@sa_otel.with_pointers
def handler(event, context):
    SEEN.append(trace.get_current_span().get_span_context().span_id)
    return {"ok": True}
'''


class LambdaContext:
    function_name = "otel-consumer"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:otel-consumer"
    memory_limit_in_mb = 128
    aws_request_id = "00000000-0000-0000-0000-000000000001"
    log_group_name = "/aws/lambda/otel-consumer"
    log_stream_name = "stream"


@pytest.fixture(scope="module")
def otel(aws, tmp_path_factory):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = sa_otel.instrument_botocore(tracer_provider=provider, dynamodb_primary_keys={TABLE: ["pk", "sk"]})

    handler_dir = tmp_path_factory.mktemp("otel_handler")
    (handler_dir / "otel_e2e_handler.py").write_text(HANDLER_SOURCE)
    sys.path.insert(0, str(handler_dir))
    saved = {k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "_HANDLER")}
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "otel-consumer"
    os.environ["_HANDLER"] = "otel_e2e_handler.handler"
    lambda_instrumentor = AwsLambdaInstrumentor()
    lambda_instrumentor.instrument(tracer_provider=provider)
    module = importlib.import_module("otel_e2e_handler")
    try:
        yield exporter, module
    finally:
        lambda_instrumentor.uninstrument()
        instrumentor.uninstrument()
        sys.path.remove(str(handler_dir))
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def stash_size():
    return len(sa_otel.request_hook.stash)


def pointer_links(span):
    return [dict(link.attributes) for link in span.links if link.attributes.get("link.kind") == "span-pointer"]


def spans_named(exporter, name):
    return [s for s in exporter.get_finished_spans() if s.name == name]


def only_span(exporter, name):
    spans = spans_named(exporter, name)
    assert len(spans) == 1, [s.name for s in exporter.get_finished_spans()]
    return spans[0]


def assert_links(span, direction, expected):
    links = pointer_links(span)
    for link in span.links:
        assert not link.context.is_valid
    for link in links:
        assert link["ptr.dir"] == direction
    assert [link["ptr.hash"] for link in links] == expected, links


def invoke(module, event):
    module.SEEN.clear()
    assert module.handler(event, LambdaContext()) == {"ok": True}
    (span_id,) = module.SEEN
    return span_id


def exported_span(exporter, span_id):
    (span,) = [s for s in exporter.get_finished_spans() if s.context.span_id == span_id]
    return span


def test_s3_producer_and_consumers(otel, aws):
    exporter, module = otel
    s3, sqs, queue_url, queue_arn = notifying_bucket(aws, BUCKET, QUEUE)
    s3.create_bucket(Bucket=SOURCE)
    s3.put_object(Bucket=SOURCE, Key="src", Body=b"copied\n")
    exporter.clear()

    expected = []
    for key in KEYS:
        etag = s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())["ETag"]
        expected.append(std_hash(BUCKET, key, etag.strip('"')))
    puts = spans_named(exporter, "S3.PutObject")
    assert len(puts) == len(KEYS)
    for span, h in zip(puts, expected):
        assert_links(span, "d", [h])

    etag = s3.copy_object(Bucket=BUCKET, Key="copied key+1", CopySource={"Bucket": SOURCE, "Key": "src"})[
        "CopyObjectResult"
    ]["ETag"]
    copy_hash = std_hash(BUCKET, "copied key+1", etag.strip('"'))
    assert_links(only_span(exporter, "S3.CopyObject"), "d", [copy_hash])

    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="multi part%")["UploadId"]
    parts = []
    for number, body in ((1, b"a" * PART), (2, b"tail")):
        parts.append(
            {
                "PartNumber": number,
                "ETag": s3.upload_part(Bucket=BUCKET, Key="multi part%", UploadId=upload, PartNumber=number, Body=body)[
                    "ETag"
                ],
            }
        )
    etag = s3.complete_multipart_upload(
        Bucket=BUCKET, Key="multi part%", UploadId=upload, MultipartUpload={"Parts": parts}
    )["ETag"]
    multi_hash = std_hash(BUCKET, "multi part%", etag.strip('"'))
    assert_links(only_span(exporter, "S3.CompleteMultipartUpload"), "d", [multi_hash])
    for span in spans_named(exporter, "S3.UploadPart") + spans_named(exporter, "S3.CreateMultipartUpload"):
        assert pointer_links(span) == []

    # A failed write: no link, and nothing left in the stash.
    with pytest.raises(ClientError):
        s3.put_object(Bucket="e2e-otel-no-such-bucket", Key="k", Body=b"x")
    failed = [s for s in spans_named(exporter, "S3.PutObject") if s.status.status_code.name == "ERROR"]
    assert len(failed) == 1 and pointer_links(failed[0]) == []
    assert stash_size() == 0

    # The worker: ReceiveMessage's span carries the consumer links.
    exporter.clear()
    messages = drain(sqs, queue_url, len(KEYS) + 2 + 1)  # moto notifies a multipart upload twice
    receive_links = [
        link["ptr.hash"] for s in spans_named(exporter, "SQS.ReceiveMessage") for link in pointer_links(s)
    ]
    produced = set(expected + [copy_hash, multi_hash])
    assert set(receive_links) == produced
    assert all(link["ptr.dir"] == "u" for s in spans_named(exporter, "SQS.ReceiveMessage") for link in pointer_links(s))

    # The Lambda handler, invoked through the instrumentation with the SQS event.
    exporter.clear()
    span_id = invoke(module, sqs_lambda_event(messages, queue_arn))
    consumer = exported_span(exporter, span_id)
    links = pointer_links(consumer)
    assert {link["ptr.hash"] for link in links} == produced
    assert all(link["ptr.dir"] == "u" and isinstance(link["span_autolink.change_time"], int) for link in links)
    assert stash_size() == 0


def test_dynamodb_producer_and_consumers(otel, aws):
    exporter, module = otel
    ddb = aws.client("dynamodb")
    streams = aws.client("dynamodbstreams")
    arn = ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]

    def h(pk, sk):
        return ddb_hash(TABLE, {"pk": pk, "sk": sk})

    exporter.clear()
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "a b+%ü"}, "sk": {"N": "1"}, "v": {"S": "x"}})
    assert_links(only_span(exporter, "DynamoDB.PutItem"), "d", [h("a b+%ü", "1")])

    ddb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "a b+%ü"}, "sk": {"N": "1"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"S": "y"}},
    )
    assert_links(only_span(exporter, "DynamoDB.UpdateItem"), "d", [h("a b+%ü", "1")])
    ddb.batch_write_item(
        RequestItems={
            TABLE: [
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"N": "2"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "c"}, "sk": {"N": "3"}}}},
            ]
        }
    )
    assert_links(only_span(exporter, "DynamoDB.BatchWriteItem"), "d", [h("b", "2"), h("c", "3")])
    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "d"}, "sk": {"N": "4"}}}},
            {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "b"}, "sk": {"N": "2"}}}},
        ]
    )
    assert_links(only_span(exporter, "DynamoDB.TransactWriteItems"), "d", [h("d", "4"), h("b", "2")])
    ddb.delete_item(TableName=TABLE, Key={"pk": {"S": "c"}, "sk": {"N": "3"}})
    assert_links(only_span(exporter, "DynamoDB.DeleteItem"), "d", [h("c", "3")])

    # ConditionalCheckFailed: no link; the stash is empty after the raise.
    exporter.clear()
    with pytest.raises(ClientError) as raised:
        ddb.put_item(
            TableName=TABLE,
            Item={"pk": {"S": "d"}, "sk": {"N": "4"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert pointer_links(only_span(exporter, "DynamoDB.PutItem")) == []
    assert stash_size() == 0

    # The worker's GetRecords span: the stream ARN comes from the shard iterator.
    exporter.clear()
    records = streams.get_records(ShardIterator=iterator)["Records"]
    produced = [h("a b+%ü", "1"), h("a b+%ü", "1"), h("b", "2"), h("c", "3"), h("d", "4"), h("b", "2"), h("c", "3")]
    assert len(records) == len(produced)
    assert_links(only_span(exporter, "DynamoDB Streams.GetRecords"), "u", produced)

    exporter.clear()
    span_id = invoke(module, stream_lambda_event(records, arn))
    assert_links(exported_span(exporter, span_id), "u", produced)
    assert stash_size() == 0


def test_dynamodb_with_no_key_setting(otel, aws):
    """Four tables, each known from one kind of call (e2e_support.NoKeySetting),
    no key names configured for any: every PutItem, BatchWriteItem put and
    TransactWriteItems put carries its pointer, and the Lambda span of the
    table's stream records links to them."""
    exporter, module = otel
    ddb = aws.client("dynamodb")
    tables = NoKeySetting("e2e-otel-nokeys")
    arns = {table: tables.create(ddb, table) for table in tables.tables[1:]}
    span_autolink.forget_tables()  # those three were made elsewhere
    arns[tables.tables[0]] = tables.create(ddb, tables.tables[0])
    tables.teach(ddb)
    for table in tables.tables:
        exporter.clear()
        for operation, hashes in tables.put_all(ddb, table):
            assert_links(only_span(exporter, f"DynamoDB.{operation}"), "d", hashes)
        records = read_stream(aws, arns[table])
        exporter.clear()
        span_id = invoke(module, stream_lambda_event(records, arns[table]))
        links = pointer_links(exported_span(exporter, span_id))
        assert {link["ptr.dir"] for link in links} == {"u"}
        assert sorted({link["ptr.hash"] for link in links}) == tables.streamed(table), table
    assert stash_size() == 0


def test_the_opt_in_lookup(otel, aws, monkeypatch, caplog):
    """SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE=true: however many puts on a
    table nobody showed run at once, DynamoDB receives one DescribeTable
    (counted by a proxy in front of moto); the first put says it asked, and
    the puts after the answer link."""
    exporter, _ = otel
    table = "e2e-otel-nokeys-lookup"
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    span_autolink.forget_tables()  # made elsewhere
    with CountingProxy(os.environ["AWS_ENDPOINT_URL"]) as proxy:
        monkeypatch.setenv("SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE", "true")
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint)
        span_autolink.reload_environment()
        caplog.set_level(logging.DEBUG, logger="span_autolink")
        try:
            client = aws.client("dynamodb")

            def put(n):
                client.put_item(TableName=table, Item={"pk": {"S": f"p-{n}"}, "sk": {"N": str(n)}})

            with ThreadPoolExecutor(16) as pool:
                list(pool.map(put, range(16)))
            said = [r.getMessage() for r in caplog.records if "key_lookup" in r.getMessage()]
            assert len([m for m in said if "key_lookup_pending span-autolink asked DynamoDB" in m]) == 1, said
            assert all("key_lookup_pending" in m for m in said), said
            for tries in range(100):
                exporter.clear()
                put(100 + tries)
                if pointer_links(only_span(exporter, "DynamoDB.PutItem")):
                    break
                time.sleep(0.05)
            for n in range(200, 205):
                exporter.clear()
                put(n)
                assert_links(only_span(exporter, "DynamoDB.PutItem"), "d", [ddb_hash(table, {"pk": f"p-{n}", "sk": str(n)})])
            time.sleep(0.2)
            assert proxy.count("DescribeTable") == 1
            assert proxy.count("PutItem") >= 21
        finally:
            monkeypatch.undo()
            span_autolink.reload_environment()


def test_a_lookup_that_fails_is_told_and_not_tried_again(aws):
    """The lookup's client reaches nothing (a loopback port nothing listens
    on): the put that started it says it asked, the puts after it say that
    it failed and when it is tried again, which is not before a minute."""
    import socket

    table = "e2e-otel-nokeys-unreachable"
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    span_autolink.forget_tables()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unreachable = aws.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{port}", config=Config(retries={"max_attempts": 1}, connect_timeout=2)
    )

    def put(n):
        params = {"TableName": table, "Item": {"pk": {"S": f"k{n}"}}}
        result = ddb.put_item(**params)
        outcome = sa_otel.pointers_for_call("dynamodb", "PutItem", params, result, describe_table=unreachable)
        return [i.code for i in outcome.issues], [i.message for i in outcome.issues]

    assert put(0)[0] == ["table_not_configured", "key_lookup_pending"]
    for n in range(1, 200):
        codes, messages = put(n)
        if "key_lookup_failed" in codes:
            break
        time.sleep(0.05)
    assert codes == ["table_not_configured", "key_lookup_failed"], messages
    assert "EndpointConnectionError" in messages[1] and "asks again when a put needs it in" in messages[1]
    assert int(messages[1].rsplit(" in ", 1)[1].split()[0]) >= 55


def test_to_links_and_missing_add_link():
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2024-01-01T00:00:00.000Z",
                "s3": {"bucket": {"name": "some-bucket"}, "object": {"key": "some-key.data", "eTag": "ab12ef34"}},
            }
        ]
    }
    outcome = span_autolink.pointers_for_event(event)
    (link,) = sa_otel.to_links(outcome)
    assert not link.context.is_valid
    assert link.attributes["ptr.hash"] == "e721375466d4116ab551213fdea08413"  # SPEC section 7
    assert link.attributes["span_autolink.change_time"] == 1704067200 * 10**9

    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("t").start_span("consumer", links=sa_otel.to_links(outcome)).end()
    (span,) = exporter.get_finished_spans()
    assert pointer_links(span)[0]["ptr.hash"] == "e721375466d4116ab551213fdea08413"

    class OldSpan:  # a span of opentelemetry-api < 1.23: no add_link
        pass

    result = sa_otel.add_event_links(OldSpan(), event)
    assert [i.code for i in result.issues] == ["span_links_unsupported"]


def test_a_batch_of_more_records_than_the_sdk_keeps_links_per_span():
    """An OpenTelemetry SDK keeps 128 links per span by default
    (OTEL_SPAN_LINK_COUNT_LIMIT): a consumer batch with more records loses
    links, and the outcome says so."""
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/batch-table/stream/2026-01-01T00:00:00.000"
    ids = [f"item {i}" for i in range(150)]
    event = {
        "Records": [
            {
                "eventID": str(i),
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
                "dynamodb": {"Keys": {"id": {"S": key}}, "SequenceNumber": str(100 + i), "StreamViewType": "KEYS_ONLY"},
            }
            for i, key in enumerate(ids)
        ]
    }
    expected = {std_hash("batch-table", "id", key, "", "") for key in ids}
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    outcomes = []

    @sa_otel.with_pointers(on_outcome=lambda span, outcome: outcomes.append(outcome))
    def handler(event, context):
        return len(event["Records"])

    with provider.get_tracer("t").start_as_current_span("big-batch-consumer"):
        assert handler(event, LambdaContext()) == 150
    (span,) = exporter.get_finished_spans()
    links = pointer_links(span)
    assert len(links) == 128 and span.dropped_links == 22
    assert {link["ptr.hash"] for link in links} <= expected
    (outcome,) = outcomes
    assert len(outcome.pointers) == 150
    assert [i.code for i in outcome.issues] == ["span_links_dropped"]
    assert "dropped 22 link(s)" in outcome.issues[0].message and "OTEL_SPAN_LINK_COUNT_LIMIT" in outcome.issues[0].message
