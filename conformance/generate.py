#!/usr/bin/env python3
"""Write conformance/cases.json, the cases every span-autolink host replays.

    python3 conformance/generate.py                  # regenerate cases.json
    python3 conformance/generate.py --check          # fail if cases.json is stale
    python3 conformance/generate.py --check-oracles  # cross-check against the
                                                     # Datadog libraries

How the expected values are obtained: this script does NOT use span-autolink
and does not URL-decode keys or canonicalize numbers itself. For every case
the components that SPEC.md says are hashed are written out literally below
(the bucket, the *decoded* S3 key, the ETag without quotes; the table name,
the key attribute names, the *canonical* number text, the raw bytes) and the
only computation is `hashlib.sha256(b"|".join(components)).hexdigest()[:32]`
(plus sorting the key attribute names by their UTF-8 bytes and padding a
partition-key-only key with two empty components). The inputs of a case
(requests, events) are built separately, by hand, in the form the SDKs and
AWS deliver them.

`--check-oracles` needs `ddtrace` and `datadog_lambda` importable, and
`boto3` for a full check: ddtrace serializes plain document-client values
(and any value that is not a dict of strings) with boto3; without it the
cases that reach that serializer are skipped and counted. It installs
nothing; use a throwaway virtual environment outside the repository
(`make conformance-oracles` does the same without boto3):

    python3 -m venv /tmp/oracle-venv
    /tmp/oracle-venv/bin/pip install ddtrace datadog-lambda boto3
    /tmp/oracle-venv/bin/python conformance/generate.py --check-oracles

It replays every case through the libraries' own functions
(`ddtrace._trace.utils_botocore.span_pointers.
extract_span_pointers_from_successful_botocore_response` for responses,
`datadog_lambda.span_pointers.calculate_span_pointers` for events) and asserts:

- "agrees":  the library gives exactly the expected pointers (same kind,
             direction, hash, order);
- "differs": the library gives something else (another hash, no pointer
             where one is expected, or a pointer where none is expected);
- "n/a":     the library gives no pointer (and neither does the case, or
             the library does not handle this kind of event at all).

Issue codes are this project's own and are not compared.
"""

import argparse
import base64
import json
import os
import re
import sys
from decimal import Decimal
from pathlib import Path


from vectors import dynamodb, events, receive, registry, s3, sampling, settings, success
from vectors.common import CASES, DERIVATION, FIXTURES, ISSUE_CODES, ISSUE_CODES_NOT_EXPRESSIBLE

HERE = Path(__file__).resolve().parent
OUT = HERE / "cases.json"
SHARED_FIXTURES = HERE.parent.parent / "shared" / "fixtures" / "events"
# Every family of cases, each a module of vectors/.
FAMILIES = (s3, dynamodb, registry, events, success, receive, sampling, settings)


# --------------------------------------------------------------------------
# Rendering and validation
# --------------------------------------------------------------------------

CASE_KEY_ORDER = ["name", "about", "datadog", "kind", "service", "operation", "config", "config_text",
                  "request", "response", "event", "hash", "rate", "keep", "environment", "settings", "calls",
                  "expect", "unknown_tables"]
CALL_KEY_ORDER = ["service", "operation", "request", "response", "expect", "unknown_tables"]
POINTER_KEYS = {"kind", "direction", "hash", "change_time"}


def validate(cases):
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    for c in cases:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", c["name"]), c["name"]
        assert c["datadog"] in ("agrees", "differs", "n/a"), c["name"]
        assert c["about"].endswith(".") and "\n" not in c["about"], c["name"]
        assert set(c) <= set(CASE_KEY_ORDER), c["name"]
        assert not ("config" in c and "config_text" in c), c["name"]
        assert c["kind"] in ("response", "event", "sampling", "settings", "sequence"), c["name"]
        if c["kind"] == "sampling":
            assert isinstance(c["keep"], bool) and isinstance(c["rate"], float), c["name"]
            continue
        expects = [call["expect"] for call in c["calls"]] if c["kind"] == "sequence" else [c["expect"]]
        for call in c.get("calls", []):
            assert set(call) <= set(CALL_KEY_ORDER), c["name"]
        if c["datadog"] == "agrees":
            assert any(e["pointers"] for e in expects), f"{c['name']}: 'agrees' needs a pointer to agree on"
        for p in (p for e in expects for p in e["pointers"]):
            assert re.fullmatch(r"[0-9a-f]{32}", p["hash"]), c["name"]
            assert set(p) <= POINTER_KEYS, c["name"]
            assert "change_time" not in p or p["direction"] == "u", c["name"]
    assert len(cases) >= 110, len(cases)
    covered = {code for c in cases for e in ([c["expect"]] if "expect" in c else [])
               + [call["expect"] for call in c.get("calls", [])] for code in e["issues"]}
    missing = ISSUE_CODES - ISSUE_CODES_NOT_EXPRESSIBLE - covered
    assert not missing, f"issue codes without a case: {sorted(missing)}"


