"""The wasmtime host of ``span_autolink.wasm`` (the calling convention is
``wasm/ABI.md``).

Nothing here knows a pointer rule: this file loads the module, keeps one
instance per concurrent caller, moves bytes in and out of linear memory and
recovers from traps.

Two backends drive the same module:

* ``ctypes``: binds the handful of wasmtime C API functions this host needs
  straight from the ``libwasmtime`` that the ``wasmtime`` wheel ships,
  without importing the ``wasmtime`` Python package (whose import costs
  30-60 ms) and without its per-call conversions (``Func.__call__`` costs
  about 35 us, the C call underneath under 1 us). Used for the wasmtime
  versions whose C API this file was checked against.
* ``wasmtime``: the public API of the ``wasmtime`` package, for any other
  version or layout.

Concurrency: an instance serves one call at a time. Callers take an idle
instance from a pool and put it back afterwards (``list.pop``/``append`` are
atomic), so concurrent threads never share one; the pool grows to the
largest number of simultaneous callers. After ``os.fork()`` the child
builds fresh instances from the inherited compiled module (an at-fork hook
replaces the runtime; the engine compiles without a thread pool, which
would not survive fork). An instance that trapped is closed and never
reused.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from functools import partial
from time import monotonic
from typing import Any, Callable, Dict, List, NoReturn, Optional, Tuple

from . import _cache

ABI_VERSION = 1
WASM_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "span_autolink.wasm")

# wasmtime majors whose C API (the functions, wasmtime_extern_t with the
# kind byte at offset 0 and the union at offset 8, wasmtime_instance_t of 16
# bytes, 16-byte wasmtime_val_raw_t, extern kinds FUNC=0 and MEMORY=3) was
# checked against the package's own bindings: 25, 36, 44 and 50.
CTYPES_MAJORS = range(25, 51)

# Set SPAN_AUTOLINK_WASMTIME_API=public to use the wasmtime package's public
# API even where the ctypes backend would work.
BACKEND_ENV = "SPAN_AUTOLINK_WASMTIME_API"

_EXPORTS = (
    "sa_abi_version",
    "sa_input",
    "sa_output",
    "sa_configure",
    "sa_pointers_for_response",
    "sa_pointers_for_event",
    "sa_response_projection",
    "sa_event_projection",
    "sa_keep_for_sampling",
    "sa_test_trap",
)


class HostError(Exception):
    """The module could not be loaded or called."""


class Trap(HostError):
    """The module trapped; the instance that trapped is discarded."""


# ---------------------------------------------------------------------------
# Locating the wasmtime package without importing it
# ---------------------------------------------------------------------------


def _wasmtime_dir() -> Optional[str]:
    module = sys.modules.get("wasmtime")
    paths = getattr(module, "__path__", None)
    if paths:
        return str(list(paths)[0])
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("wasmtime")
    if spec is None:
        import importlib.util

        spec = importlib.util.find_spec("wasmtime")
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def _wasmtime_version(package_dir: str) -> Optional[str]:
    """The installed wasmtime version, from the dist-info beside the package
    (cheap), else from importlib.metadata."""
    site = os.path.dirname(package_dir)
    try:
        found = [
            name[len("wasmtime-") : -len(".dist-info")]
            for name in os.listdir(site)
            if name.startswith("wasmtime-") and name.endswith(".dist-info")
        ]
    except OSError:
        found = []
    if len(found) == 1:
        return found[0]
    try:
        from importlib.metadata import version

        return version("wasmtime")
    except Exception:
        return None


def _library_path(package_dir: str) -> str:
    machine = os.uname().machine if hasattr(os, "uname") else __import__("platform").machine()
    machine = {"AMD64": "x86_64", "amd64": "x86_64", "arm64": "aarch64", "ARM64": "aarch64"}.get(
        machine, machine
    )
    platform = "android" if hasattr(sys, "getandroidapilevel") else sys.platform
    name = {"win32": "_wasmtime.dll", "darwin": "_libwasmtime.dylib"}.get(platform, "_libwasmtime.so")
    return os.path.join(package_dir, f"{platform}-{machine}", name)


# ---------------------------------------------------------------------------
# Backend 1: ctypes straight on libwasmtime
# ---------------------------------------------------------------------------


class _ByteVec(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("data", ctypes.POINTER(ctypes.c_uint8))]


class _CApi:
    """The wasmtime C API functions this host calls, with c_void_p
    prototypes (cheap argument conversion)."""

    name = "ctypes"

    def __init__(self, path: str, version: str) -> None:
        self.version = version
        # Two handles on the same library. Set-up calls (compiling takes
        # 100 ms) release the GIL. Calls into the module last about a
        # microsecond: they keep it, because releasing and re-taking it
        # three times per pointer call costs more than the call itself and,
        # with other threads running, each release can mean waiting for
        # them (a GIL convoy).
        lib = ctypes.CDLL(path)
        hot = ctypes.PyDLL(path)
        V, S, B = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_bool

        def fn(name: str, restype: Any, *argtypes: Any, dll: Any = lib) -> Any:
            f = dll[name]  # a private function object: wasmtime's own stays as it is
            f.restype = restype
            f.argtypes = list(argtypes)
            return f

        self.config_new = fn("wasm_config_new", V)
        self.config_parallel = fn("wasmtime_config_parallel_compilation_set", None, V, B)
        self.engine_new = fn("wasm_engine_new_with_config", V, V)
        self.module_new = fn("wasmtime_module_new", V, V, ctypes.c_char_p, S, V)
        self.module_deserialize = fn("wasmtime_module_deserialize", V, V, ctypes.c_char_p, S, V)
        self.module_serialize = fn("wasmtime_module_serialize", V, V, V)
        self.module_delete = fn("wasmtime_module_delete", None, V)
        self.byte_vec_delete = fn("wasm_byte_vec_delete", None, V)
        self.store_new = fn("wasmtime_store_new", V, V, V, V)
        self.store_context = fn("wasmtime_store_context", V, V)
        self.store_delete = fn("wasmtime_store_delete", None, V)
        self.instance_new = fn("wasmtime_instance_new", V, V, V, V, S, V, V)
        self.export_get = fn("wasmtime_instance_export_get", B, V, V, ctypes.c_char_p, S, V)
        # Called through partials that hold ready ctypes arguments: no argtypes.
        self.call = hot["wasmtime_func_call_unchecked"]
        self.call.restype = V
        self.memory_data = fn("wasmtime_memory_data", V, V, V, dll=hot)
        self.memory_size = fn("wasmtime_memory_data_size", S, V, V, dll=hot)
        self.trap_message = fn("wasm_trap_message", None, V, V)
        self.trap_delete = fn("wasm_trap_delete", None, V)
        self.error_message = fn("wasmtime_error_message", None, V, V)
        self.error_delete = fn("wasmtime_error_delete", None, V)

    # Errors and traps are owned by the caller: read the message, free them.
    def take_error(self, err: int) -> HostError:
        vec = _ByteVec()
        self.error_message(err, ctypes.byref(vec))
        message = ctypes.string_at(vec.data, vec.size).decode("utf-8", "replace")
        self.byte_vec_delete(ctypes.byref(vec))
        self.error_delete(err)
        return HostError(message)

    def take_trap(self, trap: int) -> Trap:
        vec = _ByteVec()
        self.trap_message(trap, ctypes.byref(vec))
        message = ctypes.string_at(vec.data, vec.size).rstrip(b"\0").decode("utf-8", "replace")
        self.byte_vec_delete(ctypes.byref(vec))
        self.trap_delete(trap)
        return Trap(message)

    def engine(self) -> int:
        config = self.config_new()
        # No compiler thread pool: a pool does not survive fork(), and a
        # child that compiles would wait for it forever.
        self.config_parallel(config, False)
        engine = self.engine_new(config)  # takes ownership of config
        if not engine:
            raise HostError("wasmtime could not create an engine")
        return int(engine)

    def _module_out(self, err: int, out: ctypes.c_void_p) -> int:
        if err:
            raise self.take_error(err)
        return out.value or 0

    def compile(self, engine: int, wasm: bytes) -> int:
        out = ctypes.c_void_p()
        return self._module_out(self.module_new(engine, wasm, len(wasm), ctypes.byref(out)), out)

    def deserialize(self, engine: int, blob: bytes) -> int:
        out = ctypes.c_void_p()
        return self._module_out(self.module_deserialize(engine, blob, len(blob), ctypes.byref(out)), out)

    def serialize(self, module: int) -> bytes:
        vec = _ByteVec()
        err = self.module_serialize(module, ctypes.byref(vec))
        if err:
            raise self.take_error(err)
        try:
            return ctypes.string_at(vec.data, vec.size)
        finally:
            self.byte_vec_delete(ctypes.byref(vec))

    def instance(self, engine: int, module: int) -> "_CInstance":
        return _CInstance(self, engine, module)


class _CInstance:
    """One store and one instance of the module. Every export is
    ``(i32) -> i32``, ``() -> i32`` or ``() -> ()``, so one 16-byte value
    slot carries the argument in and the result out of
    ``wasmtime_func_call_unchecked``; each export's call is bound once with
    all its (constant) arguments, which leaves ctypes nothing to convert."""

    def __init__(self, api: _CApi, engine: int, module: int) -> None:
        self.api = api
        self.config = b""  # what sa_configure last got (b"" = no configuration)
        self.store = api.store_new(engine, None, None)
        if not self.store:
            raise HostError("wasmtime could not create a store")
        ctx = self.ctx = api.store_context(self.store)
        instance = (ctypes.c_uint64 * 2)()  # wasmtime_instance_t
        trap = ctypes.c_void_p()
        err = api.instance_new(ctx, module, None, 0, instance, ctypes.byref(trap))
        if err:
            self.close()
            raise api.take_error(err)
        if trap.value:
            self.close()
            raise api.take_trap(trap.value)
        self._slots = (ctypes.c_uint64 * 2)()  # one wasmtime_val_raw_t
        self._slot = ctypes.c_uint32.from_buffer(self._slots)  # its i32, unsigned
        self._trap = ctypes.c_void_p()
        self._externs = []  # keeps the wasmtime_extern_t buffers alive
        self._calls: Dict[str, Callable[[], Optional[int]]] = {}
        args = (ctypes.c_void_p(ctx), ctypes.c_void_p(0), self._slots, ctypes.c_size_t(1), ctypes.byref(self._trap))
        for name in _EXPORTS + ("memory",):
            ext = (ctypes.c_uint64 * 4)()  # wasmtime_extern_t: kind byte at 0, union at 8
            raw = name.encode()
            if not api.export_get(ctx, instance, raw, len(raw), ext):
                self.close()
                raise HostError(f"the module has no export {name}")
            self._externs.append(ext)
            kind, address = ext[0] & 0xFF, ctypes.addressof(ext) + 8
            if name == "memory" and kind == 3:
                self._memory = address
            elif name != "memory" and kind == 0:
                self._calls[name] = partial(api.call, args[0], ctypes.c_void_p(address), *args[2:])
            else:
                self.close()
                raise HostError(f"the module's export {name} has the wrong kind")
        self._refresh()
        # Where the module's input and output buffers are, and how much
        # each has held (ABI.md: they move only when they grow).
        self.input_at = self.input_room = self.output_at = self.longest_output = 0
        self.response = self._roundtrip("sa_pointers_for_response")
        self.event = self._roundtrip("sa_pointers_for_event")
        self.configure = self._roundtrip("sa_configure")
        self.projection = self._roundtrip("sa_response_projection")

    def _refresh(self) -> None:
        # Re-read when a range does not fit the size last seen (the memory
        # grew). wasmtime reserves the whole 4 GiB of a 32-bit memory on
        # 64-bit hosts, so growing never moves its base.
        self.base = self.api.memory_data(self.ctx, self._memory) or 0
        self.size = self.api.memory_size(self.ctx, self._memory)
        # Bytes in and out through a memoryview: a slice copy costs a third
        # of a ctypes call (memmove, string_at).
        self.view = memoryview((ctypes.c_ubyte * self.size).from_address(self.base)).cast("B") if self.base else memoryview(b"")

    def _fail(self, err: Optional[int]) -> NoReturn:
        trap = self._trap.value
        self.close()
        if trap:
            self._trap.value = None
            raise self.api.take_trap(trap)
        if err:
            raise self.api.take_error(err)
        raise Trap("the module returned a range outside its memory")

    def call(self, name: str, arg: int = 0) -> int:
        self._slot.value = arg
        err = self._calls[name]()
        if err or self._trap.value:
            self._fail(err)
        return self._slot.value

    def _read(self, out: int, m: int) -> bytes:
        if out + m > self.size:  # memory grew: re-read its base and size
            self._refresh()
            if out + m > self.size:
                self._fail(None)
        return self.view[out : out + m].tobytes()

    def _roundtrip(self, name: str) -> Callable[[bytes], bytes]:
        """Input bytes in, one export, output bytes out (ABI.md, "One call").
        The module reuses its buffers, so most calls cross into it once:
        ``sa_input`` only for an input longer than any before, ``sa_output``
        only for an output longer than any before."""
        slot, trap = self._slot, self._trap
        f_input, f_call, f_output = self._calls["sa_input"], self._calls[name], self._calls["sa_output"]
        this = self

        def roundtrip(data: bytes) -> bytes:
            n = len(data)
            if n > this.input_room:
                slot.value = n
                err = f_input()
                if err or trap.value:
                    this._fail(err)
                this.input_at, this.input_room = slot.value, n
            ptr = this.input_at
            if ptr + n > this.size:
                this._refresh()
                if ptr + n > this.size:
                    this._fail(None)
            this.view[ptr : ptr + n] = data
            slot.value = n
            err = f_call()
            if err or trap.value:
                this._fail(err)
            m = slot.value
            if not m:
                return b""
            if m > this.longest_output:
                err = f_output()
                if err or trap.value:
                    this._fail(err)
                this.output_at, this.longest_output = slot.value, m
            out = this.output_at
            if out + m > this.size:
                return this._read(out, m)
            return this.view[out : out + m].tobytes()

        return roundtrip

    def write_input(self, data: bytes) -> None:
        """Writes the input of a call made with ``call`` (not a roundtrip)."""
        n = len(data)
        ptr = self.call("sa_input", n)
        # The buffer only grows: the room it had stays, at its new place.
        self.input_at, self.input_room = ptr, max(self.input_room, n)
        if ptr + n > self.size:
            self._refresh()
            if ptr + n > self.size:
                self._fail(None)
        self.view[ptr : ptr + n] = data

    def event_projection(self) -> bytes:
        m = self.call("sa_event_projection")
        out = self.call("sa_output")
        if m > self.longest_output:
            self.output_at, self.longest_output = out, m
        return self._read(out, m)

    def close(self) -> None:
        store, self.store = getattr(self, "store", None), None
        self.view = memoryview(b"")  # its memory goes with the store
        if store:
            self.api.store_delete(store)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


# ---------------------------------------------------------------------------
# Backend 2: the wasmtime package's public API
# ---------------------------------------------------------------------------


class _PublicApi:
    name = "wasmtime"

    def __init__(self) -> None:
        import wasmtime

        self.wasmtime = wasmtime
        self.version = _wasmtime_version(os.path.dirname(wasmtime.__file__)) or "unknown"

    def engine(self) -> Any:
        config = self.wasmtime.Config()
        config.parallel_compilation = False  # see _CApi.engine
        return self.wasmtime.Engine(config)

    def compile(self, engine: Any, wasm: bytes) -> Any:
        return self.wasmtime.Module(engine, wasm)

    def deserialize(self, engine: Any, blob: bytes) -> Any:
        return self.wasmtime.Module.deserialize(engine, blob)

    def serialize(self, module: Any) -> bytes:
        return bytes(module.serialize())

    def instance(self, engine: Any, module: Any) -> "_PublicInstance":
        return _PublicInstance(self.wasmtime, engine, module)


_NO_ARGUMENT = ("sa_abi_version", "sa_output", "sa_event_projection", "sa_test_trap")


class _PublicInstance:
    def __init__(self, wasmtime: Any, engine: Any, module: Any) -> None:
        self._wasmtime = wasmtime
        self.config = b""
        self.store = wasmtime.Store(engine)
        exports = wasmtime.Instance(self.store, module, []).exports(self.store)
        try:
            self.funcs = {name: exports[name] for name in _EXPORTS}
            self.memory = exports["memory"]
        except KeyError as e:
            raise HostError(f"the module has no export {e}") from None
        self.response = self._roundtrip("sa_pointers_for_response")
        self.event = self._roundtrip("sa_pointers_for_event")
        self.configure = self._roundtrip("sa_configure")
        self.projection = self._roundtrip("sa_response_projection")

    def call(self, name: str, arg: int = 0) -> int:
        try:
            f = self.funcs[name]
            result = f(self.store) if name in _NO_ARGUMENT else f(self.store, arg)
        except self._wasmtime.Trap as e:
            self.close()
            raise Trap(str(e)) from None
        except self._wasmtime.WasmtimeError as e:
            self.close()
            raise HostError(str(e)) from None
        return (result or 0) & 0xFFFFFFFF

    def _read(self, out: int, m: int) -> bytes:
        if out + m > self.memory.data_len(self.store):
            self.close()
            raise Trap("the module returned a range outside its memory")
        return bytes(self.memory.read(self.store, out, out + m))

    def _roundtrip(self, name: str) -> Callable[[bytes], bytes]:
        def roundtrip(data: bytes) -> bytes:
            n = len(data)
            ptr = self.call("sa_input", n)
            if ptr + n > self.memory.data_len(self.store):
                self.close()
                raise Trap("the module returned a range outside its memory")
            self.memory.write(self.store, data, ptr)
            m = self.call(name, n)
            if not m:
                return b""
            return self._read(self.call("sa_output"), m)

        return roundtrip

    def write_input(self, data: bytes) -> None:
        ptr = self.call("sa_input", len(data))
        if ptr + len(data) > self.memory.data_len(self.store):
            self.close()
            raise Trap("the module returned a range outside its memory")
        self.memory.write(self.store, data, ptr)

    def event_projection(self) -> bytes:
        m = self.call("sa_event_projection")
        return self._read(self.call("sa_output"), m)

    def close(self) -> None:
        self.store = None


# ---------------------------------------------------------------------------
# The process-wide runtime: engine, compiled module, instance pool
# ---------------------------------------------------------------------------


def _choose_api() -> Any:
    if os.environ.get(BACKEND_ENV, "").strip().lower() not in ("public", "wasmtime"):
        package_dir = _wasmtime_dir()
        if package_dir is None:
            raise HostError("the wasmtime package is not installed (pip install wasmtime)")
        version = _wasmtime_version(package_dir)
        path = _library_path(package_dir)
        try:
            major = int((version or "").split(".")[0])
        except ValueError:
            major = -1
        if major in CTYPES_MAJORS and os.path.isfile(path):
            return _CApi(path, version or "")
    return _PublicApi()


class _Runtime:
    def __init__(self, api: Any, engine: Any, module: Any, source: str) -> None:
        self.api = api
        self.engine = engine
        self.module = module
        self.source = source  # where the compiled module came from (for tests)
        self.pid = os.getpid()  # the process it serves: a forked child replaces it (_after_fork_in_child)
        self.pool: List[Any] = []

    @classmethod
    def load(cls) -> "_Runtime":
        api = _choose_api()
        try:
            with open(WASM_PATH, "rb") as f:
                wasm = f.read()
        except OSError as e:
            raise HostError(f"cannot read {WASM_PATH}: {e}") from None
        engine = api.engine()
        module, source = _cache.load_module(api, engine, wasm)
        rt = cls(api, engine, module, source)
        first = rt.new_instance()
        version = first.call("sa_abi_version")
        if version != ABI_VERSION:
            raise HostError(f"span_autolink.wasm has ABI version {version}, this host speaks {ABI_VERSION}")
        rt.pool.append(first)
        return rt

    def forked(self) -> "_Runtime":
        """The same engine and compiled module in a child process, with
        instances of its own."""
        return _Runtime(self.api, self.engine, self.module, self.source)

    def new_instance(self) -> Any:
        return self.api.instance(self.engine, self.module)


_runtime: Optional[_Runtime] = None
# Why the module could not be loaded, and when: calls fail fast (with an
# internal_error issue) instead of retrying on every call, and try again
# after RETRY_SECONDS.
_failure: Optional[Tuple[str, float]] = None
RETRY_SECONDS = 60.0
_load_lock = threading.Lock()
_trap_next = False


def _after_fork_in_child() -> None:
    global _load_lock, _runtime
    _load_lock = threading.Lock()  # the parent's may have been held by another thread
    # The child's own instances, made here rather than checked for on every
    # call (os.getpid() is a system call, a tenth of a pointer call).
    if _runtime is not None:
        _runtime = _runtime.forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _load() -> _Runtime:
    global _runtime, _failure
    with _load_lock:
        rt = _runtime
        if rt is not None:  # another thread loaded it meanwhile
            return rt
        if _failure is not None and monotonic() - _failure[1] < RETRY_SECONDS:
            raise HostError(_failure[0])
        try:
            rt = _runtime = _Runtime.load()
        except Exception as e:
            _failure = (f"{type(e).__name__}: {e}", monotonic())
            raise HostError(_failure[0]) from None
        _failure = None
        return rt


def runtime() -> _Runtime:
    rt = _runtime
    if rt is None:
        rt = _load()
    return rt


def _take() -> Any:
    """An idle instance of this process (``list.pop`` is atomic: concurrent
    callers never share one)."""
    rt = _runtime
    if rt is None:
        rt = _load()
    try:
        inst = rt.pool.pop()
    except IndexError:
        inst = rt.new_instance()
    if _trap_next:
        _force_trap(inst)
    return inst


def _force_trap(inst: Any) -> NoReturn:
    global _trap_next
    _trap_next = False
    inst.call("sa_test_trap")
    inst.close()
    raise HostError("sa_test_trap did not trap")


def _give_back(inst: Any) -> None:
    rt = _runtime
    if rt is not None and inst.store is not None:
        rt.pool.append(inst)


def call_response(payload: bytes, config: bytes) -> bytes:
    """``sa_pointers_for_response``, after ``sa_configure`` when the
    instance holds another key-name configuration. (``_take`` and
    ``_give_back`` inlined: this is the hot path.)"""
    rt = _runtime
    if rt is None:
        rt = _load()
    pool = rt.pool
    try:
        inst = pool.pop()
    except IndexError:
        inst = rt.new_instance()
    try:
        if _trap_next:
            _force_trap(inst)
        if inst.config != config:
            inst.config = None  # unknown until sa_configure returns
            inst.configure(config)
            inst.config = config
        out: bytes = inst.response(payload)
    except BaseException:
        inst.close()
        raise
    pool.append(inst)
    return out


def _call(method: str, *args: Any) -> bytes:
    inst = _take()
    try:
        out: bytes = getattr(inst, method)(*args)
    except BaseException:
        inst.close()
        raise
    _give_back(inst)
    return out


def call_event(payload: bytes) -> bytes:
    return _call("event", payload)


def keep_for_sampling(question: bytes) -> bool:
    """``sa_keep_for_sampling`` of ``HASH RATE``."""
    inst = _take()
    try:
        inst.write_input(question)
        kept = inst.call("sa_keep_for_sampling", len(question)) == 1
    except BaseException:
        inst.close()
        raise
    _give_back(inst)
    return kept


def response_projection(service: str, operation: str) -> bytes:
    return _call("projection", f"{service} {operation}".encode("utf-8", "surrogatepass"))


def event_projection() -> bytes:
    return _call("event_projection")


# ---------------------------------------------------------------------------
# Hooks for tests
# ---------------------------------------------------------------------------


def trap_next_call() -> None:
    """Makes the next call run ``sa_test_trap`` on its instance first, so that
    it traps (the call reports ``internal_error``)."""
    global _trap_next
    _trap_next = True


def reset() -> None:
    """Forgets the loaded module (the next call loads it again)."""
    global _runtime, _failure
    with _load_lock:
        _runtime = None
        _failure = None


def backend() -> str:
    name: str = runtime().api.name
    return name
