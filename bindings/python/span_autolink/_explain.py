"""The explainer (``wasm/ABI.md``, "Explain"): why a call or an event gave
the pointers it gave, and why two spans did or did not link.

It runs in a module of its own, ``span_autolink_explain.wasm``, loaded at
the first explain call through the wasmtime package's public API, so the
pointer calls' module stays as small and as fast as without it. Requests
go in as JSON text (bytes as ``{"$bytes": base64}``, a ``Decimal`` as its
exact number text) and the report comes back as JSON.
"""

from __future__ import annotations

import base64
import json
import os
from _thread import allocate_lock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

EXPLAIN_WASM_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "span_autolink_explain.wasm")


class Explainer:
    """One instance of the explain module, loaded when first asked."""

    def __init__(self) -> None:
        self.instance: Any = None
        self.lock = allocate_lock()

    def load(self) -> Any:
        from . import _runtime
        from ._generated import ABI_VERSION
        from ._host import HostError
        from ._public import PublicApi

        package_dir = _runtime._wasmtime_dir()
        if package_dir is None:
            raise HostError("the wasmtime package is not installed (pip install wasmtime)")
        api = PublicApi(_runtime._wasmtime_version(package_dir))
        engine, module, _ = _runtime.compile_file(api, EXPLAIN_WASM_PATH)
        instance = api.instance(engine, module, ("sa_explain",))
        # wasmtime's objects must go before the interpreter tears wasmtime down.
        import atexit

        atexit.register(self.close)
        version = instance.call("sa_abi_version")
        if version != ABI_VERSION:
            raise HostError(f"span_autolink_explain.wasm has ABI version {version}; this package speaks {ABI_VERSION}")
        return instance

    def close(self) -> None:
        self.instance = None

    def ask(self, request: Dict[str, Any]) -> Dict[str, Any]:
        data = to_json(request).encode("utf-8", "surrogatepass")
        with self.lock:
            if self.instance is None or self.instance.store is None:
                self.instance = self.load()
            out = self.instance.roundtrip("sa_explain", data)
        answer: Dict[str, Any] = json.loads(out)
        return answer


def to_json(value: Any) -> str:
    """JSON text of a call or an event as the module reads it."""
    numbers: List[str] = []
    marker = "\0n" + base64.b32encode(os.urandom(5)).decode() + ":"

    def default(v: Any) -> Any:
        if isinstance(v, (bytes, bytearray, memoryview)):
            return {"$bytes": base64.b64encode(bytes(v)).decode("ascii")}
        raw = getattr(v, "value", None)
        if isinstance(raw, (bytes, bytearray)):  # boto3's Binary
            return {"$bytes": base64.b64encode(bytes(raw)).decode("ascii")}
        if type(v).__name__ == "Decimal":
            text = str(v)
            if text[-1:].isdigit():  # not NaN or Infinity
                numbers.append(text)
                return f"{marker}{len(numbers) - 1}"
            return text
        if isinstance(v, (set, frozenset, tuple)):
            return list(v)
        isoformat = getattr(v, "isoformat", None)
        if callable(isoformat):
            return isoformat()
        return str(v)

    text = json.dumps(value, default=default, allow_nan=False, ensure_ascii=False)
    if not numbers:
        return text
    quoted = json.dumps(marker, ensure_ascii=False)[1:-1]
    for i, number in enumerate(numbers):
        text = text.replace(f'"{quoted}{i}"', number)
    return text


explainer = Explainer()


def failure(code: str, message: str) -> Dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def call_request(
    service: Any,
    operation: Any,
    request: Any,
    response: Any,
    primary_keys: Any,
    setting: Optional[str],
    calls: Any = None,
) -> Dict[str, Any]:
    out: Dict[str, Any] = {"service": service, "operation": operation, "request": request, "response": response}
    if calls is not None:
        # The calls before, in order: what they show of key names is learned first.
        out["calls"] = [
            {k: c.get(k) for k in ("service", "operation", "request", "response")} for c in calls
        ]
    if primary_keys is not None:
        out["config"] = json.loads(primary_keys) if isinstance(primary_keys, str) else primary_keys
    elif setting is not None:
        out["setting"] = setting
    return out
