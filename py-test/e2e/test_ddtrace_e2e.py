"""span_autolink.ddtrace with the real ddtrace (botocore integration) and
datadog-lambda, sending to Datadog's test agent (ddapm-test-agent, started
here on a free loopback port), with boto3 against moto's server.

ddtrace runs in child processes (its global tracer and patching stay out of
this one). The traces the agent received must carry our pointers exactly
once per object or item, on the aws call span for producers and on the span
datadog-lambda puts consumer pointers on (the inferred aws.sqs /
aws.dynamodb span), with the hashes written out here from SPEC sections 1,
3 and 4; failed writes none; and no other span in the trace any."""

import datetime
import json
import textwrap

from ddtrace_support import LAMBDA_CONSUMER, clear, pointer_links, received_spans, run_child
from e2e_support import ddb_hash, notifying_bucket, sqs_lambda_event, std_hash, stream_lambda_event

QUEUE = "e2e-dd-s3"
BUCKET = "e2e-dd-bucket"
TABLE = "e2e-dd-table"
KEYS = ["plain.txt", "my report.txt", "a+b.txt", "100%.txt", "café-日本-🎉.txt"]

PRODUCER = textwrap.dedent(
    """
    import json, sys
    import ddtrace
    ddtrace.patch(botocore=True)
    import span_autolink.ddtrace as sad
    assert sad.instrument(dynamodb_primary_keys={%(table)r: ["pk"]})
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from ddtrace.trace import tracer

    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
    ddb = boto3.client("dynamodb")
    streams = boto3.client("dynamodbstreams")
    sqs = boto3.client("sqs")
    out = {"etags": [], "failed": []}
    for key in %(keys)r:
        out["etags"].append(s3.put_object(Bucket=%(bucket)r, Key=key, Body=key.encode())["ETag"])
    try:
        s3.put_object(Bucket="e2e-dd-no-such-bucket", Key="k", Body=b"x")
    except ClientError as e:
        out["failed"].append(e.response["Error"]["Code"])
    ddb.put_item(TableName=%(table)r, Item={"pk": {"S": "a b+%%ü"}, "v": {"S": "1"}})
    ddb.update_item(TableName=%(table)r, Key={"pk": {"S": "a b+%%ü"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "2"}})
    ddb.delete_item(TableName=%(table)r, Key={"pk": {"S": "gone"}})
    try:
        ddb.put_item(TableName=%(table)r, Item={"pk": {"S": "a b+%%ü"}}, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as e:
        out["failed"].append(e.response["Error"]["Code"])
    # A worker: ReceiveMessage and GetRecords.
    queue_url = sqs.get_queue_url(QueueName=%(queue)r)["QueueUrl"]
    messages = []
    for _ in range(200):
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        messages += got
        if len(messages) >= len(%(keys)r):
            break
    out["messages"] = messages
    arn = ddb.describe_table(TableName=%(table)r)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=it)["Records"]
    out["records"] = json.loads(json.dumps(records, default=lambda v: v.timestamp() if hasattr(v, "timestamp") else v.decode("latin-1")))
    out["stream_arn"] = arn
    tracer.shutdown()
    print(json.dumps(out))
    """
)


def test_ddtrace_producer_worker_and_datadog_lambda_consumer(aws, agent):
    _, _, _, queue_arn = notifying_bucket(aws, BUCKET, QUEUE)
    ddb = aws.client("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    clear(agent)

    out = json.loads(
        run_child(PRODUCER % {"keys": KEYS, "bucket": BUCKET, "table": TABLE, "queue": QUEUE}, agent).splitlines()[-1]
    )
    assert out["failed"] == ["NoSuchBucket", "ConditionalCheckFailedException"]
    s3_hashes = [std_hash(BUCKET, k, e.strip('"')) for k, e in zip(KEYS, out["etags"])]
    item = ddb_hash(TABLE, {"pk": "a b+%ü"})
    gone = ddb_hash(TABLE, {"pk": "gone"})

    spans = received_spans(agent)
    puts = sorted(
        (s for s in spans if s.get("meta", {}).get("aws.operation") == "PutObject"), key=lambda s: s["start"]
    )
    assert len(puts) == len(KEYS) + 1
    for span, h in zip(puts, s3_hashes):
        links = pointer_links(span)
        assert [(link["ptr.dir"], link["ptr.hash"]) for link in links] == [("d", h)], links
    assert pointer_links(puts[-1]) == [] and puts[-1]["meta"].get("http.status_code") == "404", puts[-1]
    by_op = {}
    for s in spans:
        by_op.setdefault(s.get("meta", {}).get("aws.operation"), []).append(s)
    put_items = sorted(by_op["PutItem"], key=lambda s: s["start"])
    assert [[(l["ptr.dir"], l["ptr.hash"]) for l in pointer_links(s)] for s in put_items] == [[("d", item)], []]
    assert [[l["ptr.hash"] for l in pointer_links(s)] for s in by_op["UpdateItem"]] == [[item]]
    assert [[l["ptr.hash"] for l in pointer_links(s)] for s in by_op["DeleteItem"]] == [[gone]]
    # The worker's reads carry the consumer pointers.
    received = [l for s in by_op["ReceiveMessage"] for l in pointer_links(s)]
    assert sorted(l["ptr.hash"] for l in received) == sorted(s3_hashes)
    assert {l["ptr.dir"] for l in received} == {"u"}
    stream_links = [l for s in by_op["GetRecords"] for l in pointer_links(s)]
    assert [l["ptr.hash"] for l in stream_links] == [item, item, gone][: len(out["records"])]
    assert len(out["records"]) >= 2
    # No span in these traces has a pointer that is not ours.
    ours = set(s3_hashes) | {item, gone}
    assert all(l["ptr.hash"] in ours for s in spans for l in pointer_links(s))

    # datadog-lambda consumer: the SQS event of moto's notifications and the stream records.
    clear(agent)
    records = out["records"]
    for r in records:
        r["dynamodb"]["ApproximateCreationDateTime"] = datetime.datetime.fromtimestamp(
            r["dynamodb"]["ApproximateCreationDateTime"]
        )
    events = [sqs_lambda_event(out["messages"], queue_arn), stream_lambda_event(records, out["stream_arn"])]
    run_child(
        LAMBDA_CONSUMER,
        agent,
        stdin=json.dumps(events),
        extra_env={"AWS_LAMBDA_FUNCTION_NAME": "dd-consumer", "DD_FLUSH_TO_LOG": "false", "DD_LOCAL_TEST": "true"},
    )
    spans = received_spans(agent)
    with_links = [(s["name"], sorted((l["ptr.dir"], l["ptr.hash"]) for l in pointer_links(s))) for s in spans if pointer_links(s)]
    expected_stream = sorted(("u", h) for h in [item, item, gone][: len(records)])
    assert sorted(with_links) == sorted(
        [("aws.sqs", sorted(("u", h) for h in s3_hashes)), ("aws.dynamodb", expected_stream)]
    ), (with_links, [(s["name"], s.get("span_links"), s.get("meta", {}).get("_dd.span_links")) for s in spans])
