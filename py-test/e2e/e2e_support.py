"""What the end-to-end tests share: capturing boto3 calls as a tracer sees
them, building Lambda events from what the emulator delivered, the Datadog
libraries, and the results file.

Results file (target/compat/<language>.json; the Node.js suite writes
node.json in the same shape, and docs/compatibility.py reads both):

    {"language": "python",
     "libraries": ["span-autolink", "ddtrace + datadog-lambda"],
     "versions": {"span-autolink": "0.1.0", "ddtrace": "4.16.0", ...},
     "run": {"date": "2026-11-24T14:30:00Z", "commit": "abc1234",
             "emulator": "moto 5.2.5 (server mode)", "command": "make test-python",
             "failed": ["test ids of end-to-end tests that failed; a complete run has none"]},
     "flows": [
       {"id": "s3-put-space-sqs",
        "flow": "S3 PutObject, key `my report.txt`, notification via SQS",
        "results": {
          "span-autolink": {"producer": [hash, ...], "consumer": [hash, ...], "links": true},
          "ddtrace + datadog-lambda": {"producer": [...], "consumer": [...], "links": false,
                                       "why": "no consumer pointer for an S3 notification inside an SQS message"}},
        "emulator_notes": ["optional: where moto's delivery differs from AWS's", ...],
       }]}

``producer`` are the hashes the producer side computed on the real request
and response, in request order; ``consumer`` the hashes the consumer side
computed on the Lambda event. A library ``links`` when both lists are
non-empty and hold the same set of hashes (a pointer delivered twice still
links). Where moto delivers something AWS would not (``emulator_notes`` say
what), ``consumer`` and ``links`` are for the event as AWS delivers it, and
the library's ``under_emulator`` (``{"consumer": [...], "links": bool}``)
for moto's delivery as it came.
"""

import base64
import contextlib
import copy
import datetime
import hashlib
import json
import os
import platform
import subprocess
import time
import urllib.error
import urllib.request
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version

import span_autolink

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS_PATH = os.path.join(ROOT, "target", "compat", "python.json")

# End-to-end tests that failed in this session (conftest.py adds them).
FAILED = []

OURS = "span-autolink"
DATADOG = "ddtrace + datadog-lambda"
REGION = "us-east-1"


def wait_until_serving(url, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


# -- hashes, computed independently (SPEC section 1) -------------------------


def std_hash(*components):
    data = b"|".join(c if isinstance(c, bytes) else c.encode("utf-8") for c in components)
    return hashlib.sha256(data).hexdigest()[:32]


def ddb_hash(table, key):
    """key: {name: bytes or text}, one or two attributes."""
    names = sorted(key, key=lambda n: n.encode("utf-8"))
    flat = []
    for name in names:
        flat += [name, key[name]]
    while len(flat) < 4:
        flat.append(b"")
    return std_hash(table, *flat)


def dynamodb_number_text(text):
    """The text DynamoDB stores and returns for a number: no exponent, no
    leading or trailing zeros (for the plain values these tests write)."""
    value = Decimal(text)
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def hashes(outcome):
    """Our outcome's hashes; any issue fails the test."""
    assert outcome.issues == (), outcome.issues
    return [p.hash for p in outcome.pointers]


def directions(outcome):
    return {p.direction for p in outcome.pointers}


def links(producer, consumer):
    return bool(producer) and bool(consumer) and set(producer) == set(consumer)


# -- boto3 calls, as a tracer's botocore integration sees them --------------


class Call:
    def __init__(self, service, operation, params_before, params, result):
        self.service = service
        self.operation = operation
        # The parameters as the caller passed them (for the resource API:
        # plain values, Decimal, Binary), copied before the call, and the
        # same dict after it: what a wrapper of _make_api_call, ddtrace's
        # included, reads once the call returned.
        self.params_before = params_before
        self.params = params
        self.result = result


@contextlib.contextmanager
def capture():
    """Records every boto3 call made inside the block, through a wrapper of
    BaseClient._make_api_call like ddtrace's."""
    import botocore.client

    calls = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        before = copy.deepcopy(api_params)
        result = original(self, operation_name, api_params)
        calls.append(Call(self.meta.service_model.service_name, operation_name, before, api_params, result))
        return result

    botocore.client.BaseClient._make_api_call = recording
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original


# -- S3 notifications through SQS --------------------------------------------


def notifying_bucket(session, bucket, queue):
    """A new bucket whose ObjectCreated notifications go to a new queue,
    the queue's s3:TestEvent drained: (s3 client, sqs client, queue URL,
    queue ARN)."""
    from botocore.config import Config

    s3 = session.client("s3", config=Config(s3={"addressing_style": "path"}))
    sqs = session.client("sqs")
    queue_url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    drain(sqs, queue_url, 1)
    return s3, sqs, queue_url, queue_arn


def drain(sqs, queue_url, count, timeout=10.0):
    """The next ``count`` messages of the queue (with all attributes), deleted."""
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < count and time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["All"]
        ).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        messages += got
        if not got:
            time.sleep(0.02)
    assert len(messages) == count, messages
    return messages