def render(cases) -> str:
    ordered = []
    for c in sorted(cases, key=lambda c: c["name"]):
        case = {k: c[k] for k in CASE_KEY_ORDER if k in c}
        if "calls" in case:
            case["calls"] = [{k: call[k] for k in CALL_KEY_ORDER if k in call} for call in case["calls"]]
        ordered.append(case)
    text = json.dumps({"derivation": DERIVATION, "cases": ordered}, indent=1, ensure_ascii=False) + "\n"
    # Replace raw-number placeholders by their literal text.
    text = re.sub(r'"\\u0000RAWNUM:([^"\\]+)\\u0000"', r"\1", text)
    assert "RAWNUM" not in text
    json.loads(text)  # still valid JSON
    return text


def check_fixture_copies():
    """Warn when the repository's fixture copies drifted from shared/fixtures."""
    if not SHARED_FIXTURES.is_dir():
        return
    ours = {path.name: path for path in FIXTURES.glob("*.json")}
    for path in SHARED_FIXTURES.glob("*.json"):
        copy = ours.get(path.name)
        if copy is None or json.loads(copy.read_text(encoding="utf-8")) != json.loads(path.read_text(encoding="utf-8")):
            print(f"warning: {FIXTURES / path.name} differs from {path}", file=sys.stderr)


def build_text() -> str:
    CASES.clear()
    for family in FAMILIES:
        family.define()
    validate(CASES)
    return render(CASES)


# --------------------------------------------------------------------------
# Oracle check against the Datadog libraries
# --------------------------------------------------------------------------

def _to_python(value):
    """Case JSON -> what a Python caller hands the libraries ($bytes -> bytes)."""
    if isinstance(value, dict):
        if set(value) == {"$bytes"} and isinstance(value["$bytes"], str):
            return base64.b64decode(value["$bytes"])
        return {k: _to_python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_python(v) for v in value]
    return value


def _ddtrace_load_config_copy():
    """Copy of ddtrace 4.x contrib/internal/botocore/patch.py
    _load_dynamodb_primary_key_names_for_tables (that module needs botocore)."""
    try:
        raw_table_primary_keys = json.loads(os.environ.get("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", "{}"))
        table_primary_keys = {}
        for table, primary_keys in raw_table_primary_keys.items():
            if not isinstance(table, str):
                raise ValueError(f"expected string table name: {table}")
            if not isinstance(primary_keys, list):
                raise ValueError(f"expected list of primary keys: {primary_keys}")
            unique_primary_keys = set(primary_keys)
            if not len(unique_primary_keys) == len(primary_keys):
                raise ValueError(f"expected unique primary keys: {primary_keys}")
            table_primary_keys[table] = unique_primary_keys
        return table_primary_keys
    except Exception:
        return {}


