"""Inputs that play no part are never read, copied or serialized: an S3
``Body`` that is a file, a stream or megabytes of bytes; anything at all
of a call that writes nothing a pointer can name."""

import io
import time

import span_autolink
from helpers import ddb_hash, s3_hash, triples

WANT = [("aws.s3.object", "d", s3_hash("some-bucket", "some-key.data", "ab12ef34"))]


class Untouchable:
    """Records and refuses any use: attribute access, iteration, length,
    conversion, comparison."""

    touched = []

    def __getattribute__(self, name):
        Untouchable.touched.append(name)
        raise AssertionError(f"the body was touched: {name}")

    def read(self, *args):  # pragma: no cover - reached only through __getattribute__
        raise AssertionError("read")

    def __iter__(self):
        Untouchable.touched.append("__iter__")
        raise AssertionError("iterated")

    def __len__(self):
        Untouchable.touched.append("__len__")
        raise AssertionError("len")

    def __bytes__(self):
        Untouchable.touched.append("__bytes__")
        raise AssertionError("bytes")

    def __eq__(self, other):
        Untouchable.touched.append("__eq__")
        raise AssertionError("compared")

    __hash__ = None


class RefusingStream(io.RawIOBase):
    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the stream was read")

    def readinto(self, b):
        raise AssertionError("the stream was read")

    def __iter__(self):
        raise AssertionError("the stream was iterated")

    def __len__(self):
        raise AssertionError("len")


def put(body, **response_extra):
    request = {"Bucket": "some-bucket", "Key": "some-key.data", "Body": body, "ContentType": "text/plain"}
    response = {"ETag": '"ab12ef34"', **response_extra}
    return span_autolink.pointers_for_response("s3", "PutObject", request, response)


def test_an_object_that_refuses_everything_is_never_touched():
    Untouchable.touched.clear()
    assert triples(put(Untouchable())) == WANT
    assert Untouchable.touched == []


def test_a_stream_and_a_file_are_never_read(tmp_path):
    assert triples(put(RefusingStream())) == WANT
    path = tmp_path / "body.bin"
    path.write_bytes(b"x" * 1000)
    with open(path, "rb") as f:
        assert triples(put(f)) == WANT
        assert f.tell() == 0

    def refusing_generator():
        raise AssertionError("the generator was iterated")
        yield b""  # pragma: no cover

    assert triples(put(refusing_generator())) == WANT


def test_megabytes_of_body_cost_nothing():
    small = b"x"
    large = bytes(64 * 1024 * 1024)
    put(small)

    def best(body):
        times = []
        for _ in range(20):
            start = time.perf_counter()
            assert triples(put(body)) == WANT
            times.append(time.perf_counter() - start)
        return min(times)

    # Encoding 64 MiB as base64 alone would take tens of milliseconds.
    assert best(large) < best(small) + 0.002


def test_a_response_body_is_never_touched():
    Untouchable.touched.clear()
    outcome = span_autolink.pointers_for_response(
        "s3",
        "CopyObject",
        {"Bucket": "some-bucket", "Key": "some-key.data", "CopySource": "b/k", "Body": Untouchable()},
        {"CopyObjectResult": {"ETag": '"ab12ef34"', "Extra": Untouchable()}, "Other": Untouchable()},
    )
    assert triples(outcome) == WANT
    assert Untouchable.touched == []


def test_calls_no_rule_reads_touch_nothing():
    Untouchable.touched.clear()
    for service, operation in [
        ("s3", "GetObject"),
        ("s3", "ListObjectsV2"),
        ("dynamodb", "Query"),
        ("dynamodb", "Scan"),
        ("sqs", "SendMessage"),
        ("lambda", "Invoke"),
    ]:
        outcome = span_autolink.pointers_for_response(service, operation, Untouchable(), Untouchable())
        assert outcome == span_autolink.Outcome((), ())
    assert Untouchable.touched == []


def test_a_read_is_read_for_its_key_names_only():
    """GetItem shows a table's key names (the names of its Key): only
    TableName and Key are read of the request, and of the response only
    what says it succeeded, never the item."""
    Untouchable.touched.clear()
    span_autolink.forget_tables()
    request = {"TableName": "body-table", "Key": {"id": {"S": "x"}}, "ProjectionExpression": Untouchable()}
    response = {"Item": Untouchable(), "ConsumedCapacity": Untouchable(), "ResponseMetadata": {"HTTPStatusCode": 200}}
    assert span_autolink.pointers_for_response("dynamodb", "GetItem", request, response) == span_autolink.Outcome((), ())
    assert Untouchable.touched == []
    put = span_autolink.pointers_for_response(
        "dynamodb", "PutItem", {"TableName": "body-table", "Item": {"id": {"S": "x"}, "blob": {"B": b"..."}}}, {}
    )
    assert triples(put) == [("aws.dynamodb.item", "d", ddb_hash("body-table", ("id", "x")))]


def test_stream_item_images_are_not_serialized():
    """A record's NewImage/OldImage play no part: values there that could
    not even be encoded do not matter."""
    record = {
        "eventSource": "aws:dynamodb",
        "eventName": "MODIFY",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/x",
        "dynamodb": {"Keys": {"id": {"S": "1"}}, "NewImage": Untouchable(), "OldImage": Untouchable()},
        "userIdentity": Untouchable(),
    }
    Untouchable.touched.clear()
    outcome = span_autolink.pointers_for_event({"Records": [record]})
    assert len(outcome.pointers) == 1 and outcome.issues == ()
    assert Untouchable.touched == []
