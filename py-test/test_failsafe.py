"""Never raises into the caller; settings from the environment and from
arguments."""

import json
import math
import os

import pytest

import span_autolink
from span_autolink import Outcome, _runtime
from helpers import codes, ddb_hash, put_object, run_python, triples

PUT_ITEM = ("dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}, "v": {"N": "2"}}}, {})
ORDERS_1 = [("aws.dynamodb.item", "d", ddb_hash("orders", ("id", "1")))]


class Hostile(dict):
    def get(self, *args):
        raise RuntimeError("hostile mapping")

    def __contains__(self, key):
        raise RuntimeError("hostile mapping")

    def __getitem__(self, key):
        raise RuntimeError("hostile mapping")


def circular():
    item = {"id": {"S": "1"}}
    item["self"] = item
    return item


def deep(depth):
    value = {"S": "x"}
    for _ in range(depth):
        value = {"M": value}
    return value


@pytest.mark.parametrize(
    "args",
    [
        (None, None, None, None),
        (1, 2, 3, 4),
        (["s3"], "PutObject", {}, {}),
        ("s3", "PutObject", None, None),
        ("s3", "PutObject", [], "text"),
        ("s3", "PutObject", {"Bucket": 1, "Key": None}, {"ETag": 2.5}),
        ("s3", "PutObject", Hostile(), {}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": {"id": {"N": math.nan}}}, {}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": {"id": float("inf")}}, {}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": circular()}, {}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": {"id": deep(200)}}, {}),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": {"id": deep(100000)}}, {}),
        ("dynamodb", "UpdateItem", {"TableName": "\ud800", "Key": {"\udfff": {"S": "\ud800"}}}, {}),
        ("s3 PutObject", "x", {}, {}),
        ("", "", {}, {}),
    ],
)
def test_any_input_gives_an_outcome(args):
    outcome = span_autolink.pointers_for_response(*args)
    assert isinstance(outcome, Outcome)
    assert all(isinstance(i.message, str) and i.code for i in outcome.issues)


@pytest.mark.parametrize("event", [None, 42, "text", b"bytes", [], {"Records": None}, {"Records": [None, 1, "x"]}, Hostile(), circular()])
def test_any_event_gives_an_outcome(event):
    outcome = span_autolink.pointers_for_event(event)
    assert isinstance(outcome, Outcome)
    assert outcome.pointers == ()


@pytest.mark.parametrize("value, on", [(None, True), ("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False), ("False", False), ("no", False), ("off", False), ("", True), ("maybe", True)])
def test_add_span_pointers_switch(monkeypatch, value, on):
    # DD_BOTOCORE_ADD_SPAN_POINTERS as the core's settings read it in every
    # package: an empty variable is not set, and a value that is no
    # boolean leaves the default (with a setting_invalid issue).
    if value is not None:
        monkeypatch.setenv("DD_BOTOCORE_ADD_SPAN_POINTERS", value)
        span_autolink.reload_environment()
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "eTag": "e"}}}]}
    assert bool(span_autolink.pointers_for_response(*put_object()).pointers) is on
    assert bool(span_autolink.pointers_for_event(event).pointers) is on


def test_primary_keys_from_the_environment(monkeypatch):
    assert codes(span_autolink.pointers_for_response(*PUT_ITEM)) == ["table_not_configured"]
    monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", json.dumps({"orders": ["id"]}))
    span_autolink.reload_environment()
    assert triples(span_autolink.pointers_for_response(*PUT_ITEM)) == ORDERS_1
    monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", "{not json")
    span_autolink.reload_environment()
    outcome = span_autolink.pointers_for_response(*PUT_ITEM)
    assert codes(outcome) == ["config_invalid", "table_not_configured"]
    monkeypatch.delenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS")
    span_autolink.reload_environment()
    assert codes(span_autolink.pointers_for_response(*PUT_ITEM)) == ["table_not_configured"]


def test_the_argument_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", json.dumps({"orders": ["v"]}))
    span_autolink.reload_environment()
    assert triples(span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys={"orders": ["id"]})) == ORDERS_1
    # ddtrace's own form: table -> set of names; and JSON text.
    assert triples(span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys={"orders": {"id"}})) == ORDERS_1
    assert triples(span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys='{"orders": ["id"]}')) == ORDERS_1
    # An empty mapping is a configuration too: nothing configured.
    assert codes(span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys={})) == ["table_not_configured"]


def test_a_configuration_that_is_not_json_is_an_issue():
    outcome = span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys={"orders": [object()]})
    assert outcome.pointers == ()
    assert codes(outcome)[0] == "config_invalid"


