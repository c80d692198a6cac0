"""The wasmtime C API, called through ctypes, for the module's calls.

It binds the few functions this host needs straight from the
``libwasmtime`` that the ``wasmtime`` wheel ships, without importing the
``wasmtime`` Python package (whose import is slower than everything else
a cold start does) and without its per-call conversions. For the wasmtime
versions whose C structs were checked against the package's own ctypes
bindings (``CHECKED_MAJORS``; the suite checks them again for the versions
it runs with) it is used at once. For any other version the layouts are
checked at load against that version's ``wasmtime._bindings``
(``layout_matches``, which imports the wasmtime package, paying its import
once); when they differ, or cannot be read, the public API
(``_public.py``) serves the calls.
"""

from __future__ import annotations

import ctypes
import os
import sys
try:  # functools.partial, without importing functools
    from _functools import partial
except ImportError:  # pragma: no cover - other interpreters
    from functools import partial
# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, NoReturn, Optional, Tuple

from ._generated import MAX_INPUT_BYTES, RETAINED
from ._host import EXPORTS, GREW, HostError, Trap

# wasmtime majors whose C API (the functions, wasmtime_extern_t with the
# kind byte at offset 0 and the union at offset 8, wasmtime_instance_t of 16
# bytes, 16-byte wasmtime_val_raw_t, extern kinds FUNC=0 and MEMORY=3) was
# checked against the wasmtime package's own ctypes bindings.
CHECKED_MAJORS = frozenset((25, 36, 44, 50, 51))
# The lowest wasmtime whose C API has every function bound below.
LOWEST_MAJOR = 25
# wasmtime_strategy_t's value for Winch, the baseline compiler (wasmtime/config.h).
WINCH = 2

# What this host hard-codes, as (name in wasmtime._bindings, what it must
# be). wasmtime_extern_t goes into a 32-byte buffer, so it may be smaller
# (24 bytes up to wasmtime 25's bindings, 32 later): BUFFER_BOUNDED.
LAYOUT = (
    ("sizeof wasmtime_extern_t", 32),
    ("offsetof wasmtime_extern_t.kind", 0),
    ("offsetof wasmtime_extern_t.of", 8),
    ("sizeof wasmtime_instance_t", 16),
    ("sizeof wasmtime_val_raw_t", 16),
    ("WASMTIME_EXTERN_FUNC", 0),
    ("WASMTIME_EXTERN_MEMORY", 3),
)


def layout_of(bindings: Any, ffi: Any) -> Dict[str, Optional[int]]:
    """The LAYOUT entries as the given ``wasmtime._bindings`` (structs) and
    ``wasmtime._ffi`` (extern kinds) define them (None for what they do not
    define)."""
    out: Dict[str, Optional[int]] = {}
    for entry, _ in LAYOUT:
        what, _, name = entry.partition(" ")
        try:
            if what == "sizeof":
                out[entry] = ctypes.sizeof(getattr(bindings, name))
            elif what == "offsetof":
                struct, field = name.split(".")
                out[entry] = getattr(getattr(bindings, struct), field).offset
            else:
                value = getattr(ffi, what)
                out[entry] = int(getattr(value, "value", value))
        except Exception:
            out[entry] = None
    return out


BUFFER_BOUNDED = frozenset(("sizeof wasmtime_extern_t",))


def layout_matches(bindings: Any, ffi: Any) -> bool:
    found = layout_of(bindings, ffi)
    for entry, want in LAYOUT:
        got = found[entry]
        if got is None or not (0 < got <= want if entry in BUFFER_BOUNDED else got == want):
            return False
    return True


def _bindings_match() -> bool:
    try:
        from wasmtime import _bindings, _ffi

        return layout_matches(_bindings, _ffi)
    except Exception:
        return False


class _ByteVec(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("data", ctypes.POINTER(ctypes.c_uint8))]


def library(package_dir: str, version: str) -> Optional[str]:
    """The path of the wasmtime wheel's C library, when this host may use it."""
    try:
        major = int(version.split(".")[0])
    except ValueError:
        return None
    if major < LOWEST_MAJOR or (major not in CHECKED_MAJORS and not _bindings_match()):
        return None
    machine = os.uname().machine if hasattr(os, "uname") else ""
    machine = {"AMD64": "x86_64", "amd64": "x86_64", "arm64": "aarch64", "ARM64": "aarch64"}.get(machine, machine)
    platform = "android" if hasattr(sys, "getandroidapilevel") else sys.platform
    name = {"win32": "_wasmtime.dll", "darwin": "_libwasmtime.dylib"}.get(platform, "_libwasmtime.so")
    path = os.path.join(package_dir, f"{platform}-{machine}", name)
    return path if os.path.isfile(path) else None


