"""span-autolink (Python) against the Datadog libraries: same process,
same inputs, medians, ratios ours/theirs. ``make bench-python``.

* the hot path (calls.py: PutObject and UpdateItem against ddtrace, target
  <= 1.0; a 1,000-record stream against datadog-lambda, target <= 0.5) in
  three process layouts (layout.py), each its own process: a clean
  interpreter; a Lambda function under datadog-lambda's handler wrapper;
  a Lambda function under OpenTelemetry's Lambda instrumentation
* feeding the key-name registry, in this process: a DynamoDB call no rule
  reads against the dict lookup that answers it, a read that teaches key
  names, a put whose key names were learned against one configured
* where one call's time goes, in this process
* cold start in a fresh interpreter on one CPU (``taskset -c 0``), to the
  first pointer, whole process minus the bare interpreter, median of 7
  (target <= 30 ms): an empty cache with the wheel's shipped module, an
  empty cache with ``precompile DIR``, a warm cache, and an empty cache
  with nothing precompiled (what compiling costs); RSS after the call
* sizes: the wheel, installed with wasmtime

In the clean interpreter ddtrace runs with its default settings (its
span-pointer telemetry counter included). In the two Lambda layouts it runs
as datadog-lambda configures it in Lambda, where that counter is off
(datadog_lambda.config turns instrumentation telemetry off before ddtrace
loads), which makes its calls cheaper: the Lambda layouts are the harder
comparison. datadog-lambda's once-per-event metric submission is switched
off, so only pointer work is timed.
"""

import os

# Importing datadog_lambda (calls.py does) changes os.environ, as it does
# in Lambda: instrumentation telemetry off before ddtrace loads, and so on.
# The layouts' processes start from the environment as it was before, or
# the clean interpreter would run ddtrace as configured for Lambda.
ENVIRON = dict(os.environ)

import gc  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import span_autolink  # noqa: E402
from span_autolink import _extension, _generated, _runtime, _values  # noqa: E402
from span_autolink._outcome import Reader  # noqa: E402

import calls  # noqa: E402
from calls import PUT_REQUEST, PUT_RESPONSE, STREAM, per_call  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def us(seconds):
    return f"{seconds * 1e6:8.2f} us"


def ms(seconds):
    return f"{seconds * 1e3:8.2f} ms"


