"""Every case of conformance/cases.json, replayed through the public API:
the same pointers, in order, and the same issue codes as the Rust tests.
A sequence's calls go one after the other; every case starts from an
instance that knows no table's key names."""

from decimal import Decimal

import pytest

import span_autolink
from span_autolink import _runtime
from span_autolink._generated import SETTING_VARIABLES
from helpers import codes, from_case, load_cases

ALL_CASES = load_cases()
SAMPLING = [c for c in ALL_CASES if c["kind"] == "sampling"]
SETTINGS = [c for c in ALL_CASES if c["kind"] == "settings"]
CASES = [c for c in ALL_CASES if c["kind"] in ("response", "event", "sequence")]


def pointers(outcome):
    return [(p.kind, p.direction, p.hash, p.change_time) for p in outcome.pointers]


def steps(case):
    return case["calls"] if case["kind"] == "sequence" else [case]


def run_case(case, monkeypatch, tables=None):
    """The outcomes of the case's calls; with a list as ``tables``, each
    call's tables to look up are appended to it (one list per call)."""
    if "config_text" in case:
        monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", case["config_text"])
    else:
        monkeypatch.delenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", raising=False)
    span_autolink.reload_environment()
    if case["kind"] == "event":
        return [span_autolink.pointers_for_event(from_case(case["event"]))]
    span_autolink.forget_tables()
    outcomes = []
    for step in steps(case):
        named = []
        outcomes.append(
            span_autolink._pointers(
                step["service"], step["operation"], from_case(step["request"]), from_case(step["response"]),
                case.get("config"), None, named,
            )
        )
        if tables is not None:
            tables.append(named)
    return outcomes


def got(outcomes):
    return [(pointers(o), codes(o)) for o in outcomes]


def expected(case):
    return [
        ([(p["kind"], p["direction"], p["hash"], p.get("change_time")) for p in step["expect"]["pointers"]],
         step["expect"]["issues"])
        for step in steps(case)
    ]


def test_every_case_is_here():
    assert len(ALL_CASES) == 301
    assert len({c["name"] for c in ALL_CASES}) == len(ALL_CASES)


@pytest.mark.parametrize("case", SAMPLING, ids=[c["name"] for c in SAMPLING])
def test_sampling_case(case):
    assert span_autolink.keep_for_sampling(case["hash"], float(case["rate"])) is case["keep"]


@pytest.mark.parametrize("case", SETTINGS, ids=[c["name"] for c in SETTINGS])
def test_settings_case(case, environment):
    for name in SETTING_VARIABLES:
        environment(name, case["environment"].get(name))
    got = span_autolink.settings()
    want = {k: float(v) if isinstance(v, Decimal) else v for k, v in case["settings"].items()}
    assert got._replace(issues=()) == span_autolink.Settings(**want), case["about"]
    assert [i.code for i in got.issues] == case["expect"]["issues"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case, monkeypatch):
    tables = []
    outcomes = run_case(case, monkeypatch, tables)
    assert got(outcomes) == expected(case)
    if case["kind"] != "event":
        assert tables == [step.get("unknown_tables", []) for step in steps(case)]
    for issue in (i for o in outcomes for i in o.issues):
        assert issue.message and "\n" not in issue.message


GET_RECORDS = [
    c for c in CASES
    if c["kind"] == "response" and c["operation"].lower().removesuffix("command") == "getrecords"
]


@pytest.mark.parametrize("case", GET_RECORDS, ids=[c["name"] for c in GET_RECORDS])
def test_get_records_case_without_the_service(case):
    """pointers_for_get_records names no service: the core tells Kinesis
    records from DynamoDB Streams records, with the case's outcome."""
    request = from_case(case["request"])
    outcome = span_autolink.pointers_for_get_records(from_case(case["response"]), stream_arn=request.get("StreamArn"))
    assert got([outcome]) == expected(case)


def test_every_get_records_case_is_here():
    assert len(GET_RECORDS) >= 8


@pytest.mark.parametrize("api, backend", [("", "ctypes"), ("public", "wasmtime")])
def test_every_case_through_the_webassembly_module(monkeypatch, webassembly, api, backend):
    """Where the extension is not, the module gives the same answers,
    through the ctypes binding of wasmtime's C API and through the fallback
    for wasmtime versions that binding was not checked against (wasmtime's
    own Python API)."""
    monkeypatch.setenv("SPAN_AUTOLINK_WASMTIME_API", api)
    _runtime.runtime.reset()
    try:
        assert _runtime.backend() == backend
        failures = [c["name"] for c in CASES if got(run_case(c, monkeypatch)) != expected(c)]
        assert failures == []
    finally:
        monkeypatch.delenv("SPAN_AUTOLINK_WASMTIME_API")
        _runtime.runtime.reset()


def test_the_cases_above_ran_on_the_run_s_host():
    """The per-case tests ran on the extension, unless the run switched it
    off (make test-python-low)."""
    import os

    want = "ctypes" if os.environ.get("SPAN_AUTOLINK_EXTENSION") == "off" else "native"
    assert _runtime.backend() == want


def test_cases_hold_when_the_configuration_changes_between_calls(monkeypatch):
    """The key-name configuration is sent to an instance only when it
    differs from what the instance holds: replaying the cases in reverse,
    twice, interleaves every configuration with every other."""
    for case in list(reversed(CASES)) * 2:
        assert got(run_case(case, monkeypatch)) == expected(case), case["name"]
