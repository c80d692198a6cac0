"""Precompiled modules (``python -m span_autolink precompile DIR`` and the
one the wheel ships): used when they fit, refused and rebuilt when they do
not (damaged, serialized by another wasmtime, for another CPU), never an
error. Each scenario runs in a fresh interpreter, with an empty cache."""

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys

import pytest

import span_autolink
from span_autolink import _cache, _capi, _runtime

from helpers import run_python
from test_cache import WANT, cache_files, damaged, probe, readonly_prefix

# What only the WebAssembly module has (conftest.py, `webassembly`).
pytestmark = pytest.mark.usefixtures("webassembly")

PACKAGE_DIR = os.path.dirname(os.path.abspath(span_autolink.__file__))
# The same suite's other virtual environment (the lowest supported wasmtime
# when this one has the newest, and the reverse): set by `make test-python`.
OTHER_PYTHON = os.environ.get("SPAN_AUTOLINK_OTHER_PYTHON")
OTHER_PYTHON = os.path.abspath(OTHER_PYTHON) if OTHER_PYTHON else None


def precompile(directory, *extra, python=sys.executable, env=None):
    out = subprocess.run(
        [python, "-m", "span_autolink", "precompile", str(directory), *extra],
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
        cwd=str(directory.parent),
    )
    assert out.returncode == 0, out.stderr
    path = out.stdout.strip()
    assert os.path.dirname(path) == str(directory) and os.path.isfile(path)
    return path


def this_key():
    with open(_runtime.WASM_PATH, "rb") as f:
        wasm = f.read()
    return _cache.cache_key(wasm, _runtime.runtime.loaded().api.version)


def rewrap(foreign_path, directory):
    """A file holding ``foreign_path``'s compiled code, with this
    wasmtime's key, name and a correct digest: only wasmtime itself can
    tell that it does not fit."""
    data = open(foreign_path, "rb").read()
    payload = data[len(_cache.MAGIC) + 64 + 32 :]
    key = this_key()
    assert _cache.write(str(directory), _cache.file_name(key), key, payload, shared=True)
    return directory / _cache.file_name(key)


@pytest.fixture
def dirs(tmp_path):
    cache, tmp, pre = tmp_path / "cache", tmp_path / "tmp", tmp_path / "precompiled"
    tmp.mkdir()
    return cache, tmp, pre


def test_a_precompiled_module_is_used_and_nothing_is_cached(dirs):
    cache, tmp, pre = dirs
    path = precompile(pre)
    assert os.path.basename(path) == _cache.file_name(this_key())
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"  # the function's user is not the layer's builder
    assert probe(cache, tmp, precompiled=pre) == "precompiled"
    assert cache_files(cache) == [] and os.listdir(tmp) == []


def test_a_read_only_precompiled_directory(dirs):
    cache, tmp, pre = dirs
    precompile(pre)
    prefix = readonly_prefix([pre])
    assert probe(cache, tmp, prefix, precompiled=pre) == "precompiled"


def test_precompiled_with_nothing_writable(dirs):
    cache, tmp, pre = dirs
    precompile(pre)
    cache.mkdir(mode=0o700)
    prefix = readonly_prefix([pre, cache, tmp])
    assert probe(cache, tmp, prefix, precompiled=pre) == "precompiled"


@pytest.mark.parametrize("damage", ["flip_payload_byte", "truncate", "empty", "garbage", "wrong_magic", "flip_digest"])
def test_a_damaged_precompiled_file_is_refused_and_rebuilt(dirs, damage):
    cache, tmp, pre = dirs
    path = precompile(pre)
    data = damaged(open(path, "rb").read(), damage)
    open(path, "wb").write(data)
    assert probe(cache, tmp, precompiled=pre) == "compiled"
    assert probe(cache, tmp, precompiled=pre) == "cache"  # the rebuilt module went into the cache...
    assert open(path, "rb").read() == data  # ...never over the precompiled file


def test_a_precompiled_file_writable_by_others_is_not_used(dirs):
    cache, tmp, pre = dirs
    path = precompile(pre)
    os.chmod(path, 0o666)
    assert probe(cache, tmp, precompiled=pre) == "compiled"


