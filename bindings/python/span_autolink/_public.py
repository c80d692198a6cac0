"""The module's calls through the ``wasmtime`` package's public API: the
host for any wasmtime version whose C structs ``_capi.py`` was not checked
against."""

from __future__ import annotations

# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Tuple

from ._generated import MAX_INPUT_BYTES
from ._host import EXPORTS, GREW, HostError, Trap

_NO_ARGUMENT = ("sa_abi_version", "sa_output", "sa_setting_variables", "sa_forget_tables", "sa_test_trap")


class PublicApi:
    name = "wasmtime"

    def __init__(self, version: str) -> None:
        import wasmtime

        self.wasmtime = wasmtime
        self.version = version

    def engine(self, cpu: Optional[Tuple[str, Tuple[str, ...]]] = None) -> Any:
        """As ``_capi.CApi.engine``."""
        config = self.wasmtime.Config()
        config.parallel_compilation = False
        if cpu is not None:
            enable = getattr(config, "cranelift_flag_enable", None)
            if cpu[1] and enable is None:
                raise HostError(
                    f"wasmtime {self.version}'s Python API cannot name CPU features: "
                    "precompile with --cpu native, or without SPAN_AUTOLINK_WASMTIME_API=public"
                )
            config.target = cpu[0]
            for flag in cpu[1]:
                enable(flag)
        return self.wasmtime.Engine(config)

    def compile(self, engine: Any, wasm: bytes) -> Any:
        return self.wasmtime.Module(engine, wasm)

    def deserialize(self, engine: Any, blob: bytes) -> Any:
        return self.wasmtime.Module.deserialize(engine, blob)

    def serialize(self, module: Any) -> bytes:
        return bytes(module.serialize())

    def instance(self, engine: Any, module: Any, extra: tuple = ()) -> "PublicInstance":
        return PublicInstance(self.wasmtime, engine, module, extra)


class PublicInstance:
    """One store and instance. Memory is read and written through the
    package's own calls, afresh every time, so the memory-grew bit is only
    taken off."""

    def __init__(self, wasmtime: Any, engine: Any, module: Any, extra: tuple = ()) -> None:
        self._wasmtime = wasmtime
        self.config: Optional[bytes] = b""
        self.store: Any = wasmtime.Store(engine)
        exports = wasmtime.Instance(self.store, module, []).exports(self.store)
        try:
            # extra: exports only some modules have (the explainer's sa_explain)
            self.funcs = {name: exports[name] for name in EXPORTS + extra}
            self.memory = exports["memory"]
        except KeyError as e:
            raise HostError(f"the module has no export {e}") from None

    def call(self, name: str, arg: int = 0, rate: float = 0.0) -> int:
        try:
            f = self.funcs[name]
            if name in _NO_ARGUMENT:
                result = f(self.store)
            elif name == "sa_keep_for_sampling":
                result = f(self.store, arg, rate)
            else:
                result = f(self.store, arg)
        except self._wasmtime.Trap as e:
            self.close()
            raise Trap(str(e)) from None
        except self._wasmtime.WasmtimeError as e:
            self.close()
            raise HostError(str(e)) from None
        return (result or 0) & 0xFFFFFFFF & ~GREW

    def _fits(self, at: int, n: int) -> None:
        if at + n > self.memory.data_len(self.store):
            self.close()
            raise Trap("the module returned a range outside its memory")

    def write(self, data: bytes) -> int:
        n = len(data)
        if n > MAX_INPUT_BYTES:
            return n  # no room past the bound: the call reads no input (_capi.py)
        at = self.call("sa_input", n)
        self._fits(at, n)
        self.memory.write(self.store, data, at)
        return n

    def read(self, m: int) -> bytes:
        if not m:
            return b""
        at = self.call("sa_output")
        self._fits(at, m)
        return bytes(self.memory.read(self.store, at, at + m))

    @property
    def size(self) -> int:
        """The linear memory's size in bytes (0 once closed)."""
        return int(self.memory.data_len(self.store)) if self.store is not None else 0

    def memory_size(self) -> int:
        return self.size

    def roundtrip(self, name: str, data: bytes) -> bytes:
        return self.read(self.call(name, self.write(data)))

    def close(self) -> None:
        self.store = None
