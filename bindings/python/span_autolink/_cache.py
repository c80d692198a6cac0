"""The on-disk cache of the compiled module.

Compiling ``span_autolink.wasm`` takes far longer than loading wasmtime's
serialized form of it. The cache file is
named after the ``.wasm`` digest, the wasmtime version and backend-neutral
engine settings, so a new module or a new wasmtime never picks up a stale
file.

wasmtime trusts a serialized module completely (a flipped byte in its code
crashes the process on the first call), so every file carries a digest of
its payload that is checked before wasmtime sees it, and only files and
directories owned by this user and writable by nobody else are read.
Anything wrong (missing, unreadable, unwritable, truncated, corrupt,
foreign) means: compile, and try to write a fresh file. Writes go to a
temporary file that is renamed into place, so a reader never sees half a
file.

Before any cache, the precompiled modules: read-only directories of files
in the same format, made by ``python -m span_autolink precompile DIR``
(``$SPAN_AUTOLINK_PRECOMPILED_DIR``, for Lambda layers and container
images; the wheel ships one in ``span_autolink/precompiled``). They are
checked as a cache file is (header, key, digest), then by wasmtime, which
refuses a module serialized by another wasmtime version, for another CPU
or with other settings; a refused or damaged file is skipped, the module
compiled and cached as if there were none. Their files may also belong to
root (a layer's or image's files do), never be writable by anyone else.

Where the cache is: ``$SPAN_AUTOLINK_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME`` or
``~/.cache``, under ``span-autolink/``; then, as a fallback (and first on
AWS Lambda, where only ``/tmp`` is writable), ``$TMPDIR`` or ``/tmp``, under
``span-autolink-<uid>/``.
"""

from __future__ import annotations

import os
import stat
import sys
# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

try:  # cheap to import; hashlib pulls in OpenSSL
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import blake2b

CACHE_DIR_ENV = "SPAN_AUTOLINK_CACHE_DIR"
# A directory of precompiled modules; set (even empty) it replaces the
# package's own.
PRECOMPILED_DIR_ENV = "SPAN_AUTOLINK_PRECOMPILED_DIR"
PACKAGE_PRECOMPILED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "precompiled")
MAGIC = b"span-autolink compiled module 1\n"
_DIGEST = 32
# What the compiled code depends on besides the .wasm and wasmtime: the
# engine settings (parallel_compilation does not change the artifact).
_ENGINE = b"engine:default;parallel_compilation=false"
# The same with wasmtime's baseline compiler (``baseline_module``).
_BASELINE_ENGINE = b"engine:winch;parallel_compilation=false"


def _machine() -> str:
    return os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", "")


def cache_key(
    wasm: bytes, wasmtime_version: str, platform: Optional[str] = None, machine: Optional[str] = None, engine: bytes = _ENGINE
) -> str:
    """The key of the module compiled from ``wasm`` by this wasmtime version
    for this platform and machine (or the ones named), with the engine
    settings ``engine`` names."""
    h = blake2b(digest_size=_DIGEST)
    h.update(blake2b(wasm, digest_size=_DIGEST).digest())
    for part in (wasmtime_version, platform or sys.platform, machine or _machine()):
        h.update(b"\0" + part.encode("utf-8", "replace"))
    h.update(b"\0" + engine)
    return h.hexdigest()


def module_key(api: Any, wasm: bytes, engine: bytes = _ENGINE) -> str:
    """``cache_key`` of ``wasm`` compiled by ``api``'s wasmtime for this
    platform and machine."""
    return cache_key(wasm, f"{api.version}", engine=engine)


def file_name(key: str) -> str:
    return f"span_autolink-{key[:40]}.cwasm"


def precompiled_directories() -> List[str]:
    explicit = os.environ.get(PRECOMPILED_DIR_ENV)
    if explicit is not None:
        return [explicit] if explicit else []
    return [PACKAGE_PRECOMPILED]


