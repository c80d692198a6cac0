"""span-autolink (Python) against the Datadog libraries: same process,
same inputs, medians, ratios ours/theirs. ``make bench-python``.

* PutObject and UpdateItem, one call each, against ddtrace's
  ``extract_span_pointers_from_successful_botocore_response`` (target <= 1.0)
* a 1,000-record DynamoDB Stream event against datadog-lambda's
  ``calculate_span_pointers`` (target <= 0.5)
* feeding the key-name registry: a DynamoDB call no rule reads against the
  dict lookup that answers it, a read that teaches key names, a put whose
  key names were learned against one configured
* cold start in a fresh interpreter on one CPU (``taskset -c 0``), to the
  first pointer, whole process minus the bare interpreter, median of 7
  (target <= 30 ms): an empty cache with the wheel's shipped module, an
  empty cache with ``precompile DIR``, a warm cache, and an empty cache
  with nothing precompiled (what compiling costs); RSS after the call
* sizes: the wheel, installed with wasmtime

ddtrace runs with its default settings (its span-pointer telemetry counter
included: switching it off changes its time by less than the noise).
datadog-lambda's once-per-event metric submission is switched off, so only
pointer work is timed. Rounds alternate ours and theirs so that load on the
machine hits both alike.
"""

import gc
import os
import statistics
import subprocess
import sys
import shutil
import tempfile
import time

import span_autolink
from span_autolink import _generated, _runtime, _values
from span_autolink._outcome import Reader

from ddtrace._trace.utils_botocore.span_pointers import (
    extract_span_pointers_from_successful_botocore_response as dd_extract,
)
import datadog_lambda.span_pointers as dl_span_pointers
from datadog_lambda.trigger import parse_event_source

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

# -- timing ---------------------------------------------------------------------


