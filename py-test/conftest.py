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

SETTINGS = (
    "DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS",
    "DD_BOTOCORE_ADD_SPAN_POINTERS",
    "SPAN_AUTOLINK_WASMTIME_API",
    "SPAN_AUTOLINK_CACHE_DIR",
)


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
    """Each test starts with the Datadog settings unset."""
    monkeypatch.delenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", raising=False)
    monkeypatch.delenv("DD_BOTOCORE_ADD_SPAN_POINTERS", raising=False)
    yield
