"""The module in this process: the engine, the compiled module and the
instances, and what happens when loading fails, a call traps or the
process forks.

Nothing here knows a pointer rule. An instance serves one call at a time:
callers take an idle one from the pool and put it back afterwards
(``list.pop`` and ``append`` are atomic), so concurrent threads never
share one, and the pool grows to the largest number of simultaneous
callers. DynamoDB calls are the exception: an instance keeps what the calls
it served showed of tables' key names, so they all go to one instance, one
at a time (``using_keyed``), and what one call taught serves the next in
any thread. After ``os.fork()`` the child makes instances of its own from
the inherited compiled module. An instance that trapped is closed and
never reused. A module the baseline compiler made is compiled again with
Cranelift on a thread of its own once its calls have read enough input to
have lost about what that compile costs (``UPGRADE_AFTER_BYTES``).
"""

from __future__ import annotations

import os
import sys
from _thread import allocate_lock  # threading.Lock, without importing threading
from _thread import get_ident
from _thread import start_new_thread
from time import monotonic
# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, List, Optional, Tuple, TypeVar

    T = TypeVar("T")

from . import _cache, _extension
from ._generated import ABI_VERSION, MEMORY_KEPT
from ._host import HostError
from ._host import message_of as _text

WASM_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "span_autolink.wasm")

# Set SPAN_AUTOLINK_WASMTIME_API=public to use the wasmtime package's public
# API even where the C API would do.
BACKEND_ENV = "SPAN_AUTOLINK_WASMTIME_API"

# A module that could not be loaded is tried again after this long; until
# then calls answer at once.
RETRY_SECONDS = 60.0

# A module the baseline compiler made (``_cache.load_module``) runs slower
# code. Once its calls have read this much input, the time they lost is
# about what compiling with Cranelift costs, and that compile starts on a
# thread of its own; the calls after it take the faster module.
UPGRADE_AFTER_BYTES = 16 << 20



def _wasmtime_dir() -> Optional[str]:
    """Where the wasmtime package is, found without importing it."""
    module = sys.modules.get("wasmtime")
    paths = getattr(module, "__path__", None)
    if paths:
        return str(list(paths)[0])
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("wasmtime")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(list(spec.submodule_search_locations)[0])


def _wasmtime_version(package_dir: str) -> str:
    """The installed wasmtime version, from the dist-info beside the package."""
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
        return "unknown"


def _choose_api() -> Any:
    package_dir = _wasmtime_dir()
    if package_dir is None:
        raise HostError("the wasmtime package is not installed (pip install wasmtime)")
    version = _wasmtime_version(package_dir)
    if os.environ.get(BACKEND_ENV, "").strip().lower() not in ("public", "wasmtime"):
        from . import _capi

        path = _capi.library(package_dir, version)
        if path is not None:
            return _capi.CApi(path, version)
    from ._public import PublicApi

    return PublicApi(version)


def compile_file(api: Any, wasm_path: str) -> Tuple[Any, Any, str]:
    """An engine and the module at ``wasm_path`` compiled for it (or
    loaded from the cache), and where the compiled module came from."""
    try:
        with open(wasm_path, "rb") as f:
            wasm = f.read()
    except OSError as e:
        raise HostError(f"cannot read {wasm_path}: {e.strerror}") from None
    return _cache.load_module(api, api.engine(), wasm)