def _value(value: int) -> Any:
    """``value`` as an argument ctypes passes without converting it: the
    address of an array placed at ``value``, never read."""
    return ctypes.byref((ctypes.c_char * 1).from_address(value))


class CApi:
    """The wasmtime C API functions this host calls."""

    name = "ctypes"

    def __init__(self, path: str, version: str) -> None:
        self.version = version
        # Two handles on the same library. Set-up calls (compiling) release
        # the GIL. Calls into the module keep it: they are shorter than
        # releasing and taking it back, and with other threads running each
        # release can mean waiting for them.
        lib = ctypes.CDLL(path)
        hot = ctypes.PyDLL(path)
        V, S, B = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_bool

        def fn(name: str, restype: Any, *argtypes: Any, dll: Any = lib) -> Any:
            f = dll[name]  # a function object of our own: wasmtime's stays as it is
            f.restype = restype
            f.argtypes = list(argtypes)
            return f

        self.config_new = fn("wasm_config_new", V)
        self.config_parallel = fn("wasmtime_config_parallel_compilation_set", None, V, B)
        self.config_target = fn("wasmtime_config_target_set", V, V, ctypes.c_char_p)
        self.config_flag = fn("wasmtime_config_cranelift_flag_enable", None, V, ctypes.c_char_p)
        self.config_strategy = fn("wasmtime_config_strategy_set", None, V, ctypes.c_uint8)
        self.engine_new = fn("wasm_engine_new_with_config", V, V)
        self.module_new = fn("wasmtime_module_new", V, V, ctypes.c_char_p, S, V)
        self.module_deserialize = fn("wasmtime_module_deserialize", V, V, ctypes.c_char_p, S, V)
        self.module_serialize = fn("wasmtime_module_serialize", V, V, V)
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

    # Errors and traps belong to the caller: read the message, free them.
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

    def engine(self, cpu: Optional[Tuple[str, Tuple[str, ...]]] = None) -> int:
        """An engine for this machine, or one that compiles for ``cpu``
        (a target triple and the Cranelift CPU flags to enable; only for
        ``precompile``: wasmtime aborts the process on a target or flag
        it does not know)."""
        config = self.config_new()
        # No compiler thread pool: a pool does not survive fork(), and a
        # child that compiles would wait for it forever.
        self.config_parallel(config, False)
        if cpu is not None:
            err = self.config_target(config, cpu[0].encode())
            if err:
                raise self.take_error(err)
            for flag in cpu[1]:
                self.config_flag(config, flag.encode())
        engine = self.engine_new(config)  # takes ownership of config
        if not engine:
            raise HostError("wasmtime could not create an engine")
        return int(engine)

    def baseline_engine(self) -> int:
        """An engine for this machine that compiles with wasmtime's
        baseline compiler, Winch (``WASMTIME_STRATEGY_WINCH``): it compiles
        several times faster than Cranelift, and its code runs slower.
        A wasmtime built without Winch refuses to compile with it."""
        config = self.config_new()
        self.config_parallel(config, False)
        self.config_strategy(config, WINCH)
        engine = self.engine_new(config)
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

    def instance(self, engine: int, module: int) -> "CInstance":
        return CInstance(self, engine, module)


