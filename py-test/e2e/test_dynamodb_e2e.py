"""DynamoDB end to end against moto's server: boto3 writes items (the
client with typed values, the resource API with plain values, Decimal and
Binary), the tables' streams are read with DescribeStream, GetShardIterator
and GetRecords, and the records become the DynamoDB Streams event Lambda
hands to a function. The consumer pointers (span_autolink.pointers_for_event)
must equal the producer pointers (span_autolink.pointers_for_response on the
real request and response) for every write. ddtrace and datadog-lambda run
on the same calls and events; their results are recorded, not asserted.
Every flow that puts items is also computed with no key-name setting at
all: span-autolink then knows the tables' key names only from the
application's own calls (each table's CreateTable), passed to it in order
as an integration passes them."""

import base64
from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary, TypeSerializer

import span_autolink
from e2e_support import (
    DATADOG,
    OURS,
    capture,
    ddb_hash,
    directions,
    dynamodb_number_text,
    hashes,
    stream_event_as_aws,
    stream_lambda_event,
)

# name: (key attributes (name, type), the first being the partition key; stream view)
TABLES = {
    "e2e-s": ([("id", "S")], "NEW_AND_OLD_IMAGES"),
    "e2e-n": ([("num", "N")], "KEYS_ONLY"),
    "e2e-b": ([("blob", "B")], "NEW_AND_OLD_IMAGES"),
    "e2e-s-n": ([("customerId", "S"), ("orderId", "N")], "NEW_IMAGE"),
    "e2e-n-b": ([("zone", "N"), ("digest", "B")], "NEW_AND_OLD_IMAGES"),
}
# What DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS would say; PutItem needs it.
PRIMARY_KEYS = {table: [name for name, _ in keys] for table, (keys, _) in TABLES.items()}
KEY_NAMES = {name for names in PRIMARY_KEYS.values() for name in names}
SERIALIZER = TypeSerializer()
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def S(v):
    return {"S": v}


def N(v):
    return {"N": v}


def B(v):
    return {"B": v}


class DynamoWorld:
    def __init__(self, session):
        self.client = session.client("dynamodb")
        self.resource = session.resource("dynamodb")
        self.streams = session.client("dynamodbstreams")
        self.stream_arns = {}
        self.iterators = {}
        with capture() as created:
            descriptions = [self._create(table, keys, view) for table, (keys, view) in TABLES.items()]
        # Not passed to span-autolink yet (feed): the tables' CreateTable calls.
        self.unfed = [c for c in created if c.service == "dynamodb"]
        for (table, (_, view)), description in zip(TABLES.items(), descriptions):
            arn = description["LatestStreamArn"]
            stream = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
            assert stream["StreamStatus"] == "ENABLED" and stream["StreamViewType"] == view
            self.stream_arns[table] = arn
            self.iterators[table] = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=stream["Shards"][0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]

    def _create(self, table, keys, view):
        return self.client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": name, "KeyType": "HASH" if i == 0 else "RANGE"} for i, (name, _) in enumerate(keys)],
            AttributeDefinitions=[{"AttributeName": name, "AttributeType": t} for name, t in keys],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
        )["TableDescription"]

    def feed(self, calls):
        """Passes the DynamoDB calls not passed yet, then ``calls``, to
        span-autolink in order with no key-name setting, as an integration
        does; answers each call's outcome, by ``id`` of the call."""
        outcomes = {}
        for call in self.unfed + [c for c in calls if c.service == "dynamodb"]:
            outcomes[id(call)] = span_autolink.pointers_for_response("dynamodb", call.operation, call.params_before, call.result)
        self.unfed = []
        return outcomes

    def read(self):
        """The records every table's stream got since the last read:
        {table: [record, ...]}."""
        out = {}
        for table in TABLES:
            page = self.streams.get_records(ShardIterator=self.iterators[table])
            self.iterators[table] = page["NextShardIterator"]
            if page["Records"]:
                out[table] = page["Records"]
        return out

    def setup(self, items):
        """Items a flow needs to exist (to delete them, say); their stream
        records are read and dropped."""
        for table, item in items:
            self.client.put_item(TableName=table, Item=item)
        self.read()


