"""The hot-path comparison, as one process runs it: the inputs, the two
sides and the timing. ``bench.py`` runs it in a clean interpreter and
``layout.py`` inside a Lambda handler under datadog-lambda's wrapper and
under OpenTelemetry's Lambda instrumentation.

* PutObject and UpdateItem, one call each, against ddtrace's
  ``extract_span_pointers_from_successful_botocore_response`` (target <= 1.0)
* a 1,000-record DynamoDB Stream event against datadog-lambda's
  ``calculate_span_pointers`` (target <= 0.5)

Rounds alternate ours and theirs, so that load on the machine hits both
alike; each side's figure is the median of its rounds, in CPU time.
"""

import os
import statistics
import time

import span_autolink
from ddtrace._trace.utils_botocore.span_pointers import (
    extract_span_pointers_from_successful_botocore_response as dd_extract,
)
import datadog_lambda.span_pointers as dl_span_pointers
from datadog_lambda.trigger import parse_event_source

# datadog-lambda's once-per-event metric submission is no pointer work.
dl_span_pointers.submit_dynamodb_stream_type_metric = lambda event: None

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "31"))

# -- inputs, as botocore hands them to a hook ---------------------------------

PUT_REQUEST = {
    "Bucket": "some-bucket",
    "Key": "uploads/2024/06/10/some-key.data",
    "Body": b"x" * 4096,
    "ContentType": "application/octet-stream",
    "Metadata": {"origin": "bench"},
}
PUT_RESPONSE = {
    "ResponseMetadata": {
        "RequestId": "ABCDEF0123456789",
        "HostId": "host-id",
        "HTTPStatusCode": 200,
        "HTTPHeaders": {"etag": '"ab12ef34ab12ef34ab12ef34ab12ef34"', "content-length": "0"},
        "RetryAttempts": 0,
    },
    "ETag": '"ab12ef34ab12ef34ab12ef34ab12ef34"',
    "ServerSideEncryption": "AES256",
}
UPDATE_REQUEST = {
    "TableName": "orders",
    "Key": {"customerId": {"S": "customer#000042"}, "orderId": {"N": "1717977600"}},
    "UpdateExpression": "SET #s = :s, updatedAt = :t",
    "ExpressionAttributeNames": {"#s": "status"},
    "ExpressionAttributeValues": {":s": {"S": "SHIPPED"}, ":t": {"N": "1717977601"}},
    "ReturnValues": "NONE",
}
UPDATE_RESPONSE = {
    "ResponseMetadata": {"RequestId": "XYZ", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
}


def stream_event(n):
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525"
    records = []
    for i in range(n):
        keys = {"customerId": {"S": f"customer#{i % 97:06d}"}, "orderId": {"N": str(1717977600 + i)}}
        image = dict(keys, status={"S": "SHIPPED"}, total={"N": "129.95"}, items={"L": [{"S": "sku-1"}, {"S": "sku-2"}]})
        records.append(
            {
                "eventID": "%032x" % i,
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1717977600,
                    "Keys": keys,
                    "NewImage": image,
                    "OldImage": dict(image, status={"S": "PENDING"}),
                    "SequenceNumber": str(100000000000000000000 + i),
                    "SizeBytes": 230,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": arn,
            }
        )
    return {"Records": records}


STREAM = stream_event(1000)
STREAM_SOURCE = parse_event_source(STREAM)

# -- the two sides ----------------------------------------------------------------


def put_ours():
    return span_autolink.pointers_for_response("s3", "PutObject", PUT_REQUEST, PUT_RESPONSE)


def put_theirs():
    return dd_extract({}, "s3", "PutObject", PUT_REQUEST, PUT_RESPONSE)


def update_ours():
    return span_autolink.pointers_for_response("dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)


def update_theirs():
    return dd_extract({}, "dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)


def stream_ours():
    return span_autolink.pointers_for_event(STREAM)


def stream_theirs():
    return dl_span_pointers.calculate_span_pointers(STREAM_SOURCE, STREAM, True)


def check_same_answers():
    """Both sides give the same pointers, or the timings compare nothing."""
    for ours, theirs in ((put_ours, put_theirs), (update_ours, update_theirs)):
        assert [p.hash for p in ours().pointers] == [d.pointer_hash for d in theirs()], ours.__name__
    got = stream_ours()
    assert len(got.pointers) == 1000 and not got.issues
    assert [p.hash for p in got.pointers] == [d.pointer_hash for d in stream_theirs()]


# (name, ours, theirs, calls per round, target ratio, unit)
COMPARISONS = (
    ("PutObject vs ddtrace", put_ours, put_theirs, 2000, 1.0, "us"),
    ("UpdateItem vs ddtrace", update_ours, update_theirs, 2000, 1.0, "us"),
    ("1,000-record stream vs datadog-lambda", stream_ours, stream_theirs, 5, 0.5, "ms"),
)

# -- timing ---------------------------------------------------------------------


def per_call(fn, calls):
    # This thread's CPU time, not the wall clock: on a machine shared with
    # other work the wall clock also counts the time spent waiting for a
    # CPU, which lands on one side of a round more than the other and
    # makes one library look slower in one process than in another.
    start = time.thread_time()
    for _ in range(calls):
        fn()
    return (time.thread_time() - start) / calls


def compare(ours, theirs, calls, rounds=ROUNDS):
    """Median seconds per call of each, rounds alternating."""
    for _ in range(max(1, calls // 10)):
        ours()
        theirs()
    a, b = [], []
    for r in range(rounds):
        first, second = (ours, theirs) if r % 2 == 0 else (theirs, ours)
        x = per_call(first, calls)
        y = per_call(second, calls)
        (a if first is ours else b).append(x)
        (b if first is ours else a).append(y)
    return statistics.median(a), statistics.median(b)


def run_all():
    """Every comparison: a list of (name, ours s, theirs s, target, unit)."""
    check_same_answers()
    return [(name, *compare(ours, theirs, calls), target, unit) for name, ours, theirs, calls, target, unit in COMPARISONS]
