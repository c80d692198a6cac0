"""What the calls show of DynamoDB tables' key names, through the public
API: learned from a DescribeTable, a read, an update, used by later puts;
forgotten on request; bounded when 100,000 tables pass through. Expected
hashes are written out from SPEC 1 and 4 (helpers.ddb_hash)."""

import pytest

import span_autolink
from span_autolink import _runtime
from helpers import codes, ddb_hash, triples


def described(table, *schema):
    return {
        "Table": {"TableName": table, "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in schema]},
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }


def put(table, item):
    return span_autolink.pointers_for_response("dynamodb", "PutItem", {"TableName": table, "Item": item}, {})


def item_pointer(table, *attrs):
    return [("aws.dynamodb.item", "d", ddb_hash(table, *attrs))]


def test_a_put_links_once_a_description_a_read_or_an_update_showed_its_table():
    span_autolink.forget_tables()
    item = {"pk": {"S": "p-1"}, "sk": {"N": "1.50"}, "other": {"S": "x"}}
    assert codes(put("reg-described", item)) == ["table_not_configured"]
    span_autolink.pointers_for_response(
        "dynamodb", "DescribeTable", {"TableName": "reg-described"}, described("reg-described", ("pk", "HASH"), ("sk", "RANGE"))
    )
    assert triples(put("reg-described", item)) == item_pointer("reg-described", ("pk", "p-1"), ("sk", "1.5"))
    # boto3's resource API: plain values.
    span_autolink.pointers_for_response("dynamodb", "GetItem", {"TableName": "reg-read", "Key": {"id": "a"}}, {"Item": {"id": "a"}})
    assert triples(put("reg-read", {"id": "b", "n": 1})) == item_pointer("reg-read", ("id", "b"))
    updated = span_autolink.pointers_for_response("dynamodb", "UpdateItem", {"TableName": "reg-updated", "Key": {"k": {"S": "u"}}}, {})
    assert triples(updated) == item_pointer("reg-updated", ("k", "u"))
    assert triples(put("reg-updated", {"k": {"S": "v"}})) == item_pointer("reg-updated", ("k", "v"))
    span_autolink.forget_tables()
    assert codes(put("reg-described", item)) == ["table_not_configured"]


def test_a_setting_that_contradicts_the_service_is_reported_and_the_service_wins():
    span_autolink.forget_tables()
    span_autolink.pointers_for_response(
        "dynamodb", "DescribeTable", {"TableName": "reg-conflict"}, described("reg-conflict", ("pk", "HASH"), ("sk", "RANGE"))
    )
    outcome = span_autolink.pointers_for_response(
        "dynamodb", "PutItem", {"TableName": "reg-conflict", "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}}}, {},
        dynamodb_primary_keys={"reg-conflict": ["pk"]},
    )
    assert triples(outcome) == item_pointer("reg-conflict", ("pk", "a"), ("sk", "b"))
    assert codes(outcome) == ["key_config_conflict"]
    assert '["pk"]' in outcome.issues[0].message and '["pk", "sk"]' in outcome.issues[0].message


@pytest.mark.usefixtures("webassembly")  # linear memory: the extension has none to measure
def test_a_hundred_thousand_tables_keep_memory_flat():
    span_autolink.forget_tables()
    samples = []
    for n in range(100_000):
        table = f"reg-bound-{n:06}"
        span_autolink.pointers_for_response(
            "dynamodb", "DescribeTable", {"TableName": table}, described(table, (f"pk-{n}", "HASH"), (f"sk-{n}", "RANGE"))
        )
        if (n + 1) % 10_000 == 0:
            samples.append(_runtime.runtime.loaded().keyed.memory_size())
    assert all(m == samples[0] for m in samples), samples
    newest = put("reg-bound-099999", {"pk-99999": {"S": "a"}, "sk-99999": {"S": "b"}})
    assert triples(newest) == item_pointer("reg-bound-099999", ("pk-99999", "a"), ("sk-99999", "b"))
    assert codes(put("reg-bound-000000", {"pk-0": {"S": "a"}, "sk-0": {"S": "b"}})) == ["table_not_configured"]
    span_autolink.forget_tables()
