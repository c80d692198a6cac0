"""Shared setup of the span_autolink tests.

They run against the package installed from the wheel (``make test-python``
installs it into target/py-venv and runs pytest from this directory), never
against bindings/python.
"""

import os
import sys

# Before anything imports ddtrace: no tracer, no telemetry, no remote config.
os.environ.setdefault("DD_TRACE_ENABLED", "false")
os.environ.setdefault("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
os.environ.setdefault("DD_REMOTE_CONFIGURATION_ENABLED", "false")
os.environ.setdefault("DD_TRACE_STARTUP_LOGS", "false")

import pytest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# The variables the package's settings read (as the core names them),
# and the host's own.
from span_autolink._generated import SETTING_VARIABLES  # noqa: E402

SETTINGS = SETTING_VARIABLES + ("SPAN_AUTOLINK_WASMTIME_API", "SPAN_AUTOLINK_CACHE_DIR", "SPAN_AUTOLINK_PRECOMPILED_DIR")
# SPAN_AUTOLINK_EXTENSION is the run's: make test-python-low runs the whole
# suite with the extension switched off.


# Code generated at run time in the package: exec, eval or compile of
# source that is no file, called from inside span_autolink. Imports
# compile and run files, which is allowed.
GENERATED_CODE = []


def _no_generated_code(event, args):
    if event not in ("exec", "compile"):
        return
    if event == "compile":
        filename = args[1] if len(args) > 1 else None
    else:
        filename = getattr(args[0], "co_filename", None) if args else None
    if isinstance(filename, (str, bytes)) and os.path.isfile(filename):
        return
    # The frame that called exec, eval or compile (the standard library's
    # own uses, namedtuple's among them, are its business).
    frame = sys._getframe(1)
    if "span_autolink" in frame.f_code.co_filename.replace(os.sep, "/").split("/"):
        GENERATED_CODE.append((event, frame.f_code.co_filename, frame.f_lineno))
        raise RuntimeError("span_autolink generated code at run time")


sys.addaudithook(_no_generated_code)


@pytest.fixture(autouse=True)
def _no_code_generated():
    yield
    assert GENERATED_CODE == [], "span_autolink ran generated code"


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    """A compiled-module cache of this session, and none of the settings the
    package reads."""
    for name in SETTINGS:
        os.environ.pop(name, None)
    os.environ["SPAN_AUTOLINK_CACHE_DIR"] = str(tmp_path_factory.mktemp("module-cache"))
    yield


@pytest.fixture(autouse=True)
def _clean_settings(monkeypatch):
    """Each test starts with the settings' variables unset, and the package
    reads them again after the test."""
    import span_autolink

    for name in SETTING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    span_autolink.reload_environment()
    yield
    monkeypatch.undo()
    span_autolink.reload_environment()


@pytest.fixture
def environment(monkeypatch):
    """Sets (a value) or clears (None) a variable, as a user would before
    reloading the package's settings."""
    import span_autolink

    def set_variable(name, value):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
        span_autolink.reload_environment()

    return set_variable


@pytest.fixture
def webassembly(monkeypatch):
    """The WebAssembly module serves the calls, as on a platform the
    extension was not built for: for the tests of what only it has (the
    compiled-module cache, precompiled modules, the pool of instances, linear
    memory). Subprocesses inherit the setting."""
    import gc

    import span_autolink
    from span_autolink import _runtime

    runs_off = os.environ.get("SPAN_AUTOLINK_EXTENSION") == "off"
    monkeypatch.setenv("SPAN_AUTOLINK_EXTENSION", "off")
    if not runs_off:
        _runtime.runtime.reset()
        span_autolink.reload_environment()
    yield
    # monkeypatch restores the variable after this: the next call loads
    # the run's host. The instances of the module let go are closed now,
    # not while a later test traces close().
    if not runs_off:
        _runtime.runtime.reset()
        span_autolink.reload_environment()
        gc.collect()