def per_call(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


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


def us(seconds):
    return f"{seconds * 1e6:8.2f} us"


def ms(seconds):
    return f"{seconds * 1e3:8.2f} ms"


def row(name, ours, theirs, target, unit=us):
    ratio = ours / theirs
    verdict = "meets" if ratio <= target else "misses"
    print(f"{name:<34} ours {unit(ours)}  theirs {unit(theirs)}  ratio {ratio:5.2f}  (target <= {target}: {verdict})")
    return ratio


def check_same_answers():
    ours = span_autolink.pointers_for_response("s3", "PutObject", PUT_REQUEST, PUT_RESPONSE)
    theirs = dd_extract({}, "s3", "PutObject", PUT_REQUEST, PUT_RESPONSE)
    assert [p.hash for p in ours.pointers] == [d.pointer_hash for d in theirs], (ours, theirs)
    ours = span_autolink.pointers_for_response("dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)
    theirs = dd_extract({}, "dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)
    assert [p.hash for p in ours.pointers] == [d.pointer_hash for d in theirs], (ours, theirs)
    ours = span_autolink.pointers_for_event(STREAM)
    theirs = dl_span_pointers.calculate_span_pointers(STREAM_SOURCE, STREAM, True)
    assert len(ours.pointers) == 1000 and not ours.issues
    assert [p.hash for p in ours.pointers] == [d.pointer_hash for d in theirs]


def single_calls():
    put_ours = lambda: span_autolink.pointers_for_response("s3", "PutObject", PUT_REQUEST, PUT_RESPONSE)  # noqa: E731
    put_theirs = lambda: dd_extract({}, "s3", "PutObject", PUT_REQUEST, PUT_RESPONSE)  # noqa: E731
    upd_ours = lambda: span_autolink.pointers_for_response("dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)  # noqa: E731
    upd_theirs = lambda: dd_extract({}, "dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)  # noqa: E731
    row("PutObject vs ddtrace", *compare(put_ours, put_theirs, 2000), 1.0)
    row("UpdateItem vs ddtrace", *compare(upd_ours, upd_theirs, 2000), 1.0)


def stream():
    ours = lambda: span_autolink.pointers_for_event(STREAM)  # noqa: E731
    theirs = lambda: dl_span_pointers.calculate_span_pointers(STREAM_SOURCE, STREAM, True)  # noqa: E731
    return row("1,000-record stream vs datadog-lambda", *compare(ours, theirs, 5), 0.5, ms)


def key_names():
    """What feeding the key-name registry costs (#22): the integrations pass
    every DynamoDB call; one no rule reads must cost no more than the lookup
    of its operation code."""
    query_request = {
        "TableName": "orders",
        "KeyConditionExpression": "customerId = :c",
        "ExpressionAttributeValues": {":c": {"S": "customer#000042"}},
    }
    query_response = {"Items": [dict(UPDATE_REQUEST["Key"], status={"S": "SHIPPED"})], "Count": 1, **UPDATE_RESPONSE}
    get_request = {"TableName": "orders", "Key": UPDATE_REQUEST["Key"], "ProjectionExpression": "status"}
    get_response = {"Item": {"status": {"S": "SHIPPED"}}, **UPDATE_RESPONSE}
    description = {
        "Table": {
            "TableName": "orders-described",
            "KeySchema": [{"AttributeName": "customerId", "KeyType": "HASH"}, {"AttributeName": "orderId", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "customerId", "AttributeType": "S"}],
            "TableStatus": "ACTIVE",
        },
        **UPDATE_RESPONSE,
    }
    item = dict(UPDATE_REQUEST["Key"], status={"S": "SHIPPED"}, total={"N": "42.50"})
    operations = span_autolink._autolink.operations
    query = lambda: span_autolink.pointers_for_response("dynamodb", "Query", query_request, query_response)  # noqa: E731
    assert query() == span_autolink.Outcome()
    lookup = lambda: operations.get(("dynamodb", "Query"))  # noqa: E731
    a, b = compare(query, lookup, 20000)
    print(f"a call no rule reads (Query), public API   {us(a)}; the dict lookup alone {us(b)}; ratio {a / b:.1f}")
    import span_autolink.opentelemetry as sa_otel

    request_hook, response_hook = sa_otel.make_hooks()

    class Span:
        """What the hooks touch of an SDK span."""

        attributes = {"cloud.region": "us-east-1"}

        def add_link(self, *args):
            pass

    span = Span()

    def through_hooks():
        request_hook(span, "dynamodb", "Query", query_request)
        response_hook(span, "dynamodb", "Query", query_response)

    a, b = compare(through_hooks, lookup, 20000)
    print(f"the same call through the OpenTelemetry request and response hooks {us(a)}; ratio to the lookup {a / b:.1f}")
    get = lambda: span_autolink.pointers_for_response("dynamodb", "GetItem", get_request, get_response)  # noqa: E731
    update = lambda: span_autolink.pointers_for_response("dynamodb", "UpdateItem", UPDATE_REQUEST, UPDATE_RESPONSE)  # noqa: E731
    a, b = compare(get, update, 2000)
    print(f"a read that teaches (GetItem)              {us(a)}; UpdateItem (one pointer) {us(b)}; ratio {a / b:.2f}")
    describe = lambda: span_autolink.pointers_for_response(  # noqa: E731
        "dynamodb", "DescribeTable", {"TableName": "orders-described"}, description
    )
    a, _ = compare(describe, lookup, 2000)
    print(f"a table description that teaches (DescribeTable) {us(a)}")
    learned = lambda: span_autolink.pointers_for_response(  # noqa: E731
        "dynamodb", "PutItem", {"TableName": "orders-described", "Item": item}, UPDATE_RESPONSE
    )
    # A table no call showed ("orders" was, by the reads above), configured
    # as the environment variable gives it: JSON text, not a dict to serialize.
    setting = '{"orders-configured": ["customerId", "orderId"]}'
    configured = lambda: span_autolink.pointers_for_response(  # noqa: E731
        "dynamodb", "PutItem", {"TableName": "orders-configured", "Item": item}, UPDATE_RESPONSE,
        dynamodb_primary_keys=setting,
    )
    for outcome in (learned(), configured()):
        assert len(outcome.pointers) == 1 and not outcome.issues, outcome
    a, b = compare(learned, configured, 2000)
    print(f"PutItem, key names learned                 {us(a)}; configured {us(b)}; ratio {a / b:.2f}")


def breakdown():
    """Where one call's time goes (medians of the parts, timed alone)."""
    runtime = _runtime.runtime
    walk_request, walk_response = _generated.CALLS[span_autolink._autolink.operations[("s3", "PutObject")]]
    code = span_autolink._autolink.operations[("s3", "PutObject")]
    walk = lambda: (code, walk_request(PUT_REQUEST), walk_response(PUT_RESPONSE))  # noqa: E731
    payload = _values.encode(walk())
    inst = runtime.loaded().pool[-1]
    out = inst.roundtrip("sa_pointers_for_response", payload)
    event_payload = _values.encode(_generated.EVENT(STREAM))
    event_out = inst.roundtrip("sa_pointers_for_event", event_payload)
    reader = Reader()

    def median(fn, calls):
        return statistics.median(per_call(fn, calls) for _ in range(15))

    print("where a PutObject call goes:")
    print(f"  walk                               {us(median(walk, 5000))}")
    print(f"  walk + marshal ({len(payload)} bytes)        {us(median(lambda: _values.encode(walk()), 5000))}")
    print(f"  wasm round trip (one module call)  {us(median(lambda: inst.roundtrip('sa_pointers_for_response', payload), 5000))}")
    print(f"    of which one empty export call   {us(median(lambda: inst.call('sa_abi_version'), 5000))}")
    print(f"  parse output                       {us(median(lambda: reader.outcome(out), 5000))}")
    from span_autolink._public import PublicApi  # what wasmtime-py's Func.__call__ and Memory.read/write cost

    loaded = runtime.loaded()
    public = PublicApi(loaded.api.version)
    engine = public.engine()
    slow = public.instance(engine, public.deserialize(engine, loaded.api.serialize(loaded.module)))
    print(f"  (the same round trip through wasmtime-py's public API: {us(median(lambda: slow.roundtrip('sa_pointers_for_response', payload), 500))})")
    print("where a 1,000-record stream event goes:")
    print(f"  walk                               {ms(median(lambda: _generated.EVENT(STREAM), 5))}")
    print(f"  walk + marshal ({len(event_payload)} bytes)   {ms(median(lambda: _values.encode(_generated.EVENT(STREAM)), 5))}")
    print(f"  wasm round trip                    {ms(median(lambda: inst.roundtrip('sa_pointers_for_event', event_payload), 5))}")
    print(f"  parse output                       {ms(median(lambda: reader.outcome(event_out), 5))}")


COLD = (
    "import time\n"
    "t0 = time.perf_counter()\n"
    "import span_autolink\n"
    "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'b', 'Key': 'k'}, {'ETag': '\"e\"'})\n"
    "t1 = time.perf_counter()\n"
    "assert len(o.pointers) == 1, o\n"
    "from span_autolink import _runtime\n"
    "rss = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS')] if __import__('os').path.exists('/proc/self/status') else ['0']\n"
    "print(t1 - t0, _runtime.runtime.loaded().source, rss[0])\n"
)
BARE = "rss = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS')]\nprint(0, 'bare', rss[0])\n"
# One CPU, as a small Lambda has (at most) one.
PIN = ["taskset", "-c", "0"] if shutil.which("taskset") else []
COLD_RUNS = 7


def cold_once(code, env):
    env = dict(os.environ, **env)
    start = time.perf_counter()
    out = subprocess.run(PIN + [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    seconds, source, rss = out.stdout.split()
    return float(seconds), wall, source, int(rss)


def cold_start():
    """Fresh interpreters on one CPU, the cases interleaved round by round
    so that load on the machine hits them alike; whole-process medians
    minus the bare interpreter's."""
    with tempfile.TemporaryDirectory() as work:
        warm, layer = os.path.join(work, "warm"), os.path.join(work, "layer")
        subprocess.run([sys.executable, "-m", "span_autolink", "precompile", layer], check=True, capture_output=True)
        cold_once(COLD, {"SPAN_AUTOLINK_CACHE_DIR": warm, "SPAN_AUTOLINK_PRECOMPILED_DIR": ""})
        cases = [
            # (label, source expected, environment for round i)
            ("bare interpreter (python -c pass)", "bare", lambda i: {}),
            ("empty cache, wheel's shipped module", "precompiled", lambda i: {"SPAN_AUTOLINK_CACHE_DIR": os.path.join(work, f"s{i}")}),
            ("empty cache, precompile DIR (layer)", "precompiled", lambda i: {"SPAN_AUTOLINK_CACHE_DIR": os.path.join(work, f"l{i}"), "SPAN_AUTOLINK_PRECOMPILED_DIR": layer}),
            ("warm cache", "cache", lambda i: {"SPAN_AUTOLINK_CACHE_DIR": warm, "SPAN_AUTOLINK_PRECOMPILED_DIR": ""}),
            ("empty cache, nothing precompiled", "compiled", lambda i: {"SPAN_AUTOLINK_CACHE_DIR": os.path.join(work, f"e{i}"), "SPAN_AUTOLINK_PRECOMPILED_DIR": ""}),
        ]
        runs = {label: [] for label, _, _ in cases}
        for i in range(COLD_RUNS):
            for label, _, env in cases:
                runs[label].append(cold_once(BARE if label.startswith("bare") else COLD, env(i)))
    pin = "taskset -c 0" if PIN else "NOT pinned (no taskset)"
    print(f"cold start, fresh interpreter, {pin}, median of {COLD_RUNS}, whole process minus the bare interpreter (target <= 30 ms):")
    base = statistics.median(r[1] for r in runs[cases[0][0]])
    base_rss = statistics.median(r[3] for r in runs[cases[0][0]])
    print(f"  {cases[0][0]:40s} {ms(base)} whole process, RSS {base_rss / 1024:.1f} MB")
    for label, want, _ in cases[1:]:
        got = {r[2] for r in runs[label]}
        assert got == {want}, (label, got)
        extra = statistics.median(r[1] for r in runs[label]) - base
        inside = statistics.median(r[0] for r in runs[label])
        rss = statistics.median(r[3] for r in runs[label]) - base_rss
        verdict = "meets" if extra <= 0.030 else "misses"
        print(f"  {label:40s} {ms(extra)} ({verdict}); import + first pointer {ms(inside)}; RSS +{rss / 1024:.1f} MB")


def tree_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files if "__pycache__" not in root)
    return total


def sizes():
    """What the package adds to a deployment (RSS: cold_start above)."""
    import glob

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    wheels = glob.glob(os.path.join(root, "target", "wheels", f"span_autolink-{span_autolink.__version__}-*.whl"))
    ours = os.path.dirname(os.path.abspath(span_autolink.__file__))
    theirs = _runtime._wasmtime_dir()
    shipped = tree_bytes(os.path.join(ours, "precompiled"))
    mb = lambda n: f"{n / 1e6:.2f} MB"  # noqa: E731
    print("sizes:")
    if wheels:
        print(f"  wheel                                    {mb(os.path.getsize(wheels[0]))}")
    print(f"  installed span_autolink                  {mb(tree_bytes(ours))} (of which the precompiled module {mb(shipped)})")
    print(f"  installed wasmtime {_runtime._wasmtime_version(theirs):21s} {mb(tree_bytes(theirs))}")
    print(f"  together                                 {mb(tree_bytes(ours) + tree_bytes(theirs))}")


def main():
    print(f"span-autolink {span_autolink.__version__}, backend {_runtime.backend()}, Python {sys.version.split()[0]}, "
          f"{ROUNDS} alternating rounds, medians")
    check_same_answers()
    gc.collect()
    single_calls()
    stream()
    key_names()
    breakdown()
    cold_start()
    sizes()


if __name__ == "__main__":
    if os.environ.get("BENCH_ONLY") == "cold":
        cold_start()
        sizes()
    else:
        main()
