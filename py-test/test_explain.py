"""span_autolink.explain_response / explain_event / explain: the silent
cases of issue 21 explained through the Python package, the components
with their rules, and the report's shape (the same as the Node.js
package's and the command's)."""

import json
from decimal import Decimal

import span_autolink
from helpers import s3_event, std_hash, stream_record


def first_reason(report):
    assert report["reasons"], json.dumps(report, indent=1)
    return report["reasons"][0]


def test_service_and_operation_names():
    for service in ("s3 ", "AmazonS3"):
        report = span_autolink.explain_response(service, "PutObject", {"Bucket": "b", "Key": "k"}, {"ETag": '"e"'})
        assert report["pointers"] == []
        reason = first_reason(report)
        assert (reason["code"], reason["suggestion"]) == ("service_unknown", "s3")
        assert "did you mean" in reason["message"]
    reason = first_reason(span_autolink.explain_response("s3", "PutObjekt", {}, {}))
    assert (reason["code"], reason["suggestion"]) == ("operation_unknown", "PutObject")
    reason = first_reason(span_autolink.explain_response("s3", "GetObject", {}, {}))
    assert reason["code"] == "operation_writes_nothing"


def test_silent_events():
    notification = json.dumps(s3_event("b", "k.txt", "e1"))
    receive_output = {"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "Body": notification}]}
    assert first_reason(span_autolink.explain_event(receive_output))["code"] == "sdk_output_as_event"
    sqs = {"Records": [{"messageId": "m", "receiptHandle": "r", "body": notification}]}
    reason = first_reason(span_autolink.explain_event(sqs))
    assert (reason["code"], reason["resembles"], reason["missing"]) == (
        "record_without_event_source",
        "an SQS record",
        ["eventSource"],
    )
    record = s3_event("b", "k.txt", "e1")["Records"][0]
    del record["eventSource"]
    reason = first_reason(span_autolink.explain_event({"Records": [record]}))
    assert reason["resembles"] == "an S3 notification record"
    reason = first_reason(span_autolink.explain_event(notification))
    assert reason["code"] == "text_not_object"
    assert "gives 1 pointer" in reason["suggestion"]


def test_components_and_rules():
    report = span_autolink.explain_event(s3_event("photos", "dir/my+file%2B1.txt", "0123abcd"))
    (pointer,) = report["pointers"]
    assert pointer["hash"] == std_hash("photos", "dir/my file+1.txt", "0123abcd")
    key = pointer["components"][1]
    assert (key["value"], key["given"], key["rule"], key["from"]) == (
        "dir/my file+1.txt",
        "dir/my+file%2B1.txt",
        "url_decoded",
        "Records[0].s3.object.key",
    )
    # bytes, a Decimal written 1.50 and a table ARN, as boto3 hands them over
    request = {
        "TableName": "arn:aws:dynamodb:us-east-1:123456789012:table/blobs",
        "Key": {"id": {"B": b"\x00\xff"}, "n": Decimal("1.50")},
    }
    report = span_autolink.explain_response("dynamodb", "DeleteItem", request, {})
    c = report["pointers"][0]["components"]
    assert [x["rule"] for x in c] == [
        "table_from_arn",
        "key_name_given",
        "binary_raw",
        "key_name_given",
        "number_canonical",
    ]
    assert (c[2]["value"], c[4]["value"], c[4]["given"]) == ("00ff", "1.5", "1.50")
    assert report["pointers"][0]["hash"] == std_hash("blobs", "id", b"\x00\xff", "n", "1.5")


def test_key_names_and_the_pair():
    item = {"pk": {"S": "c-1"}, "sk": {"N": "2"}}
    producer = {
        "service": "dynamodb",
        "operation": "PutItem",
        "request": {"TableName": "orders", "Item": item},
        "response": {},
        "dynamodb_primary_keys": {"orders": ["pk"]},
    }
    consumer = {"event": {"Records": [stream_record("orders", item)]}}
    comparison = span_autolink.explain(producer, consumer)
    assert comparison["meet"] is False
    difference = comparison["pairs"][0]["difference"]
    assert (difference["name"], difference["rule"]) == ("key_name_2", "key_names")
    assert comparison["producer"]["key_names"][0]["source"] == "option"
    producer["dynamodb_primary_keys"] = {"orders": ["pk", "sk"]}
    assert span_autolink.explain(producer, consumer)["meet"] is True


def test_key_names_from_the_setting(monkeypatch):
    monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", '{"orders": ["pk"]}')
    span_autolink.reload_environment()
    try:
        report = span_autolink.explain_response(
            "dynamodb", "PutItem", {"TableName": "orders", "Item": {"pk": {"S": "1"}}}, {}
        )
        assert report["key_names"][0]["source"] == "setting"
    finally:
        monkeypatch.delenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS")
        span_autolink.reload_environment()


def test_never_raises():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    answer = span_autolink.explain_event({"Records": [{"body": float("nan")}]})
    assert answer["error"]["code"] == "input_invalid"
    answer = span_autolink.explain({"event": Hostile()}, {"event": {}})
    assert set(answer) == {"error"} or "meet" in answer


def test_key_names_learned_from_the_calls_before():
    describe = {
        "service": "dynamodb",
        "operation": "DescribeTable",
        "request": {"TableName": "orders"},
        "response": {
            "Table": {
                "TableName": "orders",
                "KeySchema": [
                    {"AttributeName": "customerId", "KeyType": "HASH"},
                    {"AttributeName": "orderId", "KeyType": "RANGE"},
                ],
            }
        },
    }
    item = {"customerId": "c-1", "orderId": Decimal("42.0")}  # as boto3's resource layer hands them over
    request = {"TableName": "orders", "Item": item}
    report = span_autolink.explain_response("dynamodb", "PutItem", request, {}, calls=[describe])
    assert [p["hash"] for p in report["pointers"]] == [std_hash("orders", "customerId", "c-1", "orderId", "42")]
    names = report["key_names"][0]
    assert (names["source"], names["learned_from"], names["names"], names["fits"]) == (
        "learned",
        "key_schema",
        ["customerId", "orderId"],
        True,
    )
    ddtrace = next(a for a in report["datadog"] if a["library"] == "dd-trace-py")
    assert ddtrace["pointers"] == []
    assert "key_names_not_learned" in [d["rule"] for d in ddtrace["divergences"]]
    # An option that contradicts DynamoDB: DynamoDB's names, and the option cannot be right.
    conflict = span_autolink.explain_response(
        "dynamodb", "PutItem", request, {}, calls=[describe], dynamodb_primary_keys={"orders": ["customerId"]}
    )
    assert [i["code"] for i in conflict["issues"]] == ["key_config_conflict"]
    assert [(k["source"], k["fits"]) for k in conflict["key_names"]] == [("learned", True), ("option", False)]
    # The stream record of the item: they meet.
    stream = {"Records": [stream_record("orders", {"customerId": {"S": "c-1"}, "orderId": {"N": "42"}})]}
    comparison = span_autolink.explain(
        {"service": "dynamodb", "operation": "PutItem", "request": request, "response": {}, "calls": [describe]},
        {"event": stream},
    )
    assert comparison["meet"], comparison["message"]