class Flow:
    def __init__(self, id, flow, run, expect, setup=()):
        self.id = id
        self.flow = flow
        self.run = run  # function(world): the writes of the flow
        # The items written, as (table, {key attribute: raw bytes or
        # canonical text}): the pointers computed independently.
        self.expect = expect
        self.setup = setup


def put(table, item):
    return lambda w: w.client.put_item(TableName=table, Item=item)


def update(table, key):
    return lambda w: w.client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #note = :note",
        ExpressionAttributeNames={"#note": "note"},
        ExpressionAttributeValues={":note": S("updated")},
    )


def delete(table, key):
    return lambda w: w.client.delete_item(TableName=table, Key=key)


def batch(requests):
    def run(w):
        response = w.client.batch_write_item(RequestItems=requests)
        assert response["UnprocessedItems"] == {}

    return run


def transact(items):
    return lambda w: w.client.transact_write_items(TransactItems=items)


def t_put(table, item):
    return {"Put": {"TableName": table, "Item": item}}


def t_update(table, key):
    return {
        "Update": {
            "TableName": table,
            "Key": key,
            "UpdateExpression": "SET #note = :note",
            "ExpressionAttributeNames": {"#note": "note"},
            "ExpressionAttributeValues": {":note": S("in a transaction")},
        }
    }


def t_delete(table, key):
    return {"Delete": {"TableName": table, "Key": key}}


def t_check(table, key):
    return {
        "ConditionCheck": {
            "TableName": table,
            "Key": key,
            "ConditionExpression": "attribute_exists(#k)",
            "ExpressionAttributeNames": {"#k": next(iter(key))},
        }
    }


def resource_call(table, method, **kwargs):
    return lambda w: getattr(w.resource.Table(table), method)(**kwargs)


def resource_batch(table, puts, deletes):
    def run(w):
        with w.resource.Table(table).batch_writer() as writer:
            for item in puts:
                writer.put_item(Item=item)
            for key in deletes:
                writer.delete_item(Key=key)

    return run


NOTE = {"note": S("x")}

