"""Events cross into the module in Python's marshal format (ABI.md, "Input
in marshal format"). The module's JSON input is the reference: for any
event, both must give the same pointers and the same issue codes."""

import base64
import json
import random
from decimal import Decimal
from types import MappingProxyType

import pytest

import span_autolink
from span_autolink import _runtime
from span_autolink._outcome import Reader
from helpers import codes, s3_event, stream_record


def call_event(data):
    """The module's answer to input bytes, as the package reads it."""
    return Reader().outcome(_runtime.runtime.using(lambda inst: inst.roundtrip("sa_pointers_for_event", data)))


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value) if Decimal(repr(float(value))) == value else {"N": str(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, MappingProxyType):
        return dict(value)
    raise TypeError(type(value).__name__)


def through_json(event):
    # The whole event as JSON text, which the module reads with its JSON
    # reader: the reference for what the package's marshal input gives.
    return call_event(json.dumps(event, default=_json_value, skipkeys=True).encode("utf-8", "surrogatepass"))


def outcome_summary(outcome):
    return [tuple(p) for p in outcome.pointers], codes(outcome)


class Text(str):
    pass


class Number(int):
    pass


def _events(seed, count):
    rng = random.Random(seed)
    alphabet = ["a", "Z", "0", " ", "+", "%", '"', "\\", "\n", "\x00", "\u00e9", "\u65e5", "\U0001f600", "{", ":"]

    def text():
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

    def number():
        return rng.choice(
            [0, 7, -7, 2**31, -(2**31) - 1, 2**64 + 1, 10**37, -(10**38), 1.5, -0.25, 1e-7, 123456.789, 2.0]
        )

    def scalar():
        return rng.choice([text(), number(), None, True, False, b"\x00\xff", bytearray(b"\x01"), Decimal("1.50")])

    def typed():
        roll = rng.random()
        if roll < 0.5:
            kind = rng.choice(["S", "N", "B"])
            value = {"S": text(), "N": rng.choice(["1", "1.50", "-0", "1e3", "x", str(number())]), "B": "AAE="}[kind]
            return {kind: value}
        if roll < 0.6:
            return {"S": text(), "N": "1"}
        if roll < 0.7:
            return MappingProxyType({"S": Text(text())})
        return scalar()

    def keys():
        roll = rng.random()
        if roll < 0.8:
            return {text() or "id": typed() for _ in range(rng.randint(0, 3))}
        return rng.choice([None, "keys", [typed()], {1: {"S": "x"}, (1, 2): {"S": "y"}, 2.5: {"N": "1"}}])

    def record():
        roll = rng.random()
        if roll < 0.55:
            table = rng.choice(["orders", "Orders-2", text() or "t"])
            rec = stream_record(table, {}, rng.choice(["INSERT", "MODIFY", "REMOVE", "OTHER"]))
            rec["dynamodb"]["Keys"] = keys()
            if rng.random() < 0.1:
                rec["eventSourceARN"] = rng.choice([None, 5, text()])
            if rng.random() < 0.1:
                rec["dynamodb"] = rng.choice([None, [], {"Keys": keys(), "NewImage": {"big": {"S": "x" * 1000}}}])
            return rec
        if roll < 0.85:
            (rec,) = s3_event(text() or "b", rng.choice([text(), "a+b%20c", number()]), rng.choice(['"e1"', "e2", None]))["Records"]
            if rng.random() < 0.2:
                rec["s3"]["object"]["key"] = Text(text())
            return rec
        return rng.choice([None, 1, "record", [], {"eventSource": Number(1)}, {"eventSource": "aws:sqs", "body": text()}])

    for _ in range(count):
        records = [record() for _ in range(rng.randint(0, 4))]
        event = {"Records": records} if rng.random() < 0.9 else {"Records": tuple(records)}
        if rng.random() < 0.05:
            event = MappingProxyType(event)
        yield event


def test_marshal_and_json_input_give_the_same_outcome():
    for event in _events(20261124, 1500):
        assert outcome_summary(span_autolink.pointers_for_event(event)) == outcome_summary(through_json(event)), event


def test_a_realistic_stream_gives_the_same_pointers_both_ways():
    records = [
        stream_record("orders", {"customerId": {"S": f"customer-{i}"}, "orderId": {"N": str(1000 + i)}})
        for i in range(200)
    ]
    ours = span_autolink.pointers_for_event({"Records": records})
    assert len(ours.pointers) == 200 and ours.issues == ()
    assert ours == through_json({"Records": records})


def test_shared_objects_are_read_wherever_they_appear():
    # marshal writes an object held twice once, then refers to it.
    keys = {"id": {"S": "shared"}}
    event = {"Records": [stream_record("orders", keys), stream_record("orders", keys)]}
    outcome = span_autolink.pointers_for_event(event)
    assert len(outcome.pointers) == 2 and outcome.pointers[0] == outcome.pointers[1]
    assert outcome == through_json(event)


def test_what_marshal_cannot_write_is_made_plain_first():
    keys = MappingProxyType({Text("id"): MappingProxyType({"S": Text("x")})})
    event = {"Records": [stream_record("orders", keys)]}
    assert triples_of(span_autolink.pointers_for_event(event)) == triples_of(
        span_autolink.pointers_for_event({"Records": [stream_record("orders", {"id": {"S": "x"}})]})
    )


def triples_of(outcome):
    assert outcome.issues == ()
    return [tuple(p) for p in outcome.pointers]


@pytest.mark.parametrize("depth", [200, 5000])
def test_nesting_too_deep_for_the_module_is_an_issue(depth):
    nested = {"S": "x"}
    for _ in range(depth):
        nested = {"M": nested}
    outcome = span_autolink.pointers_for_event({"Records": [stream_record("orders", {"id": nested})]})
    assert codes(outcome) == ["input_invalid"]


def test_a_circular_event_is_an_issue():
    records = []
    records.append({"eventSource": "aws:dynamodb", "dynamodb": {"Keys": records}})
    outcome = span_autolink.pointers_for_event({"Records": records})
    assert outcome.pointers == () and codes(outcome) == ["input_invalid"]


def test_input_that_is_not_marshal_data_is_an_issue():
    for data in (b"\0m", b"\0m[\x05\x00\x00\x00N", b"\0m\xff", b"\0m{N"):
        outcome = call_event(data)
        assert codes(outcome) == ["input_invalid"], (data, outcome)
        assert "marshal data" in outcome.issues[0].message
