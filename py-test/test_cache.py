"""The on-disk cache of the compiled module: each scenario runs in a fresh
interpreter. A missing, unwritable, corrupt or foreign cache is ignored and
rebuilt, never an error."""

import json
import os
import shutil
import subprocess

import pytest

from span_autolink._cache import MAGIC

from helpers import run_python

# What only the WebAssembly module has (conftest.py, `webassembly`).
pytestmark = pytest.mark.usefixtures("webassembly")

PROBE = (
    "import json, span_autolink\n"
    "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'some-bucket', 'Key': 'some-key.data'}, {'ETag': '\"ab12ef34\"'})\n"
    "from span_autolink import _runtime\n"
    "print(json.dumps({'hashes': [p.hash for p in o.pointers], 'issues': [i.code for i in o.issues], 'source': _runtime.runtime.loaded().source}))"
)
WANT = ["e721375466d4116ab551213fdea08413"]


def probe(cache, tmp, prefix=(), precompiled=""):
    """The cache alone (no precompiled module, unless ``precompiled``
    names a directory of them)."""
    env = {"SPAN_AUTOLINK_CACHE_DIR": str(cache), "TMPDIR": str(tmp), "SPAN_AUTOLINK_PRECOMPILED_DIR": str(precompiled)}
    result = json.loads(run_python(PROBE, env=env, prefix=prefix).strip().splitlines()[-1])
    assert result["hashes"] == WANT and result["issues"] == []
    return result["source"]


def cache_files(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".cwasm")) if os.path.isdir(directory) else []


def damaged(data, damage):
    """A cache file's bytes, damaged as ``damage`` says."""
    data = bytearray(data)
    if damage == "flip_payload_byte":
        data[len(data) // 2] ^= 0x40  # inside the compiled code: would crash the process if loaded
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = bytearray()
    elif damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    elif damage == "wrong_magic":
        data[0] ^= 1
    elif damage == "header_only":
        data = data[:100]
    elif damage == "flip_digest":
        data[len(MAGIC) + 64] ^= 1
    return bytes(data)


@pytest.fixture
def dirs(tmp_path):
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    return cache, tmp


def test_missing_then_warm(dirs):
    cache, tmp = dirs
    assert probe(cache, tmp) == "compiled"  # the directory did not even exist
    (name,) = cache_files(cache)
    assert oct(os.stat(cache).st_mode & 0o777) == "0o700"
    assert probe(cache, tmp) == "cache"
    assert cache_files(cache) == [name]
    assert [n for n in os.listdir(cache) if n.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "damage",
    ["flip_payload_byte", "truncate", "empty", "garbage", "wrong_magic", "header_only"],
)
def test_a_corrupt_file_is_rebuilt(dirs, damage):
    cache, tmp = dirs
    probe(cache, tmp)
    (name,) = cache_files(cache)
    path = cache / name
    path.write_bytes(damaged(path.read_bytes(), damage))
    assert probe(cache, tmp) == "compiled"
    assert probe(cache, tmp) == "cache"  # rewritten, valid again


def test_a_foreign_file_is_not_used(dirs):
    """A valid file of another key (another .wasm or wasmtime) under this
    key's name."""
    cache, tmp = dirs
    probe(cache, tmp)
    (name,) = cache_files(cache)
    path = cache / name
    data = bytearray(path.read_bytes())
    start = data.index(b"\n") + 1
    data[start : start + 8] = b"00000000"  # the key recorded inside
    path.write_bytes(bytes(data))
    assert probe(cache, tmp) == "compiled"
    assert probe(cache, tmp) == "cache"


def test_a_file_from_another_user_or_writable_by_others_is_not_used(dirs):
    cache, tmp = dirs
    probe(cache, tmp)
    (name,) = cache_files(cache)
    os.chmod(cache / name, 0o666)
    assert probe(cache, tmp) == "compiled"
    os.chmod(cache / name, 0o600)
    os.chmod(cache, 0o777)
    assert probe(cache, tmp) == "compiled"  # ...and not written there either
    assert probe(cache, tmp) == "cache"  # but in the fallback directory
    assert cache_files(tmp / f"span-autolink-{os.getuid()}") == [name]


def readonly_prefix(directories):
    """A command prefix under which ``directories`` are read-only for this
    process, even as root (a private read-only bind mount)."""
    if os.geteuid() != 0:
        for d in directories:
            os.chmod(d, 0o500)
        return ()
    script = "".join(f'mount --bind "{d}" "{d}" && mount -o remount,bind,ro "{d}" && ' for d in directories)
    prefix = ("unshare", "--mount", "sh", "-c", script + 'exec "$@"', "sh")
    if shutil.which("unshare") is None or subprocess.run(list(prefix) + ["true"], capture_output=True).returncode != 0:
        pytest.skip("running as root without a way to make a directory read-only")
    return prefix


def test_a_read_only_cache_directory(dirs):
    cache, tmp = dirs
    cache.mkdir(mode=0o700)
    prefix = readonly_prefix([cache])
    assert probe(cache, tmp, prefix) == "compiled"
    assert cache_files(cache) == []
    # Falls back to the temporary directory (all that is writable on AWS Lambda).
    assert len(cache_files(tmp / f"span-autolink-{os.getuid()}")) == 1
    assert probe(cache, tmp, prefix) == "cache"


def test_nothing_writable_at_all(dirs):
    cache, tmp = dirs
    cache.mkdir(mode=0o700)
    prefix = readonly_prefix([cache, tmp])
    assert probe(cache, tmp, prefix) == "compiled"
    assert probe(cache, tmp, prefix) == "compiled"
    assert cache_files(cache) == [] and os.listdir(tmp) == []


def test_a_cache_path_that_cannot_be_a_directory(dirs, tmp_path):
    _, tmp = dirs
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert probe(blocker / "cache", tmp) == "compiled"
    assert probe(blocker / "cache", tmp) == "cache"  # from the fallback


def test_aws_lambda_uses_tmp_first(tmp_path):
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {"AWS_LAMBDA_FUNCTION_NAME": "fn", "HOME": str(home), "TMPDIR": str(tmp), "XDG_CACHE_HOME": ""}
    code = PROBE
    for _ in range(2):
        out = run_python(code, env={**env, "SPAN_AUTOLINK_CACHE_DIR": "", "SPAN_AUTOLINK_PRECOMPILED_DIR": ""})
        assert json.loads(out)["hashes"] == WANT
    assert os.listdir(home) == []
    assert len(cache_files(tmp / f"span-autolink-{os.getuid()}")) == 1
