"""span-autolink against the Datadog libraries themselves, as independent
oracles: ddtrace's ``extract_span_pointers_from_successful_botocore_response``
for producers, datadog-lambda's ``calculate_span_pointers`` for consumers.

On generated inputs where those libraries are correct, the hashes must be
equal. On the inputs where SPEC says they are wrong (URL-encoded S3 keys in
notifications, numbers written ``1.50``, table ARNs in ``TableName``, binary
keys in stream events), span-autolink must give the pointer the other side
of the hop computes, and the library must differ.
"""

import base64
import json
import random
import string
from decimal import Decimal
from urllib.parse import quote_plus

import pytest

import span_autolink
from helpers import s3_event, stream_record, triples

from ddtrace._trace.utils_botocore.span_pointers import (  # noqa: E402
    extract_span_pointers_from_successful_botocore_response as dd_extract,
)
import datadog_lambda.span_pointers as dl_span_pointers  # noqa: E402
from datadog_lambda.trigger import parse_event_source  # noqa: E402

SEED = 20240610
N = 150


@pytest.fixture(autouse=True)
def _quiet_datadog_lambda(monkeypatch):
    # calculate_span_pointers submits (prints) a metric for stream events.
    monkeypatch.setattr(dl_span_pointers, "submit_dynamodb_stream_type_metric", lambda event: None)


def ddtrace_pointers(service, operation, request, response, keys=None):
    found = dd_extract(
        dynamodb_primary_key_names_for_tables={t: set(names) for t, names in (keys or {}).items()},
        endpoint_name=service,
        operation_name=operation,
        request_parameters=request,
        response=response,
    )
    return [(d.pointer_kind, d.pointer_direction.value, d.pointer_hash) for d in found]


def datadog_lambda_pointers(event):
    found = dl_span_pointers.calculate_span_pointers(parse_event_source(event), event, True)
    return [(d.pointer_kind, d.pointer_direction.value, d.pointer_hash) for d in found]


def ours(service, operation, request, response, keys=None):
    outcome = span_autolink.pointers_for_response(service, operation, request, response, dynamodb_primary_keys=keys)
    assert outcome.issues == ()
    return triples(outcome)


def ours_event(event):
    outcome = span_autolink.pointers_for_event(event)
    assert outcome.issues == ()
    return triples(outcome)


# -- generated inputs ---------------------------------------------------------


def bucket(rng):
    return "".join(rng.choice(string.ascii_lowercase + string.digits + "-.") for _ in range(rng.randint(3, 40))).strip(
        "-."
    ) or "bucket"


def plain_key(rng):
    """A key that needs no URL encoding in a notification."""
    alphabet = string.ascii_letters + string.digits + "/._-"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))


def unicode_key(rng):
    alphabet = string.ascii_letters + string.digits + " /._-+%&()é日本ü"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))


def etag(rng, multipart=False):
    text = "%032x" % rng.getrandbits(128)
    if multipart:
        text += "-%d" % rng.randint(2, 10000)
    return text


def table(rng):
    alphabet = string.ascii_letters + string.digits + "_.-"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 50)))


def canonical_number(rng):
    """Numbers in the form DynamoDB itself returns them."""
    kind = rng.randrange(4)
    if kind == 0:
        return str(rng.randint(-(10**12), 10**12))
    if kind == 1:
        return str(rng.randint(1, 10**6)) + "." + str(rng.randint(1, 999)).rjust(3, "0").rstrip("0")
    if kind == 2:
        return "-0." + "0" * rng.randint(0, 5) + str(rng.randint(1, 9))
    return str(rng.randint(0, 9))


def key_value(rng, types="SNB"):
    t = rng.choice(types)
    if t == "S":
        return {"S": unicode_key(rng) or "x"}
    if t == "N":
        return {"N": canonical_number(rng)}
    return {"B": bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 24)))}


def primary_key(rng, types="SNB"):
    names = rng.sample(["pk", "sk", "id", "Id", "customerId", "orderId", "ü", "a"], rng.randint(1, 2))
    return {name: key_value(rng, types) for name in names}


# -- where the libraries are correct: equal hashes ---------------------------


def test_s3_producers_agree_with_ddtrace():
    rng = random.Random(SEED)
    for _ in range(N):
        b, k, e = bucket(rng), unicode_key(rng) or "k", etag(rng, multipart=rng.random() < 0.3)
        operation = rng.choice(["PutObject", "CompleteMultipartUpload", "CopyObject"])
        request = {"Bucket": b, "Key": k, "Body": b"data", "ContentType": "text/plain"}
        if operation == "CopyObject":
            request["CopySource"] = "other/key"
            response = {"CopyObjectResult": {"ETag": f'"{e}"'}}
        else:
            response = {"ETag": f'"{e}"', "ResponseMetadata": {"HTTPStatusCode": 200}}
        want = ddtrace_pointers("s3", operation, request, response)
        assert len(want) == 1
        assert ours("s3", operation, request, response) == want


