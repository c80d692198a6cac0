"""The wheel's precompiled modules where Lambda runs them.

A module precompiled on this machine for its own CPU may use features a
Lambda host lacks; wasmtime refuses it there and the first call compiles.
So the wheel ships modules compiled for the oldest CPU of each
architecture (``precompile --cpu portable``): Linux x86_64 (x86-64-v2) and
Linux aarch64 (Graviton). Here they run on older CPUs than this machine's,
emulated by qemu-user (``make test-python`` installs it and the aarch64
Python with the aarch64 wasmtime wheel, ``SPAN_AUTOLINK_AARCH64``), and
every conformance case must give its expected pointers there."""

import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys

import pytest

import span_autolink
from span_autolink import _cache, _runtime

from helpers import CASES_PATH, ROOT, run_python
from test_cache import PROBE, WANT

# What only the WebAssembly module has (conftest.py, `webassembly`).
pytestmark = pytest.mark.usefixtures("webassembly")

PACKAGE_DIR = os.path.dirname(os.path.abspath(span_autolink.__file__))
AARCH64 = os.environ.get("SPAN_AUTOLINK_AARCH64")
THIS_WASMTIME = _runtime._wasmtime_version(_runtime._wasmtime_dir())
# The wasmtime the wheel's modules are for (make test-python sets it; the
# aarch64 Python has that wasmtime whichever this environment has).
SHIPPED_WASMTIME = os.environ.get("SPAN_AUTOLINK_SHIPPED_WASMTIME") or THIS_WASMTIME
QEMU_X86_64 = shutil.which("qemu-x86_64-static")
QEMU_AARCH64 = shutil.which("qemu-aarch64-static")
# CPUs older than this machine's, as qemu names them: x86-64 without AVX
# (Nehalem, x86-64-v2) and with AVX2 but no AVX-512 (Haswell); Graviton 1
# (Cortex-A72) and Graviton 2 (Neoverse N1).
X86_64_CPUS = ("Nehalem", "Haswell")
AARCH64_CPUS = ("cortex-a72", "neoverse-n1")

# Every response and event case of the conformance file (but those that set
# a variable, config_text), through the package: the pointers and issue
# codes, one JSON line; then the source of the compiled module.
CONFORMANCE = f"""
import json, sys
sys.path.insert(0, {os.path.join(ROOT, 'py-test')!r})
from helpers import from_case, load_cases
import span_autolink
from span_autolink import _runtime
out = []
for case in load_cases():
    if "config_text" in case:
        continue
    if case["kind"] == "response":
        # Each case starts from a registry that knows no table (conformance/README.md).
        span_autolink.forget_tables()
        o = span_autolink.pointers_for_response(case["service"], case["operation"], from_case(case["request"]),
            from_case(case["response"]), dynamodb_primary_keys=case.get("config"))
    elif case["kind"] == "event":
        o = span_autolink.pointers_for_event(from_case(case["event"]))
    else:
        continue
    out.append([[[p.kind, p.direction, p.hash, p.change_time] for p in o.pointers], [i.code for i in o.issues]])
print(json.dumps({{"outcomes": out, "source": _runtime.runtime.loaded().source, "backend": _runtime.backend()}}))
"""