def check_oracles(text: str) -> int:
    os.environ.setdefault("DD_TRACE_ENABLED", "false")
    os.environ.setdefault("DD_INSTRUMENTATION_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("DD_REMOTE_CONFIGURATION_ENABLED", "false")
    try:
        from ddtrace._trace.utils_botocore.span_pointers import (
            extract_span_pointers_from_successful_botocore_response as dd_extract)
        import datadog_lambda.span_pointers as dl_span_pointers
        from datadog_lambda.trigger import parse_event_source
    except ImportError as e:
        print("--check-oracles needs the Datadog libraries ddtrace and datadog_lambda "
              f"importable ({e}). Install them (and boto3) in a throwaway virtual environment, e.g.\n"
              "  python3 -m venv /tmp/oracle-venv && "
              "/tmp/oracle-venv/bin/pip install ddtrace datadog-lambda boto3\n"
              "  /tmp/oracle-venv/bin/python conformance/generate.py --check-oracles",
              file=sys.stderr)
        return 2

    import ddtrace._trace.utils_botocore.span_pointers.dynamodb as dd_dynamodb
    try:
        from ddtrace.contrib.internal.botocore.patch import (
            _load_dynamodb_primary_key_names_for_tables as dd_load_config)
    except ImportError:  # that module imports botocore
        print("note: botocore is not importable; reading the key-name configuration with a copy "
              "of ddtrace's _load_dynamodb_primary_key_names_for_tables")
        dd_load_config = _ddtrace_load_config_copy
    try:
        import boto3.dynamodb.types  # noqa: F401
        have_boto3 = True
    except ImportError:
        have_boto3 = False

    # Keep datadog-lambda from emitting a metric while computing stream pointers.
    dl_span_pointers.submit_dynamodb_stream_type_metric = lambda event: None

    # Note which cases reach ddtrace's boto3 TypeSerializer; without boto3
    # their result says nothing about the hash, so they are skipped.
    serializer_used = [False]
    dd_serialize = dd_dynamodb._boto3_dynamodb_types_TypeSerializer_serialize

    def noting_serialize(value):
        serializer_used[0] = True
        return dd_serialize(value)

    dd_dynamodb._boto3_dynamodb_types_TypeSerializer_serialize = noting_serialize

    def as_tuples(descriptions):
        return [(d.pointer_kind, d.pointer_direction.value, d.pointer_hash) for d in descriptions]

    def producer(case):
        # Spellings and the v2 `data` wrapper belong to the JavaScript SDKs,
        # which dd-trace-js handles; ddtrace gets them in botocore's form.
        service = case["service"].lower()
        op = case["operation"]
        if op.endswith("Command"):
            op = op[: -len("Command")]
        op = op[:1].upper() + op[1:]
        request = _to_python(case["request"])
        response = _to_python(case["response"])
        if (service == "s3" and isinstance(response, dict) and "data" in response
                and "ETag" not in response and "CopyObjectResult" not in response):
            response = response["data"]
        if "config" in case:
            config_text = json.dumps(case["config"])
        else:
            config_text = case.get("config_text", "{}")
        os.environ["DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS"] = config_text
        config = dd_load_config()
        return as_tuples(dd_extract(config, service, op, request, response))

    def sequence(case):
        # ddtrace learns nothing from the calls before: each call alone,
        # with the case's configuration, the pointers concatenated.
        got = []
        for call in case["calls"]:
            one = dict(call, **{k: case[k] for k in ("config", "config_text") if k in case})
            got += producer(one)
        return got

    def consumer(case):
        event = case["event"]
        return as_tuples(dl_span_pointers.calculate_span_pointers(parse_event_source(event), event, True))

    # Parse the rendered file as a host would, plain JSON decimals as Decimal
    # (what boto3's document client takes for numbers).
    cases = json.loads(text, parse_float=Decimal)["cases"]
    failures = []
    skipped = []
    checked = {"ddtrace": {"agrees": 0, "differs": 0, "n/a": 0},
               "datadog_lambda": {"agrees": 0, "differs": 0, "n/a": 0}}
    for case in cases:
        if case["kind"] in ("sampling", "settings"):  # not the Datadog libraries' business
            continue
        lib = "ddtrace" if case["kind"] in ("response", "sequence") else "datadog_lambda"
        serializer_used[0] = False
        if case["kind"] == "sequence":
            got = sequence(case)
        else:
            got = producer(case) if case["kind"] == "response" else consumer(case)
        if serializer_used[0] and not have_boto3:
            skipped.append(case["name"])
            continue
        expects = [call["expect"] for call in case["calls"]] if case["kind"] == "sequence" else [case["expect"]]
        want = [(p["kind"], p["direction"], p["hash"]) for e in expects for p in e["pointers"]]
        marker = case["datadog"]
        ok = {"agrees": got == want, "differs": got != want, "n/a": got == []}[marker]
        checked[lib][marker] += 1
        if not ok:
            failures.append(f"{case['name']} ({marker}, {lib}): library gave {got}, case expects {want}")
    for lib, counts in checked.items():
        print(f"{lib}: {sum(counts.values())} cases checked "
              f"({counts['agrees']} agrees, {counts['differs']} differs, {counts['n/a']} n/a)")
    if skipped:
        print(f"skipped {len(skipped)} cases that need boto3 (pip install boto3 for a full check): "
              + ", ".join(skipped))
    if failures:
        print(f"{len(failures)} oracle mismatches:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    print("oracle check passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="fail if cases.json differs from what the generator writes (does not write)")
    mode.add_argument("--check-oracles", action="store_true",
                      help="verify the datadog markers against ddtrace and datadog_lambda (does not write)")
    args = parser.parse_args()
    check_fixture_copies()
    text = build_text()
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python3 conformance/generate.py", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date ({len(json.loads(text)['cases'])} cases)")
        return 0
    if args.check_oracles:
        status = check_oracles(text)
        if OUT.is_file() and OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python3 conformance/generate.py", file=sys.stderr)
            status = status or 1
        return status
    OUT.write_text(text, encoding="utf-8")
    n = len(json.loads(text)["cases"])
    print(f"wrote {n} cases to {OUT}")
    return 0




if __name__ == "__main__":
    sys.exit(main())