def test_dynamodb_keyed_writes_agree_with_ddtrace():
    rng = random.Random(SEED + 1)
    for _ in range(N):
        operation = rng.choice(["UpdateItem", "DeleteItem"])
        request = {"TableName": table(rng), "Key": primary_key(rng), "ReturnValues": "NONE"}
        want = ddtrace_pointers("dynamodb", operation, request, {})
        assert len(want) == 1
        assert ours("dynamodb", operation, request, {}) == want


def test_dynamodb_puts_agree_with_ddtrace():
    rng = random.Random(SEED + 2)
    for _ in range(N):
        name = table(rng)
        key = primary_key(rng, types="SN")  # ddtrace gives no pointer for bytes in an Item
        item = dict(key, payload={"S": "x" * rng.randint(0, 100)}, count={"N": "3"})
        keys = {name: list(key)}
        request = {"TableName": name, "Item": item}
        want = ddtrace_pointers("dynamodb", "PutItem", request, {}, keys)
        assert len(want) == 1
        assert ours("dynamodb", "PutItem", request, {}, keys) == want


def test_dynamodb_batches_and_transactions_agree_with_ddtrace():
    rng = random.Random(SEED + 3)
    for _ in range(N // 3):
        names = [table(rng) for _ in range(rng.randint(1, 3))]
        key_names = {t: rng.sample(["pk", "sk", "id"], rng.randint(1, 2)) for t in names}

        def key_of(t):
            return {n: key_value(rng, "SN") for n in key_names[t]}

        requests = {}
        for t in names:
            writes = []
            for _ in range(rng.randint(1, 4)):
                if rng.random() < 0.5:
                    writes.append({"PutRequest": {"Item": dict(key_of(t), other={"S": "v"})}})
                else:
                    writes.append({"DeleteRequest": {"Key": key_of(t)}})
            requests[t] = writes
        batch = {"RequestItems": requests}
        want = ddtrace_pointers("dynamodb", "BatchWriteItem", batch, {"UnprocessedItems": {}}, key_names)
        assert len(want) == sum(len(w) for w in requests.values())
        assert ours("dynamodb", "BatchWriteItem", batch, {"UnprocessedItems": {}}, key_names) == want

        items = []
        for _ in range(rng.randint(1, 6)):
            t = rng.choice(names)
            op = rng.choice(["Put", "Update", "Delete"])
            if op == "Put":
                items.append({"Put": {"TableName": t, "Item": dict(key_of(t), other={"N": "1"})}})
            else:
                items.append({op: {"TableName": t, "Key": key_of(t)}})
        transaction = {"TransactItems": items}
        want = ddtrace_pointers("dynamodb", "TransactWriteItems", transaction, {}, key_names)
        assert len(want) == len(items)
        assert ours("dynamodb", "TransactWriteItems", transaction, {}, key_names) == want


def test_document_client_values_agree_with_ddtrace():
    """boto3's resource-level plain values (ddtrace serializes them with
    boto3's TypeSerializer)."""
    rng = random.Random(SEED + 4)
    for _ in range(N):
        key = {}
        for name in rng.sample(["pk", "sk", "id"], rng.randint(1, 2)):
            kind = rng.randrange(3)
            if kind == 0:
                key[name] = unicode_key(rng) or "x"
            elif kind == 1:
                key[name] = rng.randint(-(10**9), 10**9)
            else:
                key[name] = Decimal(canonical_number(rng))
        request = {"TableName": table(rng), "Key": key}
        want = ddtrace_pointers("dynamodb", "UpdateItem", request, {})
        assert len(want) == 1
        assert ours("dynamodb", "UpdateItem", request, {}) == want


def test_s3_notifications_agree_with_datadog_lambda():
    rng = random.Random(SEED + 5)
    for _ in range(N):
        b, k, e = bucket(rng), plain_key(rng), etag(rng)
        event = s3_event(b, k, e)
        want = datadog_lambda_pointers(event)
        assert len(want) == 1
        assert ours_event(event) == want
        # ...and the consumer meets the producer.
        produced = ddtrace_pointers("s3", "PutObject", {"Bucket": b, "Key": k}, {"ETag": f'"{e}"'})
        assert [h for _, _, h in produced] == [h for _, _, h in want]


def test_dynamodb_streams_agree_with_datadog_lambda():
    rng = random.Random(SEED + 6)
    for _ in range(N // 3):
        records = []
        for _ in range(rng.randint(1, 20)):
            records.append(
                stream_record(table(rng), primary_key(rng, types="SN"), rng.choice(["INSERT", "MODIFY", "REMOVE"]))
            )
        event = {"Records": records}
        want = datadog_lambda_pointers(event)
        assert len(want) == len(records)
        assert ours_event(event) == want


# -- where SPEC says the libraries are wrong: we are right, they differ ------


def test_url_encoded_s3_keys():
    rng = random.Random(SEED + 7)
    checked = 0
    for _ in range(N):
        b, k, e = bucket(rng), unicode_key(rng) or "a b", etag(rng)
        encoded = quote_plus(k, safe="/")
        if encoded == k:
            continue
        event = s3_event(b, encoded, e)
        produced = ddtrace_pointers("s3", "PutObject", {"Bucket": b, "Key": k}, {"ETag": f'"{e}"'})
        assert [h for _, _, h in produced] == [h for _, _, h in ours_event(event)]
        assert datadog_lambda_pointers(event) != ours_event(event)
        checked += 1
    assert checked > N // 2


@pytest.mark.parametrize(
    "written, stored",
    [("1.50", "1.5"), ("007", "7"), ("1e2", "100"), ("+1E-3", "0.001"), ("-0.0", "0"), (".5", "0.5")],
)
def test_numbers_are_canonical(written, stored):
    request = {"TableName": "orders", "Key": {"id": {"N": written}}}
    canonical = {"TableName": "orders", "Key": {"id": {"N": stored}}}
    right = ddtrace_pointers("dynamodb", "UpdateItem", canonical, {})
    assert ours("dynamodb", "UpdateItem", request, {}) == right
    assert ddtrace_pointers("dynamodb", "UpdateItem", request, {}) != right
    # What the stream record shows links to that write.
    record = {"Records": [stream_record("orders", {"id": {"N": stored}})]}
    assert [h for _, _, h in ours_event(record)] == [h for _, _, h in right]
    # A Decimal written as 1.50 through boto3's resource layer too.
    plain = {"TableName": "orders", "Key": {"id": Decimal(written)}}
    assert ours("dynamodb", "UpdateItem", plain, {}) == right


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_table_arns(partition):
    arn = f"arn:{partition}:dynamodb:us-east-1:123456789012:table/orders"
    key = {"id": {"S": "42"}}
    right = ddtrace_pointers("dynamodb", "DeleteItem", {"TableName": "orders", "Key": key}, {})
    assert ours("dynamodb", "DeleteItem", {"TableName": arn, "Key": key}, {}) == right
    assert ddtrace_pointers("dynamodb", "DeleteItem", {"TableName": arn, "Key": key}, {}) != right
    record = {"Records": [stream_record("orders", key, "REMOVE", partition)]}
    assert [h for _, _, h in ours_event(record)] == [h for _, _, h in right]


def test_binary_keys():
    rng = random.Random(SEED + 8)
    for _ in range(N // 3):
        raw = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 32)))
        produced = ddtrace_pointers("dynamodb", "UpdateItem", {"TableName": "files", "Key": {"sha": {"B": raw}}}, {})
        assert ours("dynamodb", "UpdateItem", {"TableName": "files", "Key": {"sha": {"B": raw}}}, {}) == produced
        event = {"Records": [stream_record("files", {"sha": {"B": base64.b64encode(raw).decode()}})]}
        assert [h for _, _, h in ours_event(event)] == [h for _, _, h in produced]
        assert [h for _, _, h in datadog_lambda_pointers(event)] != [h for _, _, h in produced]