def expected_outcomes():
    with open(CASES_PATH, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    return [
        [[[p["kind"], p["direction"], p["hash"], p.get("change_time")] for p in c["expect"]["pointers"]], c["expect"]["issues"]]
        for c in cases
        if c["kind"] in ("response", "event") and "config_text" not in c
    ]


def run(command, env, timeout=600):
    done = subprocess.run(command, env=dict(os.environ, **env), capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def no_caches(tmp_path):
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    return {"SPAN_AUTOLINK_CACHE_DIR": str(cache), "TMPDIR": str(tmp)}


def test_the_wheel_ships_a_module_for_each_architecture():
    shipped = sorted(os.listdir(os.path.join(PACKAGE_DIR, "precompiled")))
    with open(_runtime.WASM_PATH, "rb") as f:
        wasm = f.read()
    keys = {m: _cache.file_name(_cache.cache_key(wasm, SHIPPED_WASMTIME, "linux", m)) for m in ("x86_64", "aarch64")}
    assert shipped == sorted(keys.values())


def test_the_lambda_extra_pins_the_wasmtime_the_shipped_modules_are_for():
    """`span-autolink[lambda]` installs the one wasmtime the wheel's modules
    fit: a function set up as the README says never compiles the module."""
    pins = [r for r in importlib.metadata.requires("span-autolink") or [] if "extra ==" in r]
    assert len(pins) == 1, pins
    pin = re.fullmatch(r'wasmtime==([0-9.]+); extra == "lambda"', pins[0])
    assert pin, pins[0]
    with open(_runtime.WASM_PATH, "rb") as f:
        wasm = f.read()
    keys = {m: _cache.file_name(_cache.cache_key(wasm, pin.group(1), "linux", m)) for m in ("x86_64", "aarch64")}
    assert sorted(os.listdir(os.path.join(PACKAGE_DIR, "precompiled"))) == sorted(keys.values())


def test_on_lambda_a_wasmtime_without_a_shipped_module_compiles_with_the_baseline_compiler(tmp_path):
    """On Lambda, with nothing precompiled for this wasmtime and nothing
    cached: wasmtime's baseline compiler (Winch) compiles the module, every
    conformance case gives its expected pointers with it, and the next
    process in the execution environment takes that module from /tmp.
    Outside Lambda the same start compiles with Cranelift, as before."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"AWS_LAMBDA_FUNCTION_NAME": "fn", "TMPDIR": str(tmp), "SPAN_AUTOLINK_CACHE_DIR": "", "SPAN_AUTOLINK_PRECOMPILED_DIR": ""}
    first = run([sys.executable, "-c", CONFORMANCE], env)
    assert first["source"] == "baseline"
    assert first["outcomes"] == expected_outcomes()
    cached = os.listdir(tmp / f"span-autolink-{os.getuid()}")
    assert len(cached) == 1
    again = run([sys.executable, "-c", CONFORMANCE], env)
    assert again["source"] == "baseline" and again["outcomes"] == first["outcomes"]
    assert os.listdir(tmp / f"span-autolink-{os.getuid()}") == cached
    (tmp_path / "elsewhere").mkdir()
    elsewhere = dict(no_caches(tmp_path / "elsewhere"), SPAN_AUTOLINK_PRECOMPILED_DIR="")
    assert run([sys.executable, "-c", CONFORMANCE], elsewhere)["source"] == "compiled"


# SPEC 4's hash of table "orders", customerId "c-1", orderId 7:
# SHA-256 of b"orders|customerId|c-1|orderId|7", its first 16 bytes in hex.
ORDERS_C1_7 = "228419e5f0189df84c3883d9730f7a31"

# A Lambda function with the baseline compiler's module whose calls pass
# UPGRADE_AFTER_BYTES (made small): an UpdateItem teaches a table's key
# names, PutObject calls go on until the module compiled with Cranelift
# serves them, then a PutItem on the table (its key names learned before
# the upgrade) and every conformance case.
UPGRADE = f"""
import json, sys, time
sys.path.insert(0, {os.path.join(ROOT, 'py-test')!r})
from span_autolink import _runtime
_runtime.UPGRADE_AFTER_BYTES = 4096
import span_autolink
key = {{"customerId": {{"S": "c-1"}}, "orderId": {{"N": "7"}}}}
ok = {{"ResponseMetadata": {{"HTTPStatusCode": 200}}}}
span_autolink.pointers_for_response("dynamodb", "UpdateItem", {{"TableName": "orders", "Key": key}}, ok)
sources = [_runtime.runtime.loaded().source]
deadline = time.monotonic() + 120
while _runtime.runtime.loaded().source == "baseline" and time.monotonic() < deadline:
    span_autolink.pointers_for_response("s3", "PutObject", {{"Bucket": "b", "Key": "k"}}, {{"ETag": '"e"'}})
    time.sleep(0.001)
sources.append(_runtime.runtime.loaded().source)
put = span_autolink.pointers_for_response("dynamodb", "PutItem", {{"TableName": "orders", "Item": dict(key, total={{"N": "1"}})}}, ok)
print(json.dumps({{"sources": sources, "put": [[p.kind, p.hash] for p in put.pointers], "issues": [i.code for i in put.issues]}}))
"""


def test_on_lambda_the_baseline_module_is_replaced_by_cranelifts_after_enough_input(tmp_path):
    """The upgrade happens on its own thread once enough input was read; the
    key names an UpdateItem taught before it still give a PutItem its
    pointer (the hash written out by hand from SPEC's rule: the table, the
    two key names and values); Cranelift's module is cached for the next
    process in the execution environment, and gives every conformance case's
    expected pointers."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"AWS_LAMBDA_FUNCTION_NAME": "fn", "TMPDIR": str(tmp), "SPAN_AUTOLINK_CACHE_DIR": "", "SPAN_AUTOLINK_PRECOMPILED_DIR": ""}
    result = run([sys.executable, "-c", UPGRADE], env)
    assert result["sources"] == ["baseline", "compiled"]
    assert result["issues"] == []
    assert result["put"] == [["aws.dynamodb.item", ORDERS_C1_7]]
    assert len(os.listdir(tmp / f"span-autolink-{os.getuid()}")) == 2  # the baseline module and Cranelift's
    after = run([sys.executable, "-c", CONFORMANCE], env)
    assert after["source"] == "cache"
    assert after["outcomes"] == expected_outcomes()


# A DynamoDB call served by the baseline module while its upgrade ends (after
# Cranelift's module is made, before it replaces the baseline one): it
# teaches the table's key names ("taught"), or traps, which closes the
# instance that keeps them ("trapped"). The DynamoDB calls after the upgrade
# take the same instance, or a fresh one for a closed one.
UPGRADE_IN_FLIGHT = """
import json, sys
from span_autolink import _runtime
import span_autolink
key = {"customerId": {"S": "c-1"}, "orderId": {"N": "7"}}
ok = {"ResponseMetadata": {"HTTPStatusCode": 200}}
def update():
    return span_autolink.pointers_for_response("dynamodb", "UpdateItem", {"TableName": "orders", "Key": key}, ok)
mode = sys.argv[1]
baseline = _runtime.runtime.loaded()
if mode == "trapped":
    update()
upgraded = _runtime.Module.upgraded
def in_flight(module, path):
    faster = upgraded(module, path)
    _runtime.runtime.trap_next = mode == "trapped"
    update()
    return faster
_runtime.Module.upgraded = in_flight
_runtime.runtime.upgrade(baseline)
sources = [baseline.source, _runtime.runtime.loaded().source]
# The first call after the upgrade: in "trapped", one that teaches the key names again.
after = update() if mode == "trapped" else None
# An attribute of 100 kB: the input outgrows the buffers the calls before made.
item = dict(key, note={"S": "x" * 100000})
put = span_autolink.pointers_for_response("dynamodb", "PutItem", {"TableName": "orders", "Item": item}, ok)
def of(o):
    return [[[p.kind, p.hash] for p in o.pointers], [i.code for i in o.issues]]
print(json.dumps({"sources": sources, "after": after and of(after), "put": of(put)}))
"""


@pytest.mark.parametrize("mode", ["taught", "trapped"])
def test_a_dynamodb_call_in_flight_during_the_upgrade_serves_the_calls_after_it(mode, tmp_path):
    """What a DynamoDB call on the baseline module did to the instance that
    keeps tables' key names while the upgrade ended holds after it: the key
    names it taught give a PutItem its pointer, and the instance a trap
    closed is never called again (calling it aborted the process)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"AWS_LAMBDA_FUNCTION_NAME": "fn", "TMPDIR": str(tmp), "SPAN_AUTOLINK_CACHE_DIR": "", "SPAN_AUTOLINK_PRECOMPILED_DIR": ""}
    result = run([sys.executable, "-c", UPGRADE_IN_FLIGHT, mode], env)
    pointer = [[["aws.dynamodb.item", ORDERS_C1_7]], []]
    assert result == {"sources": ["baseline", "compiled"], "after": pointer if mode == "trapped" else None, "put": pointer}


x86_64_only = pytest.mark.skipif(
    platform.machine() != "x86_64" or sys.platform != "linux" or not QEMU_X86_64,
    reason="the x86_64 checks run an x86_64 interpreter under qemu-x86_64 (make test-python installs it)",
)


@x86_64_only
@pytest.mark.skipif(THIS_WASMTIME != SHIPPED_WASMTIME, reason="the wheel's modules are for another wasmtime")
@pytest.mark.parametrize("cpu", X86_64_CPUS)
def test_the_shipped_x86_64_module_loads_on_older_cpus(cpu, tmp_path):
    """No cache, nothing but the wheel: its module is used, and every
    conformance case gives its expected pointers."""
    env = no_caches(tmp_path)
    env["SPAN_AUTOLINK_PRECOMPILED_DIR"] = os.path.join(PACKAGE_DIR, "precompiled")
    result = run([QEMU_X86_64, "-cpu", cpu, sys.executable, "-c", CONFORMANCE], env)
    assert result["source"] == "precompiled"
    assert result["outcomes"] == expected_outcomes()


@x86_64_only
def test_precompile_compiles_for_older_cpus_with_this_wasmtime(tmp_path):
    """``precompile`` (portable) with this environment's wasmtime, whose
    Cranelift must know the CPU flags it names: its module is used on the
    oldest CPU it is for."""
    pre = tmp_path / "portable"
    done = subprocess.run([sys.executable, "-m", "span_autolink", "precompile", str(pre)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    env = dict(no_caches(tmp_path), SPAN_AUTOLINK_PRECOMPILED_DIR=str(pre))
    result = json.loads(run_python(PROBE, env=env, prefix=[QEMU_X86_64, "-cpu", "Nehalem"], timeout=600).strip().splitlines()[-1])
    assert result == {"hashes": WANT, "issues": [], "source": "precompiled"}


@x86_64_only
def test_precompile_through_wasmtimes_public_api(tmp_path):
    """The public-API backend names the same CPU, where its wasmtime's
    Python API can (Config.cranelift_flag_enable); where it cannot,
    precompile says so and exits 1, writing nothing."""
    import wasmtime

    pre = tmp_path / "public"
    env = dict(os.environ, SPAN_AUTOLINK_WASMTIME_API="public")
    done = subprocess.run([sys.executable, "-m", "span_autolink", "precompile", str(pre)], capture_output=True, text=True, env=env)
    if not hasattr(wasmtime.Config(), "cranelift_flag_enable"):
        assert done.returncode == 1 and "cannot name CPU features" in done.stderr, done.stderr
        assert not os.path.exists(pre) or not os.listdir(pre)
        return
    assert done.returncode == 0, done.stderr
    env = dict(no_caches(tmp_path), SPAN_AUTOLINK_PRECOMPILED_DIR=str(pre), SPAN_AUTOLINK_WASMTIME_API="public")
    result = json.loads(run_python(PROBE, env=env, prefix=[QEMU_X86_64, "-cpu", "Nehalem"], timeout=600).strip().splitlines()[-1])
    assert result == {"hashes": WANT, "issues": [], "source": "precompiled"}


@x86_64_only
def test_a_module_for_this_cpu_only_is_refused_on_an_older_one_and_rebuilt(tmp_path):
    """``precompile --cpu native`` on this machine uses CPU features an
    older x86_64 lacks: there wasmtime refuses it, the first call compiles
    (and caches), and the answers are right."""
    pre = tmp_path / "native"
    done = subprocess.run([sys.executable, "-m", "span_autolink", "precompile", "--cpu", "native", str(pre)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    env = dict(no_caches(tmp_path), SPAN_AUTOLINK_PRECOMPILED_DIR=str(pre))
    assert json.loads(run_python(PROBE, env=env).strip().splitlines()[-1])["source"] == "precompiled"  # here it fits
    prefix = [QEMU_X86_64, "-cpu", "Nehalem"]
    for source in ("compiled", "cache"):
        result = json.loads(run_python(PROBE, env=env, prefix=prefix, timeout=600).strip().splitlines()[-1])
        assert result == {"hashes": WANT, "issues": [], "source": source}


aarch64_only = pytest.mark.skipif(
    not AARCH64 or not QEMU_AARCH64,
    reason="no aarch64 Python (make test-python sets SPAN_AUTOLINK_AARCH64)",
)


def aarch64_command(cpu, package_parent):
    root = os.path.join(AARCH64, "root")
    python = [QEMU_AARCH64, "-cpu", cpu, "-L", root, os.path.join(root, "usr", "bin", "python3.11")]
    env = {"PYTHONPATH": os.pathsep.join([os.path.join(AARCH64, "site"), str(package_parent)])}
    return python, env


@aarch64_only
@pytest.mark.parametrize("cpu", AARCH64_CPUS)
def test_the_shipped_aarch64_module_loads_on_graviton(cpu, tmp_path):
    """The installed package, as the wheel has it, on an aarch64 Python
    with the aarch64 wasmtime wheel: the shipped module is used, through
    the C API, and every conformance case gives its expected pointers."""
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE_DIR, copy / "span_autolink", ignore=shutil.ignore_patterns("__pycache__"))
    python, env = aarch64_command(cpu, copy)
    env.update(no_caches(tmp_path))
    env["SPAN_AUTOLINK_PRECOMPILED_DIR"] = str(copy / "span_autolink" / "precompiled")
    result = run(python + ["-c", CONFORMANCE], env)
    assert (result["source"], result["backend"]) == ("precompiled", "ctypes")
    assert result["outcomes"] == expected_outcomes()


@aarch64_only
def test_on_lambda_the_baseline_compiler_gives_the_same_pointers_on_graviton(tmp_path):
    """Graviton's Lambda with a wasmtime the wheel ships no module for: the
    baseline compiler's aarch64 code gives every conformance case's
    expected pointers."""
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE_DIR, copy / "span_autolink", ignore=shutil.ignore_patterns("__pycache__", "precompiled"))
    python, env = aarch64_command("neoverse-n1", copy)
    env.update(no_caches(tmp_path), AWS_LAMBDA_FUNCTION_NAME="fn", SPAN_AUTOLINK_CACHE_DIR="", SPAN_AUTOLINK_PRECOMPILED_DIR="")
    result = run(python + ["-c", CONFORMANCE], env)
    assert (result["source"], result["backend"]) == ("baseline", "ctypes")
    assert result["outcomes"] == expected_outcomes()


@aarch64_only
def test_the_x86_64_module_is_refused_on_aarch64(tmp_path):
    """The x86_64 module under the aarch64 module's name, key and digest:
    wasmtime refuses it, and the module is compiled instead."""
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE_DIR, copy / "span_autolink", ignore=shutil.ignore_patterns("__pycache__", "precompiled"))
    shipped = os.path.join(PACKAGE_DIR, "precompiled")
    here = _cache.file_name(_cache.cache_key(open(_runtime.WASM_PATH, "rb").read(), SHIPPED_WASMTIME, "linux", "x86_64"))
    (aarch64_name,) = [n for n in os.listdir(shipped) if n != here]
    data = open(os.path.join(shipped, here), "rb").read()
    payload = data[len(_cache.MAGIC) + 64 + 32 :]
    key = open(os.path.join(shipped, aarch64_name), "rb").read()[len(_cache.MAGIC) : len(_cache.MAGIC) + 64].decode()
    pre = tmp_path / "foreign"
    assert _cache.write(str(pre), aarch64_name, key, payload, shared=True)
    python, env = aarch64_command("neoverse-n1", copy)
    env.update(no_caches(tmp_path))
    env["SPAN_AUTOLINK_PRECOMPILED_DIR"] = str(pre)
    done = subprocess.run(python + ["-c", PROBE], env=dict(os.environ, **env), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"hashes": WANT, "issues": [], "source": "compiled"}
