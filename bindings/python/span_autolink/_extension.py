"""The rules compiled for this machine: ``span_autolink._native``, the
CPython extension built from ``bindings/python/native``, which answers the
same calls as the WebAssembly module (``wasm/ABI.md``) through the same
Rust code, without a WebAssembly engine between.

The wheel carries it for Linux on x86_64 and aarch64 (``native/``), each
file beside its digest (``.blake2b``), which is checked before the file is
loaded: the dynamic loader would crash the process on a truncated file,
not fail. On any other platform or interpreter (free-threaded CPython,
PyPy), where the file is missing, damaged or cannot be loaded (a C library
older than it needs), or with ``SPAN_AUTOLINK_EXTENSION=off``, the package
runs the WebAssembly module instead, with the same results.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, Optional

from ._generated import ABI_VERSION

NAME = "span_autolink._native"
NATIVE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "native")
# Set to "off" to run the WebAssembly module where the extension would serve.
EXTENSION_ENV = "SPAN_AUTOLINK_EXTENSION"
MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}
DIGEST_SIZE = 32


def path() -> Optional[str]:
    """The extension's file for this platform, when the package has one."""
    if not sys.platform.startswith("linux") or not hasattr(os, "uname"):
        return None
    machine = os.uname().machine.lower()
    found = os.path.join(NATIVE_DIR, f"linux-{MACHINES.get(machine, machine)}.so")
    return found if os.path.isfile(found) else None


def intact(found: str) -> bool:
    """Whether the file's BLAKE2b digest is the one written beside it."""
    from hashlib import blake2b

    try:
        with open(found + ".blake2b", encoding="ascii") as f:
            want = f.read().strip()
        with open(found, "rb") as f:
            return blake2b(f.read(), digest_size=DIGEST_SIZE).hexdigest() == want
    except (OSError, ValueError):
        return False


def switched_off() -> bool:
    return os.environ.get(EXTENSION_ENV, "").strip().lower() in ("off", "0", "false", "no")


def interpreter_fits() -> bool:
    """Whether this interpreter speaks the extension's ABI: CPython's stable
    ABI with a GIL. A free-threaded build (abiflags "t") lays objects out
    otherwise, and the loader, given the file directly, checks no tag."""
    return sys.implementation.name == "cpython" and "t" not in getattr(sys, "abiflags", "")


def load() -> Optional[ModuleType]:
    """The extension, loaded once per process (``sys.modules`` keeps it: an
    extension module cannot be initialised twice), or None when this
    platform has none that loads and speaks this package's ABI."""
    if switched_off() or not interpreter_fits():
        return None
    module = sys.modules.get(NAME)
    if module is None:
        found = path()
        if found is None or not intact(found):
            return None
        try:
            # Both are in the frozen import machinery: no import to pay.
            from importlib.machinery import ExtensionFileLoader, ModuleSpec

            loader = ExtensionFileLoader(NAME, found)
            module = loader.create_module(ModuleSpec(NAME, loader, origin=found))
            loader.exec_module(module)
        except Exception:
            return None  # another C library or CPU than it was built for
        sys.modules[NAME] = module
    if getattr(module, "ABI_VERSION", None) != ABI_VERSION:
        return None
    return module


class ExtensionApi:
    """The extension in the place of a wasmtime host (``_capi.CApi``): it
    makes instances, and has no engine or compiled module."""

    name = "native"

    def __init__(self, module: Any) -> None:
        self.module = module
        self.version = "none"

    def engine(self) -> None:
        return None

    def instance(self, engine: Any, module: Any) -> Any:
        return self.module.Instance()
