"""The extension (``span_autolink._native``, built from
``bindings/python/native``): where it is used, that it gives every case's
expected outcome on the oldest CPUs of both architectures it is built for,
that one instance serves every thread, a forked child and the calls after
a trap, and that where it cannot load the WebAssembly module serves, with
the same results."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

import span_autolink
from span_autolink import _extension, _runtime
from helpers import ddb_hash, put_object, run_python, triples
from test_portable import (
    AARCH64_CPUS,
    CONFORMANCE,
    QEMU_X86_64,
    X86_64_CPUS,
    aarch64_command,
    aarch64_only,
    expected_outcomes,
    run,
    x86_64_only,
)

PACKAGE_DIR = os.path.dirname(os.path.abspath(span_autolink.__file__))
NATIVE_DIR = os.path.join(PACKAGE_DIR, "native")
WANT_HASH = "e721375466d4116ab551213fdea08413"  # put_object(), written out in helpers
# The newest glibc symbol version the extensions may need: glibc 2.17, the
# oldest C library of any Lambda runtime and of manylinux2014.
GLIBC_MOST = (2, 17)

pytestmark = pytest.mark.skipif(
    os.environ.get("SPAN_AUTOLINK_EXTENSION") == "off", reason="this run switches the extension off"
)


def orders_put(order):
    return (
        "dynamodb", "PutItem",
        {"TableName": "ext-orders", "Item": {"customerId": {"S": "c-1"}, "orderId": {"N": str(order)}}},
        {"ResponseMetadata": {"HTTPStatusCode": 200}},
    )


ORDERS_DESCRIBED = (
    "dynamodb", "DescribeTable", {"TableName": "ext-orders"},
    {"Table": {"TableName": "ext-orders", "KeySchema": [
        {"AttributeName": "customerId", "KeyType": "HASH"}, {"AttributeName": "orderId", "KeyType": "RANGE"}]}},
)


def order_hash(order):
    return ddb_hash("ext-orders", ("customerId", "c-1"), ("orderId", str(order)))


def test_the_wheel_ships_an_extension_for_each_architecture():
    assert sorted(os.listdir(NATIVE_DIR)) == [
        "linux-aarch64.so", "linux-aarch64.so.blake2b", "linux-x86_64.so", "linux-x86_64.so.blake2b"]


def test_it_serves_here_and_a_pointer_call_needs_no_wasmtime(tmp_path):
    out = run_python(
        "import sys, json, span_autolink\n"
        "o = span_autolink.pointers_for_response(*" + repr(put_object()) + ")\n"
        "from span_autolink import _runtime\n"
        "print(json.dumps([o.pointers[0].hash, _runtime.backend(), sorted(m for m in sys.modules if m.startswith('wasmtime'))]))",
        env={"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)},
    )
    assert json.loads(out) == [WANT_HASH, "native", []]
    assert not (tmp_path / "cache").exists(), "nothing is compiled, so nothing is cached"


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_extensions_need_no_newer_glibc_than_2_17(machine):
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) reads the extension's symbol versions"
    table = subprocess.run([objdump, "-T", os.path.join(NATIVE_DIR, f"linux-{machine}.so")], capture_output=True, text=True, check=True)
    versions = {
        tuple(int(n) for n in word[len("GLIBC_"):].split("."))
        for line in table.stdout.splitlines()
        for word in line.replace("(", " ").replace(")", " ").split()
        if word.startswith("GLIBC_") and word[len("GLIBC_"):].replace(".", "").isdigit()
    }
    assert versions, table.stdout[:2000]
    assert max(versions) <= GLIBC_MOST, sorted(versions)


@x86_64_only
@pytest.mark.parametrize("cpu", X86_64_CPUS)
def test_every_case_on_older_x86_64_cpus(cpu, tmp_path):
    result = run([QEMU_X86_64, "-cpu", cpu, sys.executable, "-c", CONFORMANCE], {"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path)})
    assert (result["source"], result["backend"]) == ("native", "native")
    assert result["outcomes"] == expected_outcomes()


@aarch64_only
@pytest.mark.parametrize("cpu", AARCH64_CPUS)
def test_every_case_on_graviton(cpu, tmp_path):
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE_DIR, copy / "span_autolink", ignore=shutil.ignore_patterns("__pycache__"))
    python, env = aarch64_command(cpu, copy)
    env["SPAN_AUTOLINK_CACHE_DIR"] = str(tmp_path / "cache")
    result = run(python + ["-c", CONFORMANCE], env)
    assert (result["source"], result["backend"]) == ("native", "native")
    assert result["outcomes"] == expected_outcomes()


def fallback(tmp_path, damage):
    """A copy of the package whose extension ``damage`` changed: the
    backend a pointer call found and its hash."""
    copy = tmp_path / "lib"
    shutil.copytree(PACKAGE_DIR, copy / "span_autolink", ignore=shutil.ignore_patterns("__pycache__"))
    damage(copy / "span_autolink" / "native")
    out = run_python(
        "import json, span_autolink\n"
        "from span_autolink import _runtime\n"
        "o = span_autolink.pointers_for_response(*" + repr(put_object()) + ")\n"
        "print(json.dumps([_runtime.backend(), [p.hash for p in o.pointers], [i.code for i in o.issues]]))",
        env={"PYTHONPATH": str(copy), "SPAN_AUTOLINK_CACHE_DIR": str(tmp_path / "cache")},
    )
    return json.loads(out)


def machine():
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(os.uname().machine.lower(), os.uname().machine.lower())


def missing(native):
    shutil.rmtree(native)


def garbage(native):
    # With its digest, so that the loader itself refuses it.
    path = native / f"linux-{machine()}.so"
    path.write_bytes(b"\x7fELF" + os.urandom(4000))
    digest = hashlib.blake2b(path.read_bytes(), digest_size=32).hexdigest()
    (native / f"linux-{machine()}.so.blake2b").write_text(digest)


def truncated(native):
    # Loaded, it would crash the process (SIGBUS): its digest keeps it out.
    path = native / f"linux-{machine()}.so"
    path.write_bytes(path.read_bytes()[:50000])


def one_byte_changed(native):
    path = native / f"linux-{machine()}.so"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def no_digest(native):
    os.remove(native / f"linux-{machine()}.so.blake2b")


def other_architecture(native):
    other = "aarch64" if machine() == "x86_64" else "x86_64"
    for suffix in (".so", ".so.blake2b"):
        shutil.copy(native / f"linux-{other}{suffix}", native / f"linux-{machine()}{suffix}")


@pytest.mark.parametrize("damage", [missing, garbage, truncated, one_byte_changed, no_digest, other_architecture])
def test_where_the_extension_cannot_load_the_module_serves(tmp_path, damage):
    assert fallback(tmp_path, damage) == ["ctypes", [WANT_HASH], []]


@pytest.mark.parametrize("flags", ["t", "td"])
def test_a_free_threaded_interpreter_gets_the_module(flags, tmp_path):
    """The extension is built for the stable ABI of CPython with a GIL,
    whose objects a free-threaded build (abiflags "t") lays out otherwise;
    loaded there, it would misread every object. The loader is given the
    file directly, so no file-name tag keeps it out: the package must."""
    out = run_python(
        "import sys\n"
        f"sys.abiflags = {flags!r}\n"
        "import json, span_autolink\n"
        "from span_autolink import _runtime\n"
        "o = span_autolink.pointers_for_response(*" + repr(put_object()) + ")\n"
        "print(json.dumps([_runtime.backend(), [p.hash for p in o.pointers], 'span_autolink._native' in sys.modules]))",
        env={"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert json.loads(out) == ["ctypes", [WANT_HASH], False]


def test_switched_off_the_module_serves(monkeypatch, webassembly):
    assert _runtime.backend() == "ctypes"
    assert triples(span_autolink.pointers_for_response(*put_object()))[0][2] == WANT_HASH


def test_many_threads_share_one_instance_and_what_one_teaches():
    """16 threads, each its own orders and objects, interleaved with the
    lesson of one DescribeTable: every answer is right, and after the
    lesson every thread's puts link."""
    span_autolink.forget_tables()
    span_autolink.pointers_for_response(*ORDERS_DESCRIBED)
    errors = []

    def work(n):
        try:
            for i in range(300):
                order = n * 1000 + i
                got = triples(span_autolink.pointers_for_response(*orders_put(order)))
                if got != [("aws.dynamodb.item", "d", order_hash(order))]:
                    errors.append((n, i, got))
                if triples(span_autolink.pointers_for_response(*put_object()))[0][2] != WANT_HASH:
                    errors.append((n, i, "s3"))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append((n, repr(e)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _runtime.backend() == "native"
    span_autolink.forget_tables()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads alive
def test_a_forked_child_keeps_what_the_parent_learned_and_teaches_it_nothing():
    span_autolink.forget_tables()
    span_autolink.pointers_for_response(*ORDERS_DESCRIBED)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            got = triples(span_autolink.pointers_for_response(*orders_put(1)))
            span_autolink.forget_tables()
            os.write(write, json.dumps(got).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        child = json.loads(f.read())
    os.waitpid(pid, 0)
    assert child == [["aws.dynamodb.item", "d", order_hash(1)]]
    # The child's forget_tables was its own.
    assert triples(span_autolink.pointers_for_response(*orders_put(2))) == [("aws.dynamodb.item", "d", order_hash(2))]
    span_autolink.forget_tables()


def test_a_call_that_traps_is_an_issue_and_the_next_starts_afresh(monkeypatch):
    """A panic in the extension is a trap: that call answers
    internal_error, and the instance is as new (it knows no table, has no
    configuration), as a module's next instance would be."""
    span_autolink.forget_tables()
    monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", '{"ext-configured": ["id"]}')
    span_autolink.reload_environment()
    configured = ("dynamodb", "PutItem", {"TableName": "ext-configured", "Item": {"id": {"S": "1"}}}, {})
    assert triples(span_autolink.pointers_for_response(*configured))
    span_autolink.pointers_for_response(*ORDERS_DESCRIBED)
    assert triples(span_autolink.pointers_for_response(*orders_put(3)))
    _runtime.runtime.loaded().shared.trap_next = True
    trapped = span_autolink.pointers_for_response(*put_object())
    assert trapped.pointers == () and [i.code for i in trapped.issues] == ["internal_error"]
    assert "panicked" in trapped.issues[0].message
    assert triples(span_autolink.pointers_for_response(*put_object()))[0][2] == WANT_HASH
    assert [i.code for i in span_autolink.pointers_for_response(*orders_put(3)).issues] == ["table_not_configured"]
    # The settings' configuration is sent again to the fresh instance.
    assert triples(span_autolink.pointers_for_response(*configured))
    span_autolink.forget_tables()


def test_check_says_a_cold_start_compiles_nothing(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "span_autolink", "check"],
        env=dict(os.environ, SPAN_AUTOLINK_PRECOMPILED_DIR="", SPAN_AUTOLINK_CACHE_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert os.path.join("native", f"linux-{machine()}.so") in done.stdout
    assert "no wasmtime, no compile" in done.stdout


def in_racing_threads(work, count=8):
    """``work(n)`` in ``count`` threads at once, switching threads as often
    as the interpreter can: what each returned that was wrong."""
    errors = []

    def run_work(n):
        try:
            errors.extend(work(n))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append((n, repr(e)))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run_work, args=(n,)) for n in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return errors


def test_threads_asking_about_sampling_get_their_own_answers():
    """keep_for_sampling hands the hash over and asks in two steps: on one
    instance shared by every thread, another thread's hash must not come
    between them. At rate 0.5 the last 14 hex digits decide (SPEC): all
    f's keep, all 0's do not."""
    kept, dropped = "f" * 32, "0" * 32

    def work(n):
        want = n % 2 == 0
        hash = kept if want else dropped
        return [(n, i) for i in range(20000) if span_autolink.keep_for_sampling(hash, 0.5) is not want]

    assert in_racing_threads(work) == []
    assert _runtime.backend() == "native"


def test_threads_naming_new_operations_get_their_own_codes():
    """A call's names are looked up once per spelling, in two steps on the
    instance: a lookup another thread's came between would give the wrong
    operation, kept for every later call of that spelling. Each call here
    forgets its spelling first, so that every one is looked up."""
    span_autolink.forget_tables()
    span_autolink.pointers_for_response(*ORDERS_DESCRIBED)
    known = span_autolink._autolink

    def work(n):
        wrong = []
        names = ("dynamodb", "PutItem") if n % 2 == 0 else ("s3", "NoSuchCall" + str(n))
        for i in range(15000):
            known.operations.pop(names, None)
            known.calls.pop(names, None)
            if n % 2:
                got = span_autolink.pointers_for_response(*names, {}, {})
                if got.pointers or got.issues:
                    wrong.append((n, i, got))
                continue
            order = n * 10000 + i
            got = triples(span_autolink.pointers_for_response(*names, *orders_put(order)[2:]))
            if got != [("aws.dynamodb.item", "d", order_hash(order))]:
                wrong.append((n, i, got))
        return wrong

    assert in_racing_threads(work) == []
    span_autolink.forget_tables()


def differential_inputs():
    """(export, input) pairs: every conformance case's call, event,
    configuration and environment, as JSON text and as the package writes
    them (marshal along the projections)."""
    from helpers import CASES_PATH, from_case
    from span_autolink import _generated, _values

    with open(CASES_PATH, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    pairs = []
    probe = _extension.load().Instance()
    for case in cases:
        if case.get("kind") == "response" and "service" in case:
            call = {k: case.get(k) for k in ("service", "operation", "request", "response")}
            pairs.append(("sa_pointers_for_response", json.dumps(call).encode()))
            code = probe.call("sa_operation", probe.write(f"{case['service']} {case['operation']}".encode()))
            if code != 255:
                walk_request, walk_response = _generated.CALLS[code]
                try:
                    data = _values.encode((code, walk_request(from_case(case["request"])), walk_response(from_case(case["response"]))))
                except Exception:
                    continue  # a bound the package refuses before any host
                pairs.append(("sa_pointers_for_response", data))
        if case.get("kind") == "event":
            pairs.append(("sa_pointers_for_event", json.dumps(case["event"]).encode()))
            try:
                pairs.append(("sa_pointers_for_event", _values.encode(_generated.EVENT(from_case(case["event"])))))
            except Exception:
                pass
        if "config" in case:
            pairs.append(("sa_configure", json.dumps(case["config"]).encode()))
        if "config_text" in case:
            pairs.append(("sa_configure", case["config_text"].encode("utf-8", "surrogatepass")))
        if "environment" in case:
            entries = b"".join(f"{k}={v}\0".encode("utf-8", "surrogatepass") for k, v in case["environment"].items())
            pairs.append(("sa_settings", entries))
    return pairs


def test_the_extension_answers_every_input_as_the_module_does():
    """One extension instance and one module instance in this process,
    given the same inputs in the same order (so with the same
    configuration and the same key names learned): the conformance
    cases' inputs, then damaged ones (bytes changed, cut, repeated) mixed
    with the other calls, outputs longer than the module keeps, and
    inputs longer than it reads. Every answer must be the same bytes."""
    import random

    from span_autolink._generated import MAX_INPUT_BYTES

    api = _runtime._choose_api()
    engine, compiled, _ = _runtime.compile_file(api, _runtime.WASM_PATH)
    hosts = [_extension.load().Instance(), api.instance(engine, compiled)]
    differ = []

    def both(step, *args):
        answers = []
        for n, inst in enumerate(hosts):
            try:
                answers.append(step(inst, *args))
            except Exception as e:  # a trap: the instance is replaced, as the runtime does
                answers.append(type(e).__name__)
                hosts[n] = _extension.load().Instance() if n == 0 else api.instance(engine, compiled)
        if answers[0] != answers[1]:
            differ.append((args[0], bytes(args[1][:80]) if len(args) > 1 else b"", answers[0][:300], answers[1][:300]))

    def roundtrip(inst, name, data):
        return inst.roundtrip(name, data)

    def ask(inst, name, data, rate=0.0):
        return inst.call(name, inst.write(data), rate)

    def forget(inst, name):
        return inst.call(name)

    pairs = differential_inputs()
    assert len(pairs) > 400
    for pair in pairs:
        both(roundtrip, *pair)
    rng = random.Random(20261207)

    def damaged(data):
        data = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data) + 1)
            what = rng.randrange(4)
            if what == 0 and at < len(data):
                data[at] = rng.randrange(256)
            elif what == 1:
                del data[at:]
            elif what == 2:
                data[at:at] = data[rng.randrange(len(data) + 1):][: rng.randint(1, 40)]
            else:
                del data[at : at + rng.randint(1, 8)]
        return bytes(data)

    names = ["sa_pointers_for_response", "sa_pointers_for_event", "sa_configure", "sa_settings", "sa_setting_variables"]
    for _ in range(30000):
        name, data = rng.choice(pairs)
        if rng.random() < 0.6:
            data = damaged(data)
        if rng.random() < 0.05:
            name = rng.choice(names)
        if rng.random() < 0.01:
            both(forget, "sa_forget_tables")
        if rng.random() < 0.03:
            both(ask, "sa_operation", damaged(b"dynamodb PutItem"))
        if rng.random() < 0.03:
            question = "".join(rng.choice("0123456789abcdef") for _ in range(32)).encode()
            both(ask, "sa_keep_for_sampling", damaged(question), rng.choice([0.0, 0.5, 1.0, -1.0, 2.0, float("nan"), rng.random()]))
        both(roundtrip, name, data)

    # An output longer than the module keeps, then the next.
    record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}
    messages = [
        {"Body": json.dumps({"Records": [dict(record, s3={"bucket": {"name": "b"}, "object": {"key": f"k{i}", "eTag": "e"}})]})}
        for i in range(25000)
    ]
    long_answer = json.dumps({"service": "sqs", "operation": "ReceiveMessage", "request": {}, "response": {"Messages": messages}}).encode()
    for _ in range(2):
        both(roundtrip, "sa_pointers_for_response", long_answer)
        both(roundtrip, *pairs[0])
    # Inputs longer than the module reads, each followed by a call within.
    outsized = b"{" + b"x" * MAX_INPUT_BYTES
    for name in names:
        both(roundtrip, name, outsized)
        both(roundtrip, *pairs[0])
    for name in ("sa_operation", "sa_keep_for_sampling"):
        both(ask, name, outsized, 1.0)
    assert differ == []


def test_a_signal_handler_asking_between_two_steps_gets_and_leaves_right_answers():
    """A signal handler runs between two instructions of the main thread,
    between the two steps of a sampling question among them: its own
    question must not take the place of the main thread's, nor the other
    way round."""
    import signal

    kept, dropped = "f" * 32, "0" * 32
    assert span_autolink.keep_for_sampling(kept, 0.5)  # loaded before the first signal
    wrong, handled = [], []

    def handler(signum, frame):
        handled.append(True)
        if span_autolink.keep_for_sampling(dropped, 0.5) is not False:
            wrong.append("handler")

    before = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
    try:
        for i in range(100000):
            if span_autolink.keep_for_sampling(kept, 0.5) is not True:
                wrong.append(i)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)
    assert wrong == [] and handled