OTHER_SETTINGS = """
import ctypes, sys
from span_autolink import _cache, _capi, _runtime
api = _runtime._choose_api()
assert isinstance(api, _capi.CApi)
lib = ctypes.CDLL(_capi.library(_runtime._wasmtime_dir(), api.version))
fuel = lib.wasmtime_config_consume_fuel_set
fuel.argtypes, fuel.restype = [ctypes.c_void_p, ctypes.c_bool], None
config = api.config_new()
api.config_parallel(config, False)
fuel(config, True)  # code that counts fuel; the package's engine has none
engine = api.engine_new(config)
wasm = open(_runtime.WASM_PATH, 'rb').read()
key = _cache.cache_key(wasm, api.version)
payload = api.serialize(api.compile(engine, wasm))
assert _cache.write(sys.argv[1], _cache.file_name(key), key, payload, shared=True)
"""


def test_a_module_compiled_with_other_settings_is_refused_by_wasmtime(dirs):
    """Compiled by this wasmtime for this machine, with another engine
    setting (fuel metering), under the right name, key and digest: wasmtime refuses it
    (it checks the settings and the CPU features a module was compiled
    for), and the module is compiled instead."""
    cache, tmp, pre = dirs
    subprocess.run([sys.executable, "-c", OTHER_SETTINGS, str(pre)], check=True, env=dict(os.environ, SPAN_AUTOLINK_PRECOMPILED_DIR=""))
    assert _cache.read(str(pre / _cache.file_name(this_key())), this_key(), root_too=True) is not None  # passes our own checks
    assert probe(cache, tmp, precompiled=pre) == "compiled"