# -- Lambda events from what the emulator delivered --------------------------


def sqs_lambda_event(messages, queue_arn):
    """SQS messages (ReceiveMessage with AttributeNames=["All"]) as Lambda's
    SQS event source mapping hands them to a function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def attribute_value_json(value):
    """An AttributeValue as botocore parsed it (blobs as bytes) back into
    the JSON Lambda delivers (blobs as base64 text)."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in inner]}
    if kind == "M":
        return {"M": {k: attribute_value_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [attribute_value_json(v) for v in inner]}
    return {kind: inner}


def stream_lambda_event(records, stream_arn):
    """GetRecords records (as boto3 parsed them) as Lambda's DynamoDB
    Streams event source mapping hands them to a function: eventSourceARN
    added, binary values as base64 text, the creation time in epoch
    seconds."""
    out = []
    for record in records:
        ddb = {}
        for name, value in record["dynamodb"].items():
            if name in ("Keys", "NewImage", "OldImage"):
                value = {k: attribute_value_json(v) for k, v in value.items()}
            elif isinstance(value, datetime.datetime):
                value = int(value.timestamp())
            ddb[name] = value
        out.append(
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": record["eventVersion"],
                "eventSource": record["eventSource"],
                "awsRegion": record["awsRegion"],
                "dynamodb": ddb,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": out}


# Where moto 5.2.5 delivers something that AWS does not, and that the rules
# read. The functions below return the delivery as AWS makes it, and the
# notes that say what they changed (none when moto's delivery was right).

MOTO_MULTIPART = (
    "moto notifies a completed multipart upload twice (ObjectCreated:Put, then "
    "ObjectCreated:CompleteMultipartUpload); S3 sends only the second"
)
MOTO_SLASH = (
    "moto URL-encodes `/` in notification keys as `%2F` (quote_plus with no safe characters); "
    "S3 leaves `/` as it is"
)
MOTO_NUMBERS = (
    "moto's stream records repeat a number as the caller wrote it (`1.50`, `007`, `1e2`); "
    "DynamoDB stores and streams its canonical text (`1.5`, `7`, `100`)"
)
MOTO_BINARY_KEYS = (
    "moto's stream records base64-encode a binary key attribute twice in `Keys` (once in the images); "
    "DynamoDB once"
)
MOTO_UPSERT = (
    "moto streams an UpdateItem that creates the item as two INSERT records (the bare key, then the item); "
    "DynamoDB streams one"
)


def s3_notification_as_aws(notification):
    changed = copy.deepcopy(notification)
    for record in changed.get("Records", []):
        obj = record.get("s3", {}).get("object", {})
        if "%2F" in obj.get("key", ""):
            # "%" itself is encoded as "%25", so "%2F" always stands for "/".
            obj["key"] = obj["key"].replace("%2F", "/")
    return changed, ([MOTO_SLASH] if changed != notification else [])


def _canonical_numbers(values):
    return {k: {"N": dynamodb_number_text(v["N"])} if "N" in v else v for k, v in values.items()}


def stream_event_as_aws(event):
    """A DynamoDB Streams Lambda event built from moto's records, corrected
    where moto 5.2.5 streams what DynamoDB does not (each correction is
    checked against the rest of the record where it can be); and notes
    saying what was corrected."""
    notes = []
    records = copy.deepcopy(event["Records"])
    kept = []
    for i, record in enumerate(records):
        following = records[i + 1] if i + 1 < len(records) else None
        if (
            following is not None
            and record["eventName"] == following["eventName"] == "INSERT"
            and record["eventSourceARN"] == following["eventSourceARN"]
            and record["dynamodb"]["Keys"] == following["dynamodb"]["Keys"]
        ):
            notes.append(MOTO_UPSERT)
            continue
        kept.append(record)
    for record in kept:
        ddb = record["dynamodb"]
        for name, value in ddb["Keys"].items():
            if "B" in value:
                once = base64.b64decode(value["B"], validate=True).decode("ascii")
                base64.b64decode(once, validate=True)
                for image in ("NewImage", "OldImage"):
                    if image in ddb:
                        assert ddb[image][name] == {"B": once}, (ddb, image, name)
                value["B"] = once
                notes.append(MOTO_BINARY_KEYS)
        for part in ("Keys", "NewImage", "OldImage"):
            if part in ddb:
                canonical = _canonical_numbers(ddb[part])
                if canonical != ddb[part]:
                    notes.append(MOTO_NUMBERS)
                ddb[part] = canonical
    return {"Records": kept}, list(dict.fromkeys(notes))


# -- the Datadog libraries -----------------------------------------------


class Datadog:
    """ddtrace's producer function and datadog-lambda's consumer function,
    called the way their integrations call them."""

    def __init__(self):
        from ddtrace._trace.utils_botocore.span_pointers import (
            extract_span_pointers_from_successful_botocore_response,
        )
        import datadog_lambda.span_pointers as span_pointers
        from datadog_lambda.trigger import parse_event_source

        self._extract = extract_span_pointers_from_successful_botocore_response
        self._span_pointers = span_pointers
        self._parse_event_source = parse_event_source

    def producer(self, call, primary_keys=None):
        found = self._extract(
            dynamodb_primary_key_names_for_tables={t: set(n) for t, n in (primary_keys or {}).items()},
            endpoint_name=call.service,
            operation_name=call.operation,
            request_parameters=call.params,
            response=call.result,
        )
        assert all(d.pointer_direction.value == "d" for d in found)
        return [d.pointer_hash for d in found]

    def consumer(self, event):
        # For stream events it also submits (prints) a metric; not here.
        submit = self._span_pointers.submit_dynamodb_stream_type_metric
        self._span_pointers.submit_dynamodb_stream_type_metric = lambda event: None
        try:
            found = self._span_pointers.calculate_span_pointers(self._parse_event_source(event), event, True)
        finally:
            self._span_pointers.submit_dynamodb_stream_type_metric = submit
        assert all(d.pointer_direction.value == "u" for d in found)
        return [d.pointer_hash for d in found]


# -- results ---------------------------------------------------------------


def _version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _commit():
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return None
    return out.stdout.strip() or None


class Recorder:
    def __init__(self, started):
        self.started = started
        self.flows = []
        self._ids = set()

    def record(self, id, flow, results, emulator_notes=()):
        """results: {library: {"producer", "consumer", ["consumer_under_emulator"], ["why"]}}.
        Works out ``links``; returns the entry."""
        assert id not in self._ids, f"flow id {id} recorded twice"
        self._ids.add(id)
        entry = {"id": id, "flow": flow, "results": {}}
        for library, r in results.items():
            out = {"producer": list(r["producer"]), "consumer": list(r["consumer"])}
            out["links"] = links(out["producer"], out["consumer"])
            if not out["links"]:
                out["why"] = r.get("why") or "producer and consumer hashes differ"
            if emulator_notes:
                under = list(r["consumer_under_emulator"])
                out["under_emulator"] = {"consumer": under, "links": links(out["producer"], under)}
            entry["results"][library] = out
        if emulator_notes:
            entry["emulator_notes"] = list(emulator_notes)
        self.flows.append(entry)
        return entry

    def document(self):
        started = datetime.datetime.fromtimestamp(self.started, datetime.timezone.utc)
        return {
            "language": "python",
            "libraries": [OURS, DATADOG],
            "versions": {
                "span-autolink": span_autolink.__version__
                if hasattr(span_autolink, "__version__")
                else _version("span-autolink"),
                "ddtrace": _version("ddtrace"),
                "datadog-lambda": _version("datadog-lambda"),
                "boto3": _version("boto3"),
                "moto": _version("moto"),
                "python": platform.python_version(),
            },
            "run": {
                "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "commit": _commit(),
                "emulator": f"moto {_version('moto')} (server mode)",
                "command": "make test-python",
                "failed": list(FAILED),
            },
            "flows": self.flows,
        }

    def write(self, path=RESULTS_PATH):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.document(), f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
        return path