FLOWS = [
    # -- the client, typed values ---------------------------------------
    Flow("ddb-put-s", "PutItem, string partition key",
         put("e2e-s", {"id": S("user#1 ü🎉"), **NOTE}), [("e2e-s", {"id": "user#1 ü🎉"})]),
    Flow("ddb-put-n", "PutItem, number partition key `42`",
         put("e2e-n", {"num": N("42")}), [("e2e-n", {"num": "42"})]),
    Flow("ddb-put-n-1.50", "PutItem, number partition key written `1.50`",
         put("e2e-n", {"num": N("1.50")}), [("e2e-n", {"num": "1.5"})]),
    Flow("ddb-put-n-007", "PutItem, number partition key written `007`",
         put("e2e-n", {"num": N("007")}), [("e2e-n", {"num": "7"})]),
    Flow("ddb-put-n-1e2", "PutItem, number partition key written `1e2`",
         put("e2e-n", {"num": N("1e2")}), [("e2e-n", {"num": "100"})]),
    Flow("ddb-put-b", "PutItem, binary partition key",
         put("e2e-b", {"blob": B(b"\x00\xffput"), **NOTE}), [("e2e-b", {"blob": b"\x00\xffput"})]),
    Flow("ddb-put-s-n", "PutItem, string partition key and number sort key",
         put("e2e-s-n", {"customerId": S("c-1"), "orderId": N("17"), **NOTE}),
         [("e2e-s-n", {"customerId": "c-1", "orderId": "17"})]),
    Flow("ddb-put-n-b", "PutItem, number partition key and binary sort key",
         put("e2e-n-b", {"zone": N("3"), "digest": B(b"\x01\x02\x03"), **NOTE}),
         [("e2e-n-b", {"zone": "3", "digest": b"\x01\x02\x03"})]),
    Flow("ddb-update-s", "UpdateItem, string partition key",
         update("e2e-s", {"id": S("user#2 (updated)")}), [("e2e-s", {"id": "user#2 (updated)"})]),
    Flow("ddb-update-n-1.50", "UpdateItem, number partition key written `1.50`",
         update("e2e-n", {"num": N("1.50")}), [("e2e-n", {"num": "1.5"})]),
    Flow("ddb-update-b", "UpdateItem, binary partition key",
         update("e2e-b", {"blob": B(b"\xfe\x00update")}), [("e2e-b", {"blob": b"\xfe\x00update"})]),
    Flow("ddb-update-s-n", "UpdateItem, string partition key and number sort key",
         update("e2e-s-n", {"customerId": S("c-2"), "orderId": N("-0.25")}),
         [("e2e-s-n", {"customerId": "c-2", "orderId": "-0.25"})]),
    Flow("ddb-update-n-b", "UpdateItem, number partition key and binary sort key",
         update("e2e-n-b", {"zone": N("4"), "digest": B(b"\x04")}), [("e2e-n-b", {"zone": "4", "digest": b"\x04"})]),
    Flow("ddb-delete-s", "DeleteItem, string partition key",
         delete("e2e-s", {"id": S("gone")}), [("e2e-s", {"id": "gone"})],
         setup=[("e2e-s", {"id": S("gone")})]),
    Flow("ddb-delete-n-007", "DeleteItem, number partition key written `007` (stored as `7`)",
         delete("e2e-n", {"num": N("007")}), [("e2e-n", {"num": "7"})],
         setup=[("e2e-n", {"num": N("7")})]),
    Flow("ddb-delete-b", "DeleteItem, binary partition key",
         delete("e2e-b", {"blob": B(b"\x00gone")}), [("e2e-b", {"blob": b"\x00gone"})],
         setup=[("e2e-b", {"blob": B(b"\x00gone")})]),
    Flow("ddb-delete-s-n", "DeleteItem, string partition key and number sort key",
         delete("e2e-s-n", {"customerId": S("c-3"), "orderId": N("3")}),
         [("e2e-s-n", {"customerId": "c-3", "orderId": "3"})],
         setup=[("e2e-s-n", {"customerId": S("c-3"), "orderId": N("3")})]),
    Flow("ddb-delete-n-b", "DeleteItem, number partition key and binary sort key",
         delete("e2e-n-b", {"zone": N("5"), "digest": B(b"\x05")}), [("e2e-n-b", {"zone": "5", "digest": b"\x05"})],
         setup=[("e2e-n-b", {"zone": N("5"), "digest": B(b"\x05")})]),
    Flow("ddb-batchwrite-s-n", "BatchWriteItem, two puts and a delete, string and number keys",
         batch({"e2e-s-n": [
             {"PutRequest": {"Item": {"customerId": S("c-4"), "orderId": N("1"), **NOTE}}},
             {"PutRequest": {"Item": {"customerId": S("c-4"), "orderId": N("2"), **NOTE}}},
             {"DeleteRequest": {"Key": {"customerId": S("c-4"), "orderId": N("3")}}},
         ]}),
         [("e2e-s-n", {"customerId": "c-4", "orderId": n}) for n in ("1", "2", "3")],
         setup=[("e2e-s-n", {"customerId": S("c-4"), "orderId": N("3")})]),
    Flow("ddb-batchwrite-n-1e2", "BatchWriteItem, puts of numbers written `1e2` and `0.50`, a delete of `007`",
         batch({"e2e-n": [
             {"PutRequest": {"Item": {"num": N("1e2")}}},
             {"PutRequest": {"Item": {"num": N("0.50")}}},
             {"DeleteRequest": {"Key": {"num": N("007")}}},
         ]}),
         [("e2e-n", {"num": "100"}), ("e2e-n", {"num": "0.5"}), ("e2e-n", {"num": "7"})],
         setup=[("e2e-n", {"num": N("7")})]),
    Flow("ddb-batchwrite-b", "BatchWriteItem, a put and a delete, binary keys",
         batch({"e2e-b": [
             {"PutRequest": {"Item": {"blob": B(b"batch\x00put")}}},
             {"DeleteRequest": {"Key": {"blob": B(b"batch\x00delete")}}},
         ]}),
         [("e2e-b", {"blob": b"batch\x00put"}), ("e2e-b", {"blob": b"batch\x00delete"})],
         setup=[("e2e-b", {"blob": B(b"batch\x00delete")})]),
    Flow("ddb-batchwrite-n-b", "BatchWriteItem, a put and a delete, number and binary keys",
         batch({"e2e-n-b": [
             {"PutRequest": {"Item": {"zone": N("6"), "digest": B(b"\x06")}}},
             {"DeleteRequest": {"Key": {"zone": N("7"), "digest": B(b"\x07")}}},
         ]}),
         [("e2e-n-b", {"zone": "6", "digest": b"\x06"}), ("e2e-n-b", {"zone": "7", "digest": b"\x07"})],
         setup=[("e2e-n-b", {"zone": N("7"), "digest": B(b"\x07")})]),
    Flow("ddb-transact-s-n", "TransactWriteItems, Put, Update, Delete and a ConditionCheck, string and number keys",
         transact([
             t_put("e2e-s-n", {"customerId": S("c-5"), "orderId": N("5"), **NOTE}),
             t_update("e2e-s-n", {"customerId": S("c-6"), "orderId": N("6")}),
             t_delete("e2e-s-n", {"customerId": S("c-7"), "orderId": N("7")}),
             t_check("e2e-s-n", {"customerId": S("c-8"), "orderId": N("8")}),
         ]),
         [("e2e-s-n", {"customerId": c, "orderId": n}) for c, n in (("c-5", "5"), ("c-6", "6"), ("c-7", "7"))],
         setup=[("e2e-s-n", {"customerId": S("c-7"), "orderId": N("7")}),
                ("e2e-s-n", {"customerId": S("c-8"), "orderId": N("8")})]),
    Flow("ddb-transact-n-1.50", "TransactWriteItems, numbers written `1e2` (Put), `1.50` (Update), `007` (Delete)",
         transact([t_put("e2e-n", {"num": N("1e2")}), t_update("e2e-n", {"num": N("1.50")}),
                   t_delete("e2e-n", {"num": N("007")})]),
         [("e2e-n", {"num": "100"}), ("e2e-n", {"num": "1.5"}), ("e2e-n", {"num": "7"})],
         setup=[("e2e-n", {"num": N("7")})]),
    Flow("ddb-transact-b", "TransactWriteItems, Put, Update and Delete, binary keys",
         transact([t_put("e2e-b", {"blob": B(b"tx\x01")}), t_update("e2e-b", {"blob": B(b"tx\x02")}),
                   t_delete("e2e-b", {"blob": B(b"tx\x03")})]),
         [("e2e-b", {"blob": b}) for b in (b"tx\x01", b"tx\x02", b"tx\x03")],
         setup=[("e2e-b", {"blob": B(b"tx\x03")})]),
    Flow("ddb-transact-n-b", "TransactWriteItems, Put, Update and Delete, number and binary keys",
         transact([t_put("e2e-n-b", {"zone": N("8"), "digest": B(b"\x08")}),
                   t_update("e2e-n-b", {"zone": N("9"), "digest": B(b"\x09")}),
                   t_delete("e2e-n-b", {"zone": N("10"), "digest": B(b"\x0a")})]),
         [("e2e-n-b", {"zone": z, "digest": d}) for z, d in (("8", b"\x08"), ("9", b"\x09"), ("10", b"\x0a"))],
         setup=[("e2e-n-b", {"zone": N("10"), "digest": B(b"\x0a")})]),
    # -- the resource API: plain values, Decimal, Binary --------------------
    Flow("ddb-plain-put-s-n", "resource PutItem, string and Decimal keys, `Decimal(\"1.50\")`",
         resource_call("e2e-s-n", "put_item", Item={"customerId": "c-p1", "orderId": Decimal("1.50"), "note": "x"}),
         [("e2e-s-n", {"customerId": "c-p1", "orderId": "1.5"})]),
    Flow("ddb-plain-put-n-b", "resource PutItem, Decimal and Binary keys",
         resource_call("e2e-n-b", "put_item", Item={"zone": Decimal("11"), "digest": Binary(b"\x00\x11")}),
         [("e2e-n-b", {"zone": "11", "digest": b"\x00\x11"})]),
    Flow("ddb-plain-put-b", "resource PutItem, bytes key",
         resource_call("e2e-b", "put_item", Item={"blob": b"\xffplain", "note": "x"}), [("e2e-b", {"blob": b"\xffplain"})]),
    Flow("ddb-plain-update-n-1e2", "resource UpdateItem, `Decimal(\"1e2\")` key",
         resource_call("e2e-n", "update_item", Key={"num": Decimal("1e2")}, UpdateExpression="SET note = :n",
                       ExpressionAttributeValues={":n": "plain"}),
         [("e2e-n", {"num": "100"})]),
    Flow("ddb-plain-update-s", "resource UpdateItem, str key",
         resource_call("e2e-s", "update_item", Key={"id": "plain ü"}, UpdateExpression="SET note = :n",
                       ExpressionAttributeValues={":n": "plain"}),
         [("e2e-s", {"id": "plain ü"})]),
    Flow("ddb-plain-delete-b", "resource DeleteItem, Binary key",
         resource_call("e2e-b", "delete_item", Key={"blob": Binary(b"plain\x00gone")}),
         [("e2e-b", {"blob": b"plain\x00gone"})], setup=[("e2e-b", {"blob": B(b"plain\x00gone")})]),
    Flow("ddb-plain-delete-s-n", "resource DeleteItem, str and int keys",
         resource_call("e2e-s-n", "delete_item", Key={"customerId": "c-p2", "orderId": 12}),
         [("e2e-s-n", {"customerId": "c-p2", "orderId": "12"})],
         setup=[("e2e-s-n", {"customerId": S("c-p2"), "orderId": N("12")})]),
    Flow("ddb-plain-batchwrite-s-n", "resource batch_writer, two puts (one `Decimal(\"2.50\")`) and a delete",
         resource_batch("e2e-s-n", puts=[{"customerId": "c-p3", "orderId": Decimal("2.50")},
                                         {"customerId": "c-p3", "orderId": 3}],
                        deletes=[{"customerId": "c-p3", "orderId": Decimal("4")}]),
         [("e2e-s-n", {"customerId": "c-p3", "orderId": n}) for n in ("2.5", "3", "4")],
         setup=[("e2e-s-n", {"customerId": S("c-p3"), "orderId": N("4")})]),
]


