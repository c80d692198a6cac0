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
import os
import textwrap
import time

import pytest
from ddtrace_support import LAMBDA_CONSUMER, clear, pointer_links, received_spans, run_child
from e2e_support import (
    CountingProxy,
    NoKeySetting,
    ddb_hash,
    notifying_bucket,
    read_stream,
    sqs_lambda_event,
    std_hash,
    stream_lambda_event,
)

HERE = os.path.dirname(os.path.abspath(__file__))

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

# No key names configured but for one table, where they are wrong; tables
# known from the calls (e2e_support.NoKeySetting), and the opt-in lookup
# with the application's client, through a counting proxy.
NO_KEYS_PRODUCER = textwrap.dedent(
    """
    import json, sys, threading, time
    sys.path.insert(0, %(here)r)
    import ddtrace
    ddtrace.patch(botocore=True)
    import span_autolink.ddtrace as sad
    outcomes = []
    lock = threading.Lock()

    def record(span, outcome):
        with lock:
            outcomes.append({"hashes": [p.hash for p in outcome.pointers], "codes": [i.code for i in outcome.issues],
                             "messages": [i.message for i in outcome.issues]})

    assert sad.instrument(describe_table=True, dynamodb_primary_keys={%(conflict)r: ["pk"]}, on_outcome=record)
    import boto3
    from ddtrace.trace import tracer
    from e2e_support import NoKeySetting

    tables = NoKeySetting(%(prefix)r)
    ddb = boto3.client("dynamodb")
    out = {"arns": {tables.tables[0]: tables.create(ddb, tables.tables[0])}}
    tables.teach(ddb)
    out["puts"] = {table: tables.put_all(ddb, table) for table in tables.tables}

    # A wrong setting: ["pk"] for a table DynamoDB says is keyed by pk and sk.
    ddb.describe_table(TableName=%(conflict)r)
    ddb.put_item(TableName=%(conflict)r, Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    out["conflict"] = outcomes[-1]

    # The lookup: 16 puts at once on a table no call of this process showed.
    client = boto3.client("dynamodb", endpoint_url=%(proxy)r)
    def put(n):
        client.put_item(TableName=%(lookup)r, Item={"pk": {"S": "p-%%d" %% n}, "sk": {"N": str(n)}})
    del outcomes[:]
    threads = [threading.Thread(target=put, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["concurrent"] = [o for o in outcomes if o["codes"] != [] or o["hashes"] != []]
    for tries in range(100):
        put(100 + tries)
        if outcomes[-1]["hashes"]:
            break
        time.sleep(0.05)
    out["later"] = []
    for n in range(200, 205):
        put(n)
        out["later"].append(outcomes[-1]["hashes"])
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


def test_ddtrace_with_no_key_setting_a_wrong_one_and_the_lookup(aws, agent):
    """No key names configured: tables known from the application's calls
    link (producer spans in the agent, datadog-lambda's consumer spans); a
    wrong setting is corrected and reported; the opt-in lookup asks DynamoDB
    once (counted by a proxy in front of moto) with the application's
    client, the first put says so, the puts after the answer link."""
    ddb = aws.client("dynamodb")
    tables = NoKeySetting("e2e-dd-nokeys")
    arns = {table: tables.create(ddb, table) for table in tables.tables[1:]}  # made elsewhere
    conflict, lookup = "e2e-dd-nokeys-conflict", "e2e-dd-nokeys-lookup"
    for table in (conflict, lookup):
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
            BillingMode="PAY_PER_REQUEST",
        )
    clear(agent)
    with CountingProxy(os.environ["AWS_ENDPOINT_URL"]) as proxy:
        source = NO_KEYS_PRODUCER % {
            "here": HERE, "prefix": "e2e-dd-nokeys", "conflict": conflict, "lookup": lookup, "proxy": proxy.endpoint,
        }
        out = json.loads(run_child(source, agent).splitlines()[-1])
        time.sleep(0.2)
        assert proxy.count("DescribeTable") == 1
        assert proxy.count("PutItem") >= 21
    arns.update(out["arns"])

    # Every put of the four tables carries its pointer, in the agent's spans.
    spans = received_spans(agent)
    expected = {op: [] for op in ("PutItem", "BatchWriteItem", "TransactWriteItems")}
    for table in tables.tables:
        for operation, hashes in out["puts"][table]:
            expected[operation].append(sorted(hashes))
    for operation, want in expected.items():
        got = [sorted(l["ptr.hash"] for l in pointer_links(s)) for s in spans if s.get("meta", {}).get("aws.operation") == operation]
        for hashes in want:
            assert hashes in got, (operation, hashes, got)

    # The wrong setting: the service's names, and the issue.
    assert out["conflict"]["hashes"] == [ddb_hash(conflict, {"pk": "a", "sk": "1"})]
    assert out["conflict"]["codes"] == ["key_config_conflict"]

    # The lookup: one put asked, the others waited or linked; the later ones link.
    asked = [o for o in out["concurrent"] if any("asked DynamoDB" in m for m in o["messages"])]
    assert len(asked) == 1, out["concurrent"]
    for o in out["concurrent"]:
        assert o["codes"] in (["table_not_configured", "key_lookup_pending"], []), o
    assert out["later"] == [[ddb_hash(lookup, {"pk": f"p-{n}", "sk": str(n)})] for n in range(200, 205)]

    # datadog-lambda's consumer spans of each table's stream records.
    clear(agent)
    events = []
    for table in tables.tables:
        events.append(stream_lambda_event(read_stream(aws, arns[table]), arns[table]))
    run_child(
        LAMBDA_CONSUMER,
        agent,
        stdin=json.dumps(events),
        extra_env={"AWS_LAMBDA_FUNCTION_NAME": "dd-consumer", "DD_FLUSH_TO_LOG": "false", "DD_LOCAL_TEST": "true"},
    )
    consumers = [sorted({l["ptr.hash"] for l in pointer_links(s)}) for s in received_spans(agent) if pointer_links(s)]
    assert sorted(consumers) == sorted(tables.streamed(table) for table in tables.tables)