@pytest.mark.skipif(not OTHER_PYTHON, reason="no second virtual environment (make test-python sets one)")
def test_a_module_serialized_by_another_wasmtime_is_refused(dirs, tmp_path):
    """Made in the other virtual environment (another wasmtime version) from
    this package, then given this wasmtime's name, key and digest."""
    cache, tmp, pre = dirs
    copy = tmp_path / "package"
    shutil.copytree(PACKAGE_DIR, copy / "span_autolink", ignore=shutil.ignore_patterns("__pycache__", "precompiled"))
    env = {"PYTHONPATH": str(copy), "SPAN_AUTOLINK_PRECOMPILED_DIR": ""}
    version = subprocess.run(
        [OTHER_PYTHON, "-c", "from importlib.metadata import version; print(version('wasmtime'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert version != _runtime.runtime.loaded().api.version
    foreign = precompile(tmp_path / "foreign", python=OTHER_PYTHON, env=env)
    assert os.path.basename(foreign) != _cache.file_name(this_key())  # under its own name it is never even read
    rewrap(foreign, pre)
    assert probe(cache, tmp, precompiled=pre) == "compiled"
    assert probe(cache, tmp, precompiled=pre) == "cache"


def test_the_shipped_module_is_used_where_it_fits(tmp_path):
    """No cache and no variable: the wheel's module, when it was built for
    this wasmtime and machine; otherwise compiled, as before."""
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    fits = os.path.isfile(os.path.join(PACKAGE_DIR, "precompiled", _cache.file_name(this_key())))
    env = {"SPAN_AUTOLINK_CACHE_DIR": str(cache), "TMPDIR": str(tmp)}
    code = (
        "import json, os, span_autolink\n"
        "os.environ.pop('SPAN_AUTOLINK_PRECOMPILED_DIR', None)\n"
        "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'some-bucket', 'Key': 'some-key.data'}, {'ETag': '\"ab12ef34\"'})\n"
        "from span_autolink import _runtime\n"
        "print(json.dumps({'hashes': [p.hash for p in o.pointers], 'source': _runtime.runtime.loaded().source}))"
    )
    result = json.loads(run_python(code, env=env).strip().splitlines()[-1])
    assert result["hashes"] == WANT
    assert result["source"] == ("precompiled" if fits else "compiled")


# -- the C API host's struct layouts against wasmtime's own bindings -----------


def test_the_hard_coded_layouts_match_this_wasmtimes_bindings():
    from wasmtime import _bindings, _ffi

    found = _capi.layout_of(_bindings, _ffi)
    assert _capi.layout_matches(_bindings, _ffi), found
    assert {k: v for k, v in found.items() if k not in _capi.BUFFER_BOUNDED} == {
        k: v for k, v in _capi.LAYOUT if k not in _capi.BUFFER_BOUNDED
    }
    major = int(_runtime.runtime.loaded().api.version.split(".")[0])
    assert major in _capi.CHECKED_MAJORS
    assert _runtime.backend() == "ctypes"


def test_a_layout_that_differs_is_detected():
    from wasmtime import _bindings, _ffi
    import ctypes
    import types

    class wasmtime_instance(ctypes.Structure):
        _fields_ = [("store_id", ctypes.c_uint64), ("index", ctypes.c_size_t), ("extra", ctypes.c_uint64)]

    class wasmtime_extern(ctypes.Structure):  # larger than the host's buffer
        _fields_ = [("kind", ctypes.c_uint8), ("of", ctypes.c_uint64 * 4)]

    changed = types.SimpleNamespace(**{k: getattr(_bindings, k) for k in dir(_bindings) if not k.startswith("__")})
    changed.wasmtime_instance_t = wasmtime_instance
    bigger = types.SimpleNamespace(**vars(changed))
    bigger.wasmtime_instance_t, bigger.wasmtime_extern_t = _bindings.wasmtime_instance_t, wasmtime_extern
    assert _capi.layout_matches(_bindings, _ffi)
    assert not _capi.layout_matches(changed, _ffi)
    assert not _capi.layout_matches(bigger, _ffi)
    assert not _capi.layout_matches(types.SimpleNamespace(), _ffi)  # nothing readable: no match


@pytest.mark.parametrize("layouts_match, backend", [(True, "ctypes"), (False, "wasmtime")])
def test_an_unchecked_wasmtime_version_is_checked_at_load(layouts_match, backend):
    """A version outside CHECKED_MAJORS: the C API host only when the
    layouts match, else the public API; same answers, no crash."""
    code = (
        "import json, span_autolink\n"
        "from span_autolink import _capi, _runtime\n"
        "_capi.CHECKED_MAJORS = frozenset()\n"
        f"real = _capi.layout_matches\n"
        f"_capi.layout_matches = lambda b, f: real(b, f) and {layouts_match}\n"
        "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'some-bucket', 'Key': 'some-key.data'}, {'ETag': '\"ab12ef34\"'})\n"
        "print(json.dumps({'hashes': [p.hash for p in o.pointers], 'backend': _runtime.backend()}))"
    )
    result = json.loads(run_python(code).strip().splitlines()[-1])
    assert result == {"hashes": WANT, "backend": backend}


def check(env):
    done = subprocess.run([sys.executable, "-m", "span_autolink", "check"], env=dict(os.environ, **env), capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout


def test_check_says_whether_a_cold_start_finds_a_precompiled_module(tmp_path):
    """``python -m span_autolink check``: 0 and the file when a module
    precompiled for the installed wasmtime fits; 1 and what to do when a
    cold start would compile."""
    pre = tmp_path / "precompiled"
    path = precompile(pre)
    code, out = check({"SPAN_AUTOLINK_PRECOMPILED_DIR": str(pre)})
    assert code == 0 and f"precompiled module: {path}" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = check({"SPAN_AUTOLINK_PRECOMPILED_DIR": str(empty)})
    assert code == 1 and "no_precompiled_module" in out and "python -m span_autolink precompile DIR" in out
    shipped = os.environ.get("SPAN_AUTOLINK_SHIPPED_WASMTIME")
    if shipped:  # make test-python names the wasmtime the wheel's modules are for
        hint = f"install span-autolink[lambda], which pins the wasmtime the wheel's modules are for ({shipped})"
        # Only a wasmtime other than the modules' is helped by the extra.
        assert (hint in out) == (importlib.metadata.version("wasmtime") != shipped), out
    code, out = check({"SPAN_AUTOLINK_PRECOMPILED_DIR": ""})
    assert code == 1 and "no_precompiled_module" in out


def test_check_that_cannot_tell_exits_2_not_as_a_cold_start_that_compiles(tmp_path):
    """1 means "a cold start compiles": a check that cannot answer (here the
    package's module missing, as from a layer that left it out) exits 2,
    with the reason on one line, not an uncaught exception's 1."""
    shutil.copytree(PACKAGE_DIR, tmp_path / "span_autolink", ignore=shutil.ignore_patterns("__pycache__", "span_autolink.wasm"))
    done = subprocess.run(
        [sys.executable, "-m", "span_autolink", "check"],
        env=dict(os.environ, PYTHONPATH=str(tmp_path)),
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("span_autolink check: FileNotFoundError: ") and "span_autolink.wasm" in done.stderr
    assert "Traceback" not in done.stderr