@pytest.fixture(scope="module")
def world(aws):
    return DynamoWorld(aws)


def written_numbers(value, name=None):
    """(written, canonical) for every key attribute's N text in a request
    that is not DynamoDB's canonical text."""
    out = []
    if name in KEY_NAMES and isinstance(value, (int, Decimal)):
        value = SERIALIZER.serialize(value)  # the resource API's plain number, as boto3 sends it
    if isinstance(value, dict):
        if name in KEY_NAMES and set(value) == {"N"} and isinstance(value["N"], str):
            canonical = dynamodb_number_text(value["N"])
            if canonical != value["N"]:
                out.append((value["N"], canonical))
            return out
        for k, v in value.items():
            out += written_numbers(v, k)
    elif isinstance(value, list):
        for v in value:
            out += written_numbers(v, name)
    return out


def base64_text_hashes(event):
    """The hashes of the records' keys with B taken as its base64 text."""
    out = []
    for record in event["Records"]:
        table = record["eventSourceARN"].split("/")[1]
        keys = {k: next(iter(v.values())) for k, v in record["dynamodb"]["Keys"].items()}
        out.append(ddb_hash(table, keys))
    return out


def why_datadog_misses(calls, producer, consumer, ours, event):
    reasons = []
    binary = any("B" in v for r in event["Records"] for v in r["dynamodb"]["Keys"].values())
    if len(producer) < len(ours):
        if binary and any(c.operation in ("PutItem", "BatchWriteItem", "TransactWriteItems") for c in calls):
            reasons.append("no producer pointer for a put with a binary key")
        else:
            reasons.append("missing producer pointers")
    if binary and consumer and consumer == base64_text_hashes(event) and consumer != ours:
        reasons.append("consumer hashes B as its base64 text (producer: raw bytes)")
    numbers = sorted({pair for c in calls for pair in written_numbers(c.params)})
    if numbers and any(h not in consumer for h in producer):
        shown = ", ".join(f"`{w}` (stream: `{c}`)" for w, c in numbers)
        reasons.append(f"producer hashes N as written: {shown}")
    return "; ".join(reasons) or "producer and consumer hashes differ"