def test_threads_with_key_names_of_their_own_share_the_instance(monkeypatch):
    """The one instance is configured by each call for that call: one
    thread's option (``dynamodb_primary_keys``) never serves another
    thread's call, nor the environment's setting a call that gave the
    option, nor the option a call that gave none."""
    monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", '{"ext-env-table": ["ek"]}')
    span_autolink.reload_environment()
    span_autolink.forget_tables()

    def work(n):
        wrong = []
        table = f"ext-thread-{n}"
        for i in range(1500):
            value = {"S": f"{n}-{i}"}
            if i % 3 == 0:
                got = span_autolink.pointers_for_response(
                    "dynamodb", "PutItem", {"TableName": table, "Item": {f"k{n}": value}}, {},
                    dynamodb_primary_keys={table: [f"k{n}"]},
                )
                want = ([("aws.dynamodb.item", "d", ddb_hash(table, (f"k{n}", value["S"])))], [])
            elif i % 3 == 1:
                got = span_autolink.pointers_for_response("dynamodb", "PutItem", {"TableName": "ext-env-table", "Item": {"ek": value}}, {})
                want = ([("aws.dynamodb.item", "d", ddb_hash("ext-env-table", ("ek", value["S"])))], [])
            else:
                got = span_autolink.pointers_for_response("dynamodb", "PutItem", {"TableName": table, "Item": {f"k{n}": value}}, {})
                want = ([], ["table_not_configured"])
            if (triples(got), [issue.code for issue in got.issues]) != want:
                wrong.append((n, i, got))
        return wrong

    assert in_racing_threads(work) == []
    span_autolink.forget_tables()
