"""What botocore and boto3 hand a hook: typed values, and boto3's
resource-level plain values (str, int, Decimal, bytes, Binary), given the
pointer of the equivalent typed value."""

from decimal import Decimal

import pytest
from boto3.dynamodb.types import Binary

import span_autolink
from helpers import codes, ddb_hash, triples

TABLE = "orders"


def update(key):
    return span_autolink.pointers_for_response("dynamodb", "UpdateItem", {"TableName": TABLE, "Key": key}, {})


def hash_of(outcome):
    assert outcome.issues == (), outcome.issues
    (pointer,) = outcome.pointers
    assert (pointer.kind, pointer.direction) == ("aws.dynamodb.item", "d")
    return pointer.hash


@pytest.mark.parametrize(
    "plain, typed",
    [
        ("user#1", {"S": "user#1"}),
        ("ünïcødé 日本", {"S": "ünïcødé 日本"}),
        (42, {"N": "42"}),
        (-7, {"N": "-7"}),
        (10**30, {"N": "1" + "0" * 30}),
        (Decimal("42"), {"N": "42"}),
        (Decimal("1.50"), {"N": "1.5"}),
        (Decimal("-0.0"), {"N": "0"}),
        (Decimal("1E+2"), {"N": "100"}),
        (b"\x00\xffbinary", {"B": b"\x00\xffbinary"}),
        (bytearray(b"\x01\x02"), {"B": b"\x01\x02"}),
        (memoryview(b"\x03\x04"), {"B": b"\x03\x04"}),
        (Binary(b"\x00\xffbinary"), {"B": b"\x00\xffbinary"}),
    ],
    ids=lambda v: type(v).__name__,
)
def test_plain_value_is_its_typed_value(plain, typed):
    assert hash_of(update({"id": plain})) == hash_of(update({"id": typed}))


def test_values_are_hashed_as_spec_says():
    assert hash_of(update({"id": "x"})) == ddb_hash(TABLE, ("id", "x"))
    assert hash_of(update({"id": Decimal("1.50")})) == ddb_hash(TABLE, ("id", "1.5"))
    assert hash_of(update({"id": b"\x00\xff"})) == ddb_hash(TABLE, ("id", b"\x00\xff"))
    assert hash_of(update({"id": Binary(b"\x00\xff")})) == ddb_hash(TABLE, ("id", b"\x00\xff"))
    assert hash_of(update({"pk": "a", "sk": 3})) == ddb_hash(TABLE, ("pk", "a"), ("sk", "3"))


def test_typed_bytes_in_all_forms():
    raw = b"\x00\x10\xfe"
    want = ddb_hash(TABLE, ("id", raw))
    for value in (raw, bytearray(raw), memoryview(raw), Binary(raw)):
        assert hash_of(update({"id": {"B": value}})) == want


def test_mixed_two_attribute_key():
    key = {"customerId": "c-1", "orderId": Decimal("17")}
    assert hash_of(update(key)) == ddb_hash(TABLE, ("customerId", "c-1"), ("orderId", "17"))


def test_put_item_with_plain_values_and_other_attribute_types():
    """An Item as boto3's Table.put_item takes it: the key attributes are
    found among values JSON has no word for (sets, floats, nested maps,
    dates), which neither break the call nor change the pointer."""
    import datetime

    item = {
        "customerId": "c-1",
        "orderId": Decimal("17.0"),
        "tags": {"a", "b"},
        "scores": {Decimal("1"), Decimal("2.5")},
        "blobs": {Binary(b"x"), Binary(b"y")},
        "nested": {"list": [1, Decimal("2.25"), "three", None, True], "map": {"x": b"\x00"}},
        "ratio": 0.25,
        "when": datetime.datetime(2024, 6, 10),
    }
    outcome = span_autolink.pointers_for_response(
        "dynamodb",
        "PutItem",
        {"TableName": TABLE, "Item": item},
        {},
        dynamodb_primary_keys={TABLE: ["customerId", "orderId"]},
    )
    assert hash_of(outcome) == ddb_hash(TABLE, ("customerId", "c-1"), ("orderId", "17"))


def test_batch_write_with_plain_values():
    outcome = span_autolink.pointers_for_response(
        "dynamodb",
        "BatchWriteItem",
        {
            "RequestItems": {
                TABLE: [
                    {"PutRequest": {"Item": {"id": Decimal("1.50"), "v": "x"}}},
                    {"DeleteRequest": {"Key": {"id": b"\x01"}}},
                ]
            }
        },
        {"UnprocessedItems": {}},
        dynamodb_primary_keys={TABLE: ["id"]},
    )
    assert [p.hash for p in outcome.pointers] == [ddb_hash(TABLE, ("id", "1.5")), ddb_hash(TABLE, ("id", b"\x01"))]


def test_values_no_rule_can_read_give_an_issue_not_a_pointer():
    for value in (object(), 1.5j, {"S": object()}):
        outcome = update({"id": value})
        assert outcome.pointers == ()
        assert codes(outcome) == ["key_value_type"], (value, outcome)


def test_invalid_decimals_give_issues():
    assert codes(update({"id": Decimal("NaN")})) == ["number_invalid"]
    assert codes(update({"id": Decimal("Infinity")})) == ["number_invalid"]
    assert codes(update({"id": Decimal("1E+400")})) == ["number_out_of_range"]


def test_typed_and_plain_mappings_that_are_not_dicts():
    from types import MappingProxyType

    key = MappingProxyType({"id": MappingProxyType({"S": "x"})})
    request = MappingProxyType({"TableName": TABLE, "Key": key})
    outcome = span_autolink.pointers_for_response("dynamodb", "UpdateItem", request, {})
    assert triples(outcome) == [("aws.dynamodb.item", "d", ddb_hash(TABLE, ("id", "x")))]


def _through_json(request):
    # The same UpdateItem as JSON text written by the json module (an
    # independent writer), which the module reads with its JSON reader.
    import json

    from span_autolink import _runtime
    from span_autolink._outcome import Reader

    text = json.dumps(
        {"service": "dynamodb", "operation": "UpdateItem", "request": request, "response": {}},
        ensure_ascii=True,
        skipkeys=True,
        allow_nan=True,
    )
    data = text.encode("ascii")
    return Reader().outcome(_runtime.runtime.using(lambda inst: inst.roundtrip("sa_pointers_for_response", data)))


def _shapes():
    """Key maps and near misses: typed one-member maps of strings (the
    shortcut), and everything that must leave it for the C encoder."""
    import random

    rng = random.Random(20261124)
    alphabet = ["a", "Z", "0", '"', "\\", "\n", "\x00", "\u00e9", "\u65e5", "\ud800", "\U0001f600", "{", ","]

    def text():
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))

    def typed():
        roll = rng.random()
        if roll < 0.6:
            return {rng.choice(["S", "N", "B", text()]): text()}
        if roll < 0.7:
            return {"S": text(), "N": text()}  # two members
        if roll < 0.8:
            return {}
        return rng.choice([text(), 1, 2.5, None, True, [text()], {"S": 7}, {"M": {"a": {"S": text()}}}, {1: "x"}])

    for _ in range(3000):
        yield {text() if rng.random() < 0.95 else rng.choice([1, 2.5, None]): typed() for _ in range(rng.randint(0, 3))}


def test_marshal_input_gives_what_json_input_gives():
    for key in _shapes():
        request = {"TableName": TABLE, "Key": key}
        assert span_autolink.pointers_for_response("dynamodb", "UpdateItem", request, {}) == _through_json(request), key