def on_lambda() -> bool:
    """Whether this process is a Lambda function's."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or os.environ.get("LAMBDA_TASK_ROOT"))


def directories() -> List[str]:
    """Candidate cache directories, most preferred first."""
    out = []
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        out.append(explicit)
    elif not on_lambda():
        base = os.environ.get("XDG_CACHE_HOME")
        if not base:
            home = os.path.expanduser("~")
            base = os.path.join(home, ".cache") if home and home != "~" else ""
        if base:
            out.append(os.path.join(base, "span-autolink"))
    tmp = os.environ.get("TMPDIR") or os.environ.get("TEMP") or os.environ.get("TMP")
    if not tmp:
        tmp = "/tmp" if os.name == "posix" else os.path.join(os.path.expanduser("~"), "AppData", "Local", "Temp")
    uid = os.getuid() if hasattr(os, "getuid") else 0
    out.append(os.path.join(tmp, f"span-autolink-{uid}"))
    return out


def _trusted(st: os.stat_result, root_too: bool = False) -> bool:
    """Owned by this user (or root, for precompiled files) and not
    writable by group or others (POSIX)."""
    if not hasattr(os, "geteuid"):
        return True
    owner = st.st_uid == os.geteuid() or (root_too and st.st_uid == 0)
    return owner and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


# A compiled module is a few megabytes; a file much larger is not ours.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read(path: str, key: str, root_too: bool = False) -> Optional[bytes]:
    """The verified payload of a cache file, or None: anything that is not
    a regular file of ours, of a plausible size, with the right header
    and digest, is no cache."""
    try:
        dir_st = os.stat(os.path.dirname(path))
        if not stat.S_ISDIR(dir_st.st_mode) or not _trusted(dir_st, root_too):
            return None
        # Non-blocking: a FIFO at the path must not hang the first call.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except Exception:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _trusted(st, root_too) or st.st_size > MAX_FILE_BYTES:
            return None
        head = len(MAGIC) + len(key) + _DIGEST
        with os.fdopen(fd, "rb", closefd=False) as f:
            header = f.read(head)
            if len(header) != head or not header.startswith(MAGIC):
                return None
            if header[len(MAGIC) : len(MAGIC) + len(key)] != key.encode("ascii"):
                return None
            payload = f.read(MAX_FILE_BYTES + 1)
    except Exception:
        return None
    finally:
        os.close(fd)
    if not payload or len(payload) > MAX_FILE_BYTES:
        return None
    if blake2b(payload, digest_size=_DIGEST).digest() != header[head - _DIGEST :]:
        return None
    return payload


def write(directory: str, name: str, key: str, payload: bytes, shared: bool = False) -> bool:
    """Writes a cache file atomically; False when the directory cannot be
    used. ``shared``: a precompiled module, readable by every user (a
    Lambda function does not run as the user who built its layer)."""
    try:
        os.makedirs(directory, mode=0o755 if shared else 0o700, exist_ok=True)
        st = os.stat(directory)
        if not stat.S_ISDIR(st.st_mode) or not _trusted(st):
            return False
    except Exception:
        return False
    path = os.path.join(directory, name)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{id(payload):x}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            if shared:
                os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb", closefd=False) as f:
                f.write(MAGIC + key.encode("ascii") + blake2b(payload, digest_size=_DIGEST).digest())
                f.write(payload)
                f.flush()
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return True
    except Exception:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


def load_module(api: Any, engine: Any, wasm: bytes) -> Tuple[Any, Any, str]:
    """The compiled module and the engine it runs on: precompiled, else
    from the cache when it holds a valid copy, else compiled (and cached).
    Returns (engine, module, "precompiled" | "cache" | "baseline" | "compiled")."""
    key = module_key(api, wasm)
    found = precompiled(api, engine, key)
    if found is not None:
        return engine, found[1], "precompiled"
    module = cached(api, engine, key)
    if module is not None:
        return engine, module, "cache"
    if on_lambda():
        # Every new execution environment starts with an empty /tmp, so on
        # Lambda a compile is paid on every cold start, never once: with no
        # module precompiled for this wasmtime (a wasmtime newer than the
        # wheel's), the baseline compiler keeps that cold start short, and
        # its slower code is the price until a module is precompiled for it
        # (README, "How it runs").
        baseline = baseline_module(api, wasm)
        if baseline is not None:
            return baseline[0], baseline[1], "baseline"
    return engine, compiled(api, engine, wasm, key), "compiled"


def precompiled(api: Any, engine: Any, key: str) -> Optional[Tuple[str, Any]]:
    """(path, module) of the first precompiled module of ``key`` that is
    valid and that wasmtime accepts, or None."""
    for directory in precompiled_directories():
        path = os.path.join(directory, file_name(key))
        payload = read(path, key, root_too=True)
        if payload is not None:
            try:
                return path, api.deserialize(engine, payload)
            except Exception:
                pass  # refused by wasmtime (another version, CPU or settings)
    return None


def cached(api: Any, engine: Any, key: str) -> Any:
    """The module of ``key`` from the first cache directory holding a valid
    copy that ``engine`` accepts, or None."""
    for directory in directories():
        payload = read(os.path.join(directory, file_name(key)), key)
        if payload is not None:
            try:
                return api.deserialize(engine, payload)
            except Exception:
                pass  # written by an incompatible engine: rebuild
    return None


def compiled(api: Any, engine: Any, wasm: bytes, key: str) -> Any:
    """``wasm`` compiled by ``engine``, written to the first cache directory
    that takes it."""
    module = api.compile(engine, wasm)
    try:
        payload = api.serialize(module)
    except Exception:
        return module
    for directory in directories():
        if write(directory, file_name(key), key, payload):
            break
    return module


def baseline_module(api: Any, wasm: bytes) -> Optional[Tuple[Any, Any]]:
    """(engine, module) of wasmtime's baseline compiler, cached as any
    compiled module is; None where this host or this wasmtime has none."""
    make = getattr(api, "baseline_engine", None)
    if make is None:
        return None
    try:
        engine = make()
        key = module_key(api, wasm, _BASELINE_ENGINE)
        module = cached(api, engine, key)
        return engine, module if module is not None else compiled(api, engine, wasm, key)
    except Exception:
        return None


# The CPU a precompiled module is compiled for, by default: the oldest the
# functions of its architecture may run on, so that a module built on a
# newer machine is not refused where the function runs (wasmtime refuses a
# module that uses a CPU feature the machine lacks). x86-64-v2 (SSE4.2 and
# POPCNT: every x86-64 server CPU since 2009, what current distributions
# require) rather than the SSE2 of the first x86-64 CPUs, whose code for the
# module's SIMD is slower; for aarch64 the architecture's baseline, which
# every Graviton has. Flags the Cranelift of every supported wasmtime knows.
PORTABLE_CPUS = {
    ("linux", "x86_64"): ("x86_64-unknown-linux-gnu", ("has_sse3", "has_ssse3", "has_sse41", "has_sse42", "has_popcnt")),
    ("linux", "aarch64"): ("aarch64-unknown-linux-gnu", ()),
}


def portable_cpu() -> Optional[Tuple[str, Tuple[str, ...]]]:
    """The portable CPU of this machine's architecture, or None (this
    machine's own features) where none is named."""
    return PORTABLE_CPUS.get((sys.platform, _machine()))


def precompile(api: Any, wasm: bytes, directory: str, cpu: Optional[Tuple[str, Tuple[str, ...]]] = None) -> str:
    """Compiles the module into ``directory`` for the running wasmtime, for
    ``cpu`` (a target triple of this machine's architecture and CPU flags;
    None: this machine's own CPU); returns the file's path."""
    engine = api.engine(cpu)
    key = module_key(api, wasm)
    name = file_name(key)
    payload = api.serialize(api.compile(engine, wasm))
    if not write(directory, name, key, payload, shared=True):
        raise OSError(f"cannot write a precompiled module into {directory}")
    return os.path.join(directory, name)