# -- the explainer's "Datadog would hash" answers, against the libraries ------


def _explained(report, library):
    (answer,) = [a for a in report["datadog"] if a["library"] == library]
    return [p["hash"] for p in answer["pointers"]], answer


def _producer_inputs(rng):
    """Calls where ddtrace agrees with SPEC and calls where it parts from it."""
    out = []
    for _ in range(40):
        b, k, e = bucket(rng), unicode_key(rng) or "k", etag(rng)
        out.append(("s3", "PutObject", {"Bucket": b, "Key": k}, {"ETag": f'"{e}"'}, None))
        out.append(("dynamodb", "UpdateItem", {"TableName": table(rng), "Key": primary_key(rng)}, {}, None))
    out += [
        ("s3", "PutObject", {"Bucket": "b", "Key": "k"}, {"ETag": '""'}, None),
        ("s3", "CopyObject", {"Bucket": "b", "Key": "k"}, {"CopyObjectResult": {"ETag": '"abc"'}}, None),
        ("s3", "GetObject", {"Bucket": "b", "Key": "k"}, {"ETag": '"abc"'}, None),
        ("dynamodb", "put", {"TableName": "orders", "Item": {"id": {"S": "1"}}}, {}, {"orders": ["id"]}),
        ("dynamodb", "UpdateItem", {"TableName": "", "Key": {"id": {"S": "1"}}}, {}, None),
        ("dynamodb", "UpdateItem", {"TableName": "arn:aws:s3:::bucket", "Key": {"id": {"S": "1"}}}, {}, None),
        (
            "dynamodb",
            "UpdateItem",
            {"TableName": "orders", "Key": {"id": {"S": "1"}}},
            {"Error": {"Code": "ConditionalCheckFailedException"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
            None,
        ),
        ("dynamodb", "DeleteItem", {"TableName": "blobs", "Key": {"id": {"B": "aGVsbG8="}}}, {}, None),
        ("dynamodb", "DeleteItem", {"TableName": "blobs", "Key": {"id": {"B": b"\x00\xff"}}}, {}, None),
        ("dynamodb", "PutItem", {"TableName": "blobs", "Item": {"id": {"B": b"\x00\xff"}}}, {}, {"blobs": ["id"]}),
        (
            "dynamodb",
            "PutItem",
            {"TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/orders", "Item": {"id": {"S": "1"}}},
            {},
            {"orders": ["id"]},
        ),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": {"n": Decimal("1.50"), "s": "x"}}, {}, None),
        (
            "dynamodb",
            "BatchWriteItem",
            {
                "RequestItems": {
                    "sessions": [
                        {"PutRequest": {"Item": {"sessionId": {"S": "s-1"}}}},
                        {"DeleteRequest": {"Key": {"sessionId": {"S": "s-2"}}}},
                    ]
                }
            },
            {},
            None,
        ),
    ]
    for written in ("1.50", "007", "1e2", "NaN", "1e999", " 1", ""):
        out.append(("dynamodb", "DeleteItem", {"TableName": "scores", "Key": {"n": {"N": written}}}, {}, None))
    partition = rng.choice(["aws", "aws-cn", "aws-us-gov"])
    out.append(
        (
            "dynamodb",
            "UpdateItem",
            {"TableName": f"arn:{partition}:dynamodb:us-east-1:123456789012:table/orders", "Key": {"id": {"S": "1"}}},
            {},
            None,
        )
    )
    return out


def test_explained_ddtrace_answers_are_what_ddtrace_computes():
    rng = random.Random(SEED + 9)
    diverging = 0
    for service, operation, request, response, keys in _producer_inputs(rng):
        report = span_autolink.explain_response(service, operation, request, response, dynamodb_primary_keys=keys)
        said, answer = _explained(report, "dd-trace-py")
        real = [h for _, _, h in ddtrace_pointers(service, operation, request, response, keys)]
        assert said == real, (operation, request, answer)
        diverging += bool(answer["divergences"])
    assert diverging >= 15


def _consumer_inputs(rng):
    out = []
    for _ in range(40):
        b, e = bucket(rng), etag(rng)
        k = unicode_key(rng) or "a b"
        out.append(s3_event(b, quote_plus(k, safe="/"), e))
        records = [
            stream_record(table(rng), primary_key(rng, types="SNB" if rng.random() < 0.3 else "SN"))
            for _ in range(rng.randint(1, 3))
        ]
        for record in records:
            for value in record["dynamodb"]["Keys"].values():
                if "B" in value:
                    value["B"] = base64.b64encode(value["B"]).decode()
        out.append({"Records": records})
    out += [
        s3_event("b", "k", "e", event_name="ObjectRemoved:Delete"),
        s3_event("b", "100%", "e"),
        {"Records": [stream_record("users", {"id": {"S": "u-1"}}, partition="aws-cn")]},
        {"Records": [stream_record("users", {"id": {"S": "u-1"}}, partition="aws-us-gov")]},
        {"Records": [stream_record("users", {"id": {"S": "u-1"}}, event_name="TRUNCATE")]},
        {"Records": [stream_record("scores", {"n": {"N": "1.50"}})]},
        {"Records": [{"eventSource": "aws:sqs", "body": json.dumps(s3_event("b", "k", "e"))}]},
        {"Records": []},
    ]
    return out


def test_explained_datadog_lambda_answers_are_what_datadog_lambda_computes():
    rng = random.Random(SEED + 10)
    diverging = 0
    for event in _consumer_inputs(rng):
        report = span_autolink.explain_event(event)
        said, answer = _explained(report, "datadog-lambda-python")
        real = [h for _, _, h in datadog_lambda_pointers(event)]
        assert said == real, (event, answer)
        diverging += bool(answer["divergences"])
    assert diverging >= 10