class Module:
    """The compiled module and the pool of its idle instances."""

    def __init__(self, api: Any, engine: Any, module: Any, source: str) -> None:
        self.api = api
        self.engine = engine
        self.module = module
        # Where the compiled module came from: "precompiled", "cache",
        # "baseline" or "compiled"; "native" for the extension, which has none.
        self.source = source
        self.pid = os.getpid()
        self.pool: List[Any] = []
        # The one instance that serves DynamoDB calls (in a list of one,
        # which ``upgraded`` shares), and whose turn it is.
        self.keyed_slot: List[Optional[Any]] = [None]
        self.keyed_lock = allocate_lock()
        # Input bytes left before this module is compiled again with
        # Cranelift; 0 for any other (or once that has started).
        self.rent = UPGRADE_AFTER_BYTES if source == "baseline" else 0
        # The extension's one instance (``_extension.py``), which serves
        # every pointer call of every thread (``using`` lends instances of
        # the pool); None for a module's instances.
        self.shared: Optional[Any] = None

    @classmethod
    def load(cls, wasm_path: str) -> "Module":
        extension = _extension.load()
        if extension is not None:
            loaded = cls(_extension.ExtensionApi(extension), None, None, "native")
            loaded.shared = loaded.new_instance()
            return loaded
        api = _choose_api()
        engine, compiled, source = compile_file(api, wasm_path)
        loaded = cls(api, engine, compiled, source)
        first = loaded.new_instance()
        version = first.call("sa_abi_version")
        if version != ABI_VERSION:
            raise HostError(f"span_autolink.wasm has ABI version {version}; this package speaks {ABI_VERSION}")
        loaded.pool.append(first)
        return loaded

    @property
    def keyed(self) -> Optional[Any]:
        return self.keyed_slot[0]

    def forked(self) -> "Module":
        """The same compiled module in a child process, with instances of
        its own. The extension's instance is plain memory, which the child
        has a copy of: it stays."""
        if self.shared is not None:
            return self
        return Module(self.api, self.engine, self.module, self.source)

    def upgraded(self, wasm_path: str) -> "Module":
        """The module compiled with Cranelift (and cached, as any compiled
        module is). The instance that knows tables' key names comes along,
        with its lock, in the same slot: what DynamoDB calls taught is not
        lost, and the calls still in flight on this module (or served by it
        before the swap) replace the instance for both modules."""
        with open(wasm_path, "rb") as f:
            wasm = f.read()
        engine = self.api.engine()
        key = _cache.module_key(self.api, wasm)
        faster = Module(self.api, engine, _cache.compiled(self.api, engine, wasm, key), "compiled")
        faster.keyed_slot, faster.keyed_lock = self.keyed_slot, self.keyed_lock
        return faster

    def new_instance(self) -> Any:
        return self.api.instance(self.engine, self.module)