class CInstance:
    """One store and one instance of the module. Two 16-byte value slots
    carry the arguments in and the result out of
    ``wasmtime_func_call_unchecked``; each export's call is bound once with
    all its (constant) arguments, which leaves ctypes nothing to convert."""

    def __init__(self, api: CApi, engine: int, module: int) -> None:
        self.api = api
        self.config: Optional[bytes] = b""  # what sa_configure last got (b"" = none)
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
        self._slots = (ctypes.c_uint64 * 4)()  # two wasmtime_val_raw_t
        self._slot = ctypes.c_uint32.from_buffer(self._slots)  # the first's i32, unsigned
        self._rate = ctypes.c_double.from_buffer(self._slots, 16)  # the second's f64
        self._trap = ctypes.c_void_p()
        self._externs = []  # keeps the wasmtime_extern_t buffers alive
        self._calls: Dict[str, Callable[[], Optional[int]]] = {}
        # For each ctypes instance it is passed, ctypes makes an argument
        # object on every call; what byref() made it passes as it is. So
        # every argument is a byref(): a pointer to a buffer of ours, or a
        # value (the context, the count of value slots) as the address of
        # an array placed there, which nothing reads (size_t and pointers
        # are one width on every platform the wasmtime wheel is built for).
        context, slots, count = _value(ctx), ctypes.byref(self._slots), _value(2)
        trap_out = ctypes.byref(self._trap)
        self._memory = 0
        for name in EXPORTS + ("memory",):
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
                self._calls[name] = partial(api.call, context, ctypes.byref(ext, 8), slots, count, trap_out)
            else:
                self.close()
                raise HostError(f"the module's export {name} has the wrong kind")
        self.view = memoryview(b"")
        self.chars: Any = b""
        self._refresh()
        # Where the module's buffers are and how much each has held (ABI.md,
        # "Buffers": they move only when they grow, or after outsized calls).
        self.input_at = self.input_room = self.output_at = self.longest_output = 0

    def _refresh(self) -> None:
        # ABI.md: a host keeping a view of memory gets it anew when a
        # result says memory grew.
        base = self.api.memory_data(self.ctx, self._memory) or 0
        self.size = self.api.memory_size(self.ctx, self._memory)
        self.view = memoryview((ctypes.c_ubyte * self.size).from_address(base)).cast("B") if base else memoryview(b"")
        # The same memory as characters: a slice of it is bytes at once,
        # where a slice of the view is a view to copy out of.
        self.chars = (ctypes.c_char * self.size).from_address(base) if base else b""

    def _fail(self, err: Optional[int]) -> NoReturn:
        trap = self._trap.value
        self.close()
        if trap:
            self._trap.value = None
            raise self.api.take_trap(trap)
        if err:
            raise self.api.take_error(err)
        raise Trap("the module returned a range outside its memory")

    def call(self, name: str, arg: int = 0, rate: float = 0.0) -> int:
        """One export; its result with the memory-grew bit taken off."""
        self._slot.value = arg
        self._rate.value = rate
        err = self._calls[name]()
        if err or self._trap.value:
            self._fail(err)
        result = self._slot.value
        if result & GREW:
            self._refresh()
            result &= ~GREW
        return result

    def write(self, data: bytes) -> int:
        """Writes a call's input into the module's input buffer."""
        n = len(data)
        if n > MAX_INPUT_BYTES:
            # The module makes no room past the bound (ABI.md): the call
            # reads no input. Written where its buffer is, the input would
            # run over the module's own memory wherever that is large enough.
            # A pointer call of that length gives the buffer back.
            self.input_room = 0
            return n
        if n > self.input_room:
            self.input_at = self.call("sa_input", n)
            self.input_room = n
        at = self.input_at
        if at + n > self.size:
            self._fail(None)
        self.view[at : at + n] = data
        if n > RETAINED:
            self.input_room = 0  # the module gives an outsized buffer back
        return n

    def read(self, m: int) -> bytes:
        """The ``m`` output bytes of the last call."""
        if not m:
            return b""
        if m > self.longest_output:
            self.output_at = self.call("sa_output")
            self.longest_output = m
        at = self.output_at
        if at + m > self.size:
            self._fail(None)
        out: bytes = self.chars[at : at + m]
        if m > RETAINED:
            self.longest_output = 0  # given back at the next call: ask again
        return out

    def memory_size(self) -> int:
        return int(self.size)

    def roundtrip(self, name: str, data: bytes) -> bytes:
        """``write``, ``call`` and ``read`` in one: the same steps, written
        out for the common case (the input fits the buffer made earlier,
        the output is no longer than an earlier one, memory did not grow),
        each of which would otherwise be a Python call of its own."""
        n = len(data)
        at = self.input_at
        if n <= self.input_room and at + n <= self.size:
            self.view[at : at + n] = data  # input_room is never above RETAINED
        else:
            self.write(data)
        slot = self._slot
        slot.value = n
        err = self._calls[name]()
        if err or self._trap.value:
            self._fail(err)
        m = slot.value
        if m & GREW:
            self._refresh()
            m &= ~GREW
        at = self.output_at
        if 0 < m <= self.longest_output and at + m <= self.size:
            return self.chars[at : at + m]  # type: ignore[no-any-return]  # longest_output is never above RETAINED
        return self.read(m)

    def close(self) -> None:
        store, self.store = getattr(self, "store", None), None
        self.view = memoryview(b"")  # its memory goes with the store
        self.chars = b""
        if store:
            self.api.store_delete(store)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