def puts_items(call):
    """Whether a recorded call puts an item (whose key names its request does not say)."""
    if call.operation == "PutItem":
        return True
    if call.operation == "BatchWriteItem":
        return any("PutRequest" in w for ws in call.params["RequestItems"].values() for w in ws)
    if call.operation == "TransactWriteItems":
        return any("Put" in t for t in call.params["TransactItems"])
    return False


def expected_hashes(flow):
    return [ddb_hash(table, key) for table, key in flow.expect]


@pytest.mark.parametrize("flow", FLOWS, ids=[f.id for f in FLOWS])
def test_dynamodb_item_links(world, datadog, compat, flow):
    world.setup(flow.setup)
    with capture() as captured:
        flow.run(world)
    calls = [c for c in captured if c.service == "dynamodb" and c.operation in WRITES]
    assert calls, "the flow made no write"

    # Producer: the real requests and responses, as the caller passed them...
    ours_producer = []
    for call in calls:
        outcome = span_autolink.pointers_for_response(
            "dynamodb", call.operation, call.params_before, call.result, dynamodb_primary_keys=PRIMARY_KEYS
        )
        assert directions(outcome) == {"d"}
        ours_producer += hashes(outcome)
        # ...and as boto3 left them (the resource layer serializes in place).
        again = span_autolink.pointers_for_response(
            "dynamodb", call.operation, call.params, call.result, dynamodb_primary_keys=PRIMARY_KEYS
        )
        assert [p.hash for p in again.pointers] == [p.hash for p in outcome.pointers]
    assert ours_producer == expected_hashes(flow)
    dd_producer = [h for call in calls for h in datadog.producer(call, PRIMARY_KEYS)]
    # The same calls with no key setting: what the application's calls taught.
    fed = world.feed(captured)
    puts = any(puts_items(call) for call in calls)
    ours_no_keys = [h for call in calls for h in hashes(fed[id(call)])]
    assert ours_no_keys == ours_producer
    dd_no_keys = [h for call in calls for h in datadog.producer(call)]

    # Consumer: the stream records, one Lambda event per table's stream.
    records = world.read()
    emulated = {"Records": []}
    for table, table_records in records.items():
        emulated["Records"] += stream_lambda_event(table_records, world.stream_arns[table])["Records"]
    # moto's records, and the records as DynamoDB streams them (they differ
    # where moto streams what DynamoDB does not; the notes say what).
    event, notes = stream_event_as_aws(emulated)
    assert len(event["Records"]) == len(flow.expect), event
    for record in event["Records"]:
        for value in record["dynamodb"]["Keys"].values():
            if "B" in value:
                base64.b64decode(value["B"], validate=True)

    ours_consumer = span_autolink.pointers_for_event(event)
    assert directions(ours_consumer) == {"u"}
    ours_consumer = hashes(ours_consumer)
    ours_emulated = hashes(span_autolink.pointers_for_event(emulated))
    # The point of it all: every write's consumer meets its producer.
    assert sorted(ours_consumer) == sorted(ours_producer)
    if not notes:
        assert ours_emulated == ours_consumer

    dd_consumer = datadog.consumer(event)
    ours = {"producer": ours_producer, "consumer": ours_consumer, "consumer_under_emulator": ours_emulated}
    why = why_datadog_misses(calls, dd_producer, dd_consumer, ours_consumer, event)
    theirs = {"producer": dd_producer, "consumer": dd_consumer, "consumer_under_emulator": datadog.consumer(emulated), "why": why}
    if puts:
        ours["producer_no_key_setting"] = ours_no_keys
        theirs["producer_no_key_setting"] = dd_no_keys
        theirs["why_no_key_setting"] = (
            "no producer pointer for a put without DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS"
            if len(dd_no_keys) < len(ours_producer)
            else why
        )
    entry = compat.record(
        id=flow.id, flow=f"DynamoDB {flow.flow}, via the table's stream", results={OURS: ours, DATADOG: theirs}, emulator_notes=notes
    )
    # Where a Datadog library links, it must link with our hashes.
    if entry["results"][DATADOG]["links"]:
        assert sorted(dd_producer) == sorted(ours_producer) and sorted(dd_consumer) == sorted(ours_consumer)