def test_a_configuration_of_the_cores_most_values_is_written_one_more_is_not():
    from span_autolink._generated import MAX_CONFIGURATION_VALUES as most

    def keys(padding):
        # The mapping, its two lists and the one name of `orders`: four values besides the padding.
        return {"orders": ["id"], "pad": ["p"] * padding}

    span_autolink.forget_tables()
    assert triples(span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys=keys(most - 4))) == ORDERS_1
    span_autolink.forget_tables()
    refused = span_autolink.pointers_for_response(*PUT_ITEM, dynamodb_primary_keys=keys(most - 3))
    assert codes(refused) == ["config_invalid", "table_not_configured"]


@pytest.mark.usefixtures("webassembly")
def test_a_missing_module_is_an_issue_not_an_exception(monkeypatch):
    monkeypatch.setattr(_runtime.runtime, "wasm_path", "/nonexistent/span_autolink.wasm")
    _runtime.runtime.reset()
    try:
        for _ in range(2):
            outcome = span_autolink.pointers_for_response(*put_object())
            assert outcome.pointers == () and codes(outcome) == ["internal_error"]
            assert "span_autolink.wasm" in outcome.issues[0].message
            assert codes(span_autolink.pointers_for_event({"Records": []})) == ["internal_error"]
    finally:
        monkeypatch.undo()
        _runtime.runtime.reset()
    assert triples(span_autolink.pointers_for_response(*put_object()))


@pytest.mark.parametrize("extension", ["on", "off"])
def test_without_wasmtime_installed(tmp_path, extension):
    """The package alone, on a path without site-packages: wasmtime cannot
    be found by either wasmtime host. The extension needs none."""
    import os
    import shutil

    if extension == "on" and os.environ.get("SPAN_AUTOLINK_EXTENSION") == "off":
        pytest.skip("this run switches the extension off")
    shutil.copytree(os.path.dirname(span_autolink.__file__), tmp_path / "lib" / "span_autolink")
    out = run_python(
        "import sys, json\n"
        "import span_autolink\n"
        "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'b', 'Key': 'k'}, {'ETag': 'e'})\n"
        "print(json.dumps([[i.code, i.message] for i in o.issues]))",
        env={"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(tmp_path / "lib"),
             "SPAN_AUTOLINK_EXTENSION": extension},
        prefix=(),
        flags=("-S",),
    )
    if extension == "on":
        assert json.loads(out) == []
        return
    (issue,) = json.loads(out)
    assert issue[0] == "internal_error"
    assert "wasmtime" in issue[1]


def test_inputs_that_grow_the_modules_memory():
    """A 50,000-record event makes the module grow its memory (input,
    parsed values, output); results stay right, then and afterwards."""
    from helpers import stream_record

    records = [stream_record("orders", {"id": {"S": f"order-{i}-" + "x" * 100}}) for i in range(50000)]
    outcome = span_autolink.pointers_for_event({"Records": records})
    assert len(outcome.pointers) == 50000 and outcome.issues == ()
    assert outcome.pointers[-1].hash == ddb_hash("orders", ("id", "order-49999-" + "x" * 100))
    assert triples(span_autolink.pointers_for_response(*put_object()))[0][2] == "e721375466d4116ab551213fdea08413"


def test_a_signal_handler_calling_while_the_first_call_loads_does_not_hang(tmp_path):
    """A signal handler runs between two instructions of its thread, which
    may be loading the rules for its first call. A call from the handler
    must answer (``internal_error``), not wait forever for the lock its own
    thread holds; the calls around it are right. The signal is raised
    here as the load starts, by a trace function."""
    code = (
        "import json, signal, sys, span_autolink\n"
        "from span_autolink import _runtime\n"
        "from helpers import put_object\n"
        "handled, raised = [], []\n"
        "def handler(signum, frame):\n"
        "    o = span_autolink.pointers_for_response(*put_object())\n"
        "    handled.append([[p.hash for p in o.pointers], [[i.code, i.message] for i in o.issues]])\n"
        "load = _runtime.Module.load.__func__.__code__\n"
        "def calls(frame, event, arg):\n"
        "    if frame.f_code is load and not raised:\n"
        "        raised.append(True)\n"
        "        signal.raise_signal(signal.SIGALRM)\n"
        "signal.signal(signal.SIGALRM, handler)\n"
        "sys.settrace(calls)\n"
        "first = span_autolink.pointers_for_response(*put_object())\n"
        "sys.settrace(None)\n"
        "after = span_autolink.pointers_for_response(*put_object())\n"
        "print(json.dumps([[p.hash for p in o.pointers + o.issues] for o in (first, after)] + [handled]))\n"
    )
    out = run_python(
        code,
        env={"PYTHONPATH": os.path.dirname(os.path.abspath(__file__)), "SPAN_AUTOLINK_CACHE_DIR": str(tmp_path)},
        timeout=60,
    )
    first, after, handled = json.loads(out)
    assert first == after == ["e721375466d4116ab551213fdea08413"]
    assert len(handled) == 1 and handled[0][0] == [], handled
    ((code, message),) = handled[0][1]
    assert code == "internal_error" and "signal handler" in message