def closed_port():
    """A loopback port nothing listens on (the OS's free port, released):
    where the Datadog layout's tracer sends its traces, and fails quietly."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lambda_environment(layout):
    env = dict(
        ENVIRON,
        AWS_LAMBDA_FUNCTION_NAME="span-autolink-bench",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024",
        AWS_REGION="us-east-1",
        AWS_EXECUTION_ENV=f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}",
        LAMBDA_TASK_ROOT=HERE,
        # What datadog_lambda.config sets before ddtrace loads in Lambda.
        DD_INSTRUMENTATION_TELEMETRY_ENABLED="false",
    )
    if layout == "datadog-lambda":
        env.update(
            DD_TRACE_ENABLED="true",
            DD_TRACE_AGENT_URL=f"http://127.0.0.1:{closed_port()}",
            DD_FLUSH_TO_LOG="true",
            DD_TRACE_STARTUP_LOGS="false",
            DD_SERVICE="span-autolink-bench",
        )
    return env


LAYOUTS = ("clean", "datadog-lambda", "opentelemetry")
# The WebAssembly module where the extension is not (another platform), in a
# clean interpreter: shown, and held to no target.
MODULE_LAYOUT = "clean, WebAssembly module (SPAN_AUTOLINK_EXTENSION=off)"


def hot_path():
    """The comparison in each layout's own process; ratios are taken inside
    each process, side by side."""
    print(f"hot path: ours / theirs, CPU time per call, medians of {calls.ROUNDS} alternating rounds, each layout its own process")
    verdicts = []
    for layout in LAYOUTS + (MODULE_LAYOUT,):
        env = dict(ENVIRON) if layout == "clean" else lambda_environment(layout)
        if layout == MODULE_LAYOUT:
            env = dict(ENVIRON, SPAN_AUTOLINK_EXTENSION="off")
        done = subprocess.run(
            [sys.executable, os.path.join(HERE, "layout.py"), layout.split(",")[0]], env=env, capture_output=True, text=True, cwd=HERE
        )
        if done.returncode != 0:
            raise SystemExit(f"layout {layout} failed:\n{done.stderr[-3000:]}")
        results = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {layout}:")
        for name, ours, theirs, target, unit in results:
            ratio = ours / theirs
            fmt = us if unit == "us" else ms
            verdict = "meets" if ratio <= target else "misses"
            if layout == MODULE_LAYOUT:
                verdict = "no target"
            else:
                verdicts.append(ratio <= target)
            print(f"    {name:<38} ours {fmt(ours)}  theirs {fmt(theirs)}  ratio {ratio:5.2f}  (target <= {target}: {verdict})")
    return all(verdicts)

def key_names():
    """What feeding the key-name registry costs (#22): the integrations pass
    every DynamoDB call; one no rule reads must cost no more than the lookup
    of its operation code."""
    query_request = {
        "TableName": "orders",
        "KeyConditionExpression": "customerId = :c",
        "ExpressionAttributeValues": {":c": {"S": "customer#000042"}},
    }
    query_response = {"Items": [dict(calls.UPDATE_REQUEST["Key"], status={"S": "SHIPPED"})], "Count": 1, **calls.UPDATE_RESPONSE}
    get_request = {"TableName": "orders", "Key": calls.UPDATE_REQUEST["Key"], "ProjectionExpression": "status"}
    get_response = {"Item": {"status": {"S": "SHIPPED"}}, **calls.UPDATE_RESPONSE}
    description = {
        "Table": {
            "TableName": "orders-described",
            "KeySchema": [{"AttributeName": "customerId", "KeyType": "HASH"}, {"AttributeName": "orderId", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "customerId", "AttributeType": "S"}],
            "TableStatus": "ACTIVE",
        },
        **calls.UPDATE_RESPONSE,
    }
    item = dict(calls.UPDATE_REQUEST["Key"], status={"S": "SHIPPED"}, total={"N": "42.50"})
    operations = span_autolink._autolink.operations
    query = lambda: span_autolink.pointers_for_response("dynamodb", "Query", query_request, query_response)  # noqa: E731
    assert query() == span_autolink.Outcome()
    lookup = lambda: operations.get(("dynamodb", "Query"))  # noqa: E731
    a, b = calls.compare(query, lookup, 20000)
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

    a, b = calls.compare(through_hooks, lookup, 20000)
    print(f"the same call through the OpenTelemetry request and response hooks {us(a)}; ratio to the lookup {a / b:.1f}")
    get = lambda: span_autolink.pointers_for_response("dynamodb", "GetItem", get_request, get_response)  # noqa: E731
    update = lambda: span_autolink.pointers_for_response("dynamodb", "UpdateItem", calls.UPDATE_REQUEST, calls.UPDATE_RESPONSE)  # noqa: E731
    a, b = calls.compare(get, update, 2000)
    print(f"a read that teaches (GetItem)              {us(a)}; UpdateItem (one pointer) {us(b)}; ratio {a / b:.2f}")
    describe = lambda: span_autolink.pointers_for_response(  # noqa: E731
        "dynamodb", "DescribeTable", {"TableName": "orders-described"}, description
    )
    a, _ = calls.compare(describe, lookup, 2000)
    print(f"a table description that teaches (DescribeTable) {us(a)}")
    learned = lambda: span_autolink.pointers_for_response(  # noqa: E731
        "dynamodb", "PutItem", {"TableName": "orders-described", "Item": item}, calls.UPDATE_RESPONSE
    )
    # A table no call showed ("orders" was, by the reads above), configured
    # as the environment variable gives it: JSON text, not a dict to serialize.
    setting = '{"orders-configured": ["customerId", "orderId"]}'
    configured = lambda: span_autolink.pointers_for_response(  # noqa: E731
        "dynamodb", "PutItem", {"TableName": "orders-configured", "Item": item}, calls.UPDATE_RESPONSE,
        dynamodb_primary_keys=setting,
    )
    for outcome in (learned(), configured()):
        assert len(outcome.pointers) == 1 and not outcome.issues, outcome
    a, b = calls.compare(learned, configured, 2000)
    print(f"PutItem, key names learned                 {us(a)}; configured {us(b)}; ratio {a / b:.2f}")


def breakdown():
    """Where one call's time goes (medians of the parts, timed alone): the
    module's parts, with the extension switched off in this process, then
    the extension's round trips."""
    extension = _extension.load()
    os.environ["SPAN_AUTOLINK_EXTENSION"] = "off"
    _runtime.runtime.reset()
    span_autolink.reload_environment()
    try:
        module_breakdown(extension)
    finally:
        del os.environ["SPAN_AUTOLINK_EXTENSION"]
        _runtime.runtime.reset()
        span_autolink.reload_environment()


def module_breakdown(extension):
    runtime = _runtime.runtime
    calls.put_ours()
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
    if extension is None:
        print("the extension: none for this platform")
    else:
        native = extension.Instance()
        print("the same round trips through the extension:")
        print(f"  PutObject                          {us(median(lambda: native.serve('sa_pointers_for_response', payload, b''), 5000))}")
        print(f"  1,000-record stream                {ms(median(lambda: native.serve('sa_pointers_for_event', event_payload), 5))}")
    baseline_code(loaded, payload, event_payload)


def baseline_code(loaded, payload, event_payload):
    """The module's round trips with Cranelift's code (this process's)
    against the baseline compiler's, which a Lambda function runs when
    the wheel ships no module for its wasmtime; rounds alternate."""
    make = getattr(loaded.api, "baseline_engine", None)
    if make is None:
        print(f"the baseline compiler: not with the {loaded.api.name} host")
        return
    with open(_runtime.WASM_PATH, "rb") as f:
        wasm = f.read()
    engine = make()
    start = time.perf_counter()
    module = loaded.api.compile(engine, wasm)
    compile_seconds = time.perf_counter() - start
    sides = {"Cranelift": loaded.new_instance(), "baseline": loaded.api.instance(engine, module)}
    print(f"the baseline compiler's code against Cranelift's (compiled here in {ms(compile_seconds)}; medians of 15 alternating rounds):")
    for label, name, data, n, unit in (
        ("PutObject round trip", "sa_pointers_for_response", payload, 5000, us),
        ("1,000-record stream round trip", "sa_pointers_for_event", event_payload, 5, ms),
    ):
        for inst in sides.values():
            inst.roundtrip(name, data)
        times = {k: [] for k in sides}
        for _ in range(15):
            for k, inst in sides.items():
                times[k].append(per_call(lambda inst=inst: inst.roundtrip(name, data), n))
        c, b = statistics.median(times["Cranelift"]), statistics.median(times["baseline"])
        print(f"  {label:32s} Cranelift {unit(c)}, baseline {unit(b)}: {b / c:.2f}x")


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
    """(seconds inside, wall seconds, source, RSS kB, CPU seconds): the CPU
    time (user + system, from the child's rusage) is what a machine loaded
    by others changes least."""
    env = dict(ENVIRON, **env)
    start = time.perf_counter()
    proc = subprocess.Popen(
        PIN + [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tempfile.gettempdir()
    )
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"cold start run failed: {stderr.decode()[-2000:]}")
    seconds, source, rss = stdout.decode().split()
    return float(seconds), wall, source, int(rss), usage.ru_utime + usage.ru_stime


def real_time():
    """Runs this process, and the interpreters it starts, at the lowest
    real-time priority (SCHED_FIFO 1) where permitted: on a machine shared
    with other work the wall clock otherwise also counts the time a fresh
    interpreter waits for its CPU, and a Lambda function's CPU runs no
    one else's work. Returns how to undo it, or None when not permitted."""
    try:
        before = os.sched_getscheduler(0), os.sched_getparam(0)
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    except (AttributeError, OSError):
        return None
    return lambda: os.sched_setscheduler(0, before[0], before[1])


def cold_start():
    """Fresh interpreters on one CPU, the cases interleaved round by round
    so that load on the machine hits them alike; whole-process medians
    minus the bare interpreter's."""
    undo = real_time()
    try:
        runs, cases = cold_runs()
    finally:
        if undo is not None:
            undo()
    pin = ("taskset -c 0" if PIN else "NOT pinned (no taskset)") + (", SCHED_FIFO" if undo else ", not real-time (not permitted)")
    report_cold(runs, cases, pin)


def cold_runs():
    with tempfile.TemporaryDirectory() as work:
        warm, layer = os.path.join(work, "warm"), os.path.join(work, "layer")
        subprocess.run([sys.executable, "-m", "span_autolink", "precompile", layer], check=True, capture_output=True)
        cold_once(COLD, {"SPAN_AUTOLINK_CACHE_DIR": warm, "SPAN_AUTOLINK_PRECOMPILED_DIR": "", "TMPDIR": os.path.join(work, "tmp-warm"), "SPAN_AUTOLINK_EXTENSION": "off"})
        off = {"SPAN_AUTOLINK_EXTENSION": "off"}
        cases = [
            # (label, source expected, environment for round i)
            ("bare interpreter (python -c pass)", "bare", lambda i: {}),
            # Linux x86_64 and aarch64, Lambda's platforms: the extension,
            # whatever the cache and the wasmtime version.
            ("the extension, empty cache", "native", lambda i: {"SPAN_AUTOLINK_CACHE_DIR": os.path.join(work, f"n{i}")}),
            ("Lambda, the extension", "native", lambda i: {"AWS_LAMBDA_FUNCTION_NAME": "span-autolink-bench"}),
            # Elsewhere (or switched off): the WebAssembly module.
            ("module, empty cache, wheel's shipped module", "precompiled", lambda i: dict(off, SPAN_AUTOLINK_CACHE_DIR=os.path.join(work, f"s{i}"))),
            ("module, empty cache, precompile DIR (layer)", "precompiled", lambda i: dict(off, SPAN_AUTOLINK_CACHE_DIR=os.path.join(work, f"l{i}"), SPAN_AUTOLINK_PRECOMPILED_DIR=layer)),
            ("module, warm cache", "cache", lambda i: dict(off, SPAN_AUTOLINK_CACHE_DIR=warm, SPAN_AUTOLINK_PRECOMPILED_DIR="")),
            ("module, empty cache, nothing precompiled", "compiled", lambda i: dict(off, SPAN_AUTOLINK_CACHE_DIR=os.path.join(work, f"e{i}"), SPAN_AUTOLINK_PRECOMPILED_DIR="")),
            # A Lambda function's first start with the extension switched
            # off: as the README sets it up (span-autolink[lambda], the
            # wasmtime of the wheel's modules, which this venv has), and with
            # a wasmtime the wheel ships no module for (the baseline compiler).
            ("module on Lambda, span-autolink[lambda]", "precompiled", lambda i: dict(off, AWS_LAMBDA_FUNCTION_NAME="span-autolink-bench")),
            ("module on Lambda, nothing precompiled", "baseline", lambda i: dict(off, AWS_LAMBDA_FUNCTION_NAME="span-autolink-bench", SPAN_AUTOLINK_PRECOMPILED_DIR="")),
        ]
        runs = {label: [] for label, _, _ in cases}
        for i in range(COLD_RUNS):
            for n, (label, _, env) in enumerate(cases):
                # A TMPDIR of its own: the cache's fallback directory is under it.
                env = dict(env(i), TMPDIR=os.path.join(work, f"tmp{n}-{i}"))
                runs[label].append(cold_once(BARE if label.startswith("bare") else COLD, env))
    return runs, cases


def report_cold(runs, cases, pin):
    print(f"cold start, fresh interpreter, {pin}, median of {COLD_RUNS}, whole process minus the bare interpreter's, "
          f"wall clock and CPU time (target <= 30 ms):")
    bare = runs[cases[0][0]]
    base, base_cpu = statistics.median(r[1] for r in bare), statistics.median(r[4] for r in bare)
    base_rss = statistics.median(r[3] for r in bare)
    print(f"  {cases[0][0]:40s} wall {ms(base)}, CPU {ms(base_cpu)} whole process, RSS {base_rss / 1024:.1f} MB")
    for label, want, _ in cases[1:]:
        got = {r[2] for r in runs[label]}
        assert got == {want}, (label, [r[2] for r in runs[label]])
        extra = statistics.median(r[1] for r in runs[label]) - base
        cpu = statistics.median(r[4] for r in runs[label]) - base_cpu
        inside = statistics.median(r[0] for r in runs[label])
        rss = statistics.median(r[3] for r in runs[label]) - base_rss
        verdict = "/".join("meets" if x <= 0.030 else "misses" for x in (extra, cpu))
        print(f"  {label:40s} wall {ms(extra)}, CPU {ms(cpu)} ({verdict}); import + first pointer {ms(inside)}; "
              f"RSS after the call +{rss / 1024:.1f} MB")


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
    extensions = tree_bytes(os.path.join(ours, "native"))
    mb = lambda n: f"{n / 1e6:.2f} MB"  # noqa: E731
    print("sizes:")
    if wheels:
        print(f"  wheel                                    {mb(os.path.getsize(wheels[0]))}")
    print(f"  installed span_autolink                  {mb(tree_bytes(ours))} (of which the extensions {mb(extensions)}, "
          f"the precompiled modules {mb(shipped)})")
    print(f"  installed wasmtime {_runtime._wasmtime_version(theirs):21s} {mb(tree_bytes(theirs))}")
    print(f"  together                                 {mb(tree_bytes(ours) + tree_bytes(theirs))}")


def main():
    print(f"span-autolink {span_autolink.__version__}, backend {_runtime.backend()}, Python {sys.version.split()[0]}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    hot_path()
    calls.check_same_answers()
    gc.collect()
    key_names()
    breakdown()
    cold_start()
    sizes()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    only = os.environ.get("BENCH_ONLY")
    if only == "cold":
        cold_start()
        sizes()
    elif only == "hot":
        hot_path()
    else:
        main()
