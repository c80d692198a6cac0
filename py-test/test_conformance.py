"""Every case of conformance/cases.json, replayed through the public API:
the same pointers, in order, and the same issue codes as the Rust tests."""

from decimal import Decimal

import pytest

import span_autolink
from span_autolink import _runtime
from span_autolink._generated import SETTING_VARIABLES
from helpers import codes, from_case, load_cases

ALL_CASES = load_cases()
SAMPLING = [c for c in ALL_CASES if c["kind"] == "sampling"]
SETTINGS = [c for c in ALL_CASES if c["kind"] == "settings"]
CASES = [c for c in ALL_CASES if c["kind"] in ("response", "event")]


def pointers(outcome):
    return [(p.kind, p.direction, p.hash, p.change_time) for p in outcome.pointers]


def run_case(case, monkeypatch):
    if "config_text" in case:
        monkeypatch.setenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", case["config_text"])
    else:
        monkeypatch.delenv("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", raising=False)
    span_autolink.reload_environment()
    if case["kind"] == "response":
        return span_autolink.pointers_for_response(
            case["service"],
            case["operation"],
            from_case(case["request"]),
            from_case(case["response"]),
            dynamodb_primary_keys=case.get("config"),
        )
    return span_autolink.pointers_for_event(from_case(case["event"]))


def expected(case):
    ps = [(p["kind"], p["direction"], p["hash"], p.get("change_time")) for p in case["expect"]["pointers"]]
    return ps, case["expect"]["issues"]


def test_every_case_is_here():
    assert len(ALL_CASES) == 272
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
    outcome = run_case(case, monkeypatch)
    assert (pointers(outcome), codes(outcome)) == expected(case)
    for issue in outcome.issues:
        assert issue.message and "\n" not in issue.message


def test_every_case_through_wasmtimes_public_api(monkeypatch):
    """The fallback backend (wasmtime's own Python API, used for wasmtime
    versions the ctypes binding was not checked against) gives the same
    answers."""
    monkeypatch.setenv("SPAN_AUTOLINK_WASMTIME_API", "public")
    _runtime.runtime.reset()
    try:
        assert _runtime.backend() == "wasmtime"
        failures = [c["name"] for c in CASES if (lambda o: (pointers(o), codes(o)))(run_case(c, monkeypatch)) != expected(c)]
        assert failures == []
    finally:
        monkeypatch.delenv("SPAN_AUTOLINK_WASMTIME_API")
        _runtime.runtime.reset()
    assert _runtime.backend() == "ctypes"


def test_cases_hold_when_the_configuration_changes_between_calls(monkeypatch):
    """The key-name configuration is sent to an instance only when it
    differs from what the instance holds: replaying the cases in reverse,
    twice, interleaves every configuration with every other."""
    for case in list(reversed(CASES)) * 2:
        outcome = run_case(case, monkeypatch)
        assert (pointers(outcome), codes(outcome)) == expected(case), case["name"]