class Runtime:
    """Loads the module when first needed and lends out its instances."""

    def __init__(self) -> None:
        self.wasm_path = WASM_PATH
        self.module: Optional[Module] = None
        # Why the module could not be loaded, and when.
        self.failure: Optional[Tuple[str, float]] = None
        self.lock = allocate_lock()
        # The thread loading the module, while it does.
        self.loading: Optional[int] = None
        # The tests' way to make the next call trap (the extension's
        # instance has a trap_next of its own).
        self.trap_next = False

    def loaded(self) -> Module:
        module = self.module
        if module is not None:
            return module
        if self.loading == get_ident():
            # A signal handler's call, run between two instructions of the
            # load: the lock below is this thread's own, and would be
            # waited for forever.
            raise HostError(
                "span-autolink was called from a signal handler while its thread was loading it; "
                "calls after the first call returns are answered"
            )
        with self.lock:
            module = self.module
            if module is not None:  # another thread loaded it meanwhile
                return module
            if self.failure is not None and monotonic() - self.failure[1] < RETRY_SECONDS:
                raise HostError(self.failure[0])
            self.loading = get_ident()
            try:
                module = self.module = Module.load(self.wasm_path)
            except Exception as e:
                self.failure = (f"{type(e).__name__}: {_text(e)}", monotonic())
                raise HostError(self.failure[0]) from None
            finally:
                self.loading = None
            self.failure = None
            return module

    def server(self) -> Callable[..., bytes]:
        """What serves pointer calls, as ``serve`` takes them: the
        extension's instance itself, else ``serve``."""
        module = self.module or self.loaded()
        shared = module.shared
        return self.serve if shared is None else shared.serve  # type: ignore[no-any-return]

    def using(self, work: Callable[[Any], T]) -> T:
        """``work(instance)`` on an idle instance; an instance whose call
        raised is closed, never lent again."""
        result: T = self.serve("", b"", None, False, work)
        return result

    def using_keyed(self, work: Callable[[Any], T]) -> T:
        """``work(instance)`` on the instance that serves DynamoDB calls."""
        result: T = self.serve("", b"", None, True, work)
        return result

    def serve(
        self,
        name: str,
        data: bytes,
        config: Optional[bytes] = None,
        keyed: bool = False,
        work: Optional[Callable[[Any], Any]] = None,
        held: Optional[Module] = None,
    ) -> Any:
        """The output of export ``name`` for ``data``, after ``sa_configure``
        with ``config`` when the instance has another configuration; or
        ``work(instance)`` when given. On an idle instance from the pool, or
        with ``keyed`` on the one that serves DynamoDB calls, which keeps
        what they showed of tables' key names: one caller at a time.

        An instance whose call raised, or whose memory grew beyond what is
        kept (linear memory never shrinks, ABI.md "Buffers"), is closed and
        never lent again; a keyed one is replaced, and what it knew with it.
        All of it is in this one method: every pointer call passes here, and
        each Python call on its way costs about as much as a step of the
        work. ``held``: the module whose keyed lock the caller took (this
        method, which calls itself inside ``with`` that lock)."""
        module = held
        if module is None:
            module = self.module or self.loaded()
            shared = module.shared
            if shared is not None:
                if work is None:
                    return shared.serve(name, data, config, keyed)
                if keyed:
                    return work(shared)
                # Work of several calls (write, then call) gets an instance
                # of its own from the pool, below: on the shared one,
                # another thread's input could come between its steps.
            if module.rent:
                self.pay(module, len(data))
            if keyed:
                # With `with`, not acquire() before `try`: the exception a
                # signal handler raises (KeyboardInterrupt) where the call
                # that took the lock returns would leave it held, and every
                # DynamoDB call after it waiting forever.
                with module.keyed_lock:
                    return self.serve(name, data, config, keyed, work, module)
        if not keyed:
            pool = module.pool
            try:
                inst = pool.pop()
            except IndexError:
                inst = module.new_instance()
        else:
            slot = module.keyed_slot
            inst = slot[0]
            if inst is None:
                inst = slot[0] = module.new_instance()
        try:
            if self.trap_next:
                self.trap_next = False
                inst.call("sa_test_trap")
                raise HostError("sa_test_trap did not trap")
            if work is not None:
                result = work(inst)
            else:
                if config is not None and inst.config != config:
                    inst.config = None  # unknown until sa_configure returns
                    inst.roundtrip("sa_configure", config)
                    inst.config = config
                result = inst.roundtrip(name, data)
            if inst.size > MEMORY_KEPT:
                inst.close()
        except BaseException:
            # Given up first: a second interrupt, raised as close() starts,
            # must not leave the instance of a call that raised in use.
            if keyed:
                slot[0] = None
            inst.close()
            raise
        if inst.store is not None:
            if not keyed:
                pool.append(inst)
        elif keyed:
            slot[0] = None
        return result

    def pay(self, module: Module, n: int) -> None:
        """Counts ``n`` input bytes read by the baseline compiler's code;
        starts compiling with Cranelift when they reach the bound."""
        with self.lock:
            if module.rent <= 0:
                return
            module.rent = max(module.rent - n, 0)
            if module.rent:
                return
        try:
            start_new_thread(self.upgrade, (module,))
        except Exception:
            pass  # no thread to be had: the baseline module goes on serving

    def upgrade(self, baseline: Module) -> None:
        """Replaces ``baseline`` by the module compiled with Cranelift,
        unless the module was replaced meanwhile; on any failure the
        baseline module goes on serving."""
        try:
            faster = baseline.upgraded(self.wasm_path)
        except Exception:
            return
        with self.lock:
            if self.module is baseline:
                self.module = faster

    def after_fork_in_child(self) -> None:
        self.lock = allocate_lock()  # the parent's may have been held by another thread
        self.loading = None
        if self.module is not None:
            self.module = self.module.forked()

    def reset(self) -> None:
        """Forgets the loaded module: the next call loads it again."""
        with self.lock:
            self.module = None
            self.failure = None


# The package's one runtime (tests reach it here).
runtime = Runtime()

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=runtime.after_fork_in_child)


def backend() -> str:
    """"native", "ctypes" or "wasmtime": which host serves the calls."""
    return str(runtime.loaded().api.name)
