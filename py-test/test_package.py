"""The installed package: where it comes from, what it ships, what
importing it does, and the small public API."""

import json
import os
import sysconfig

import pytest

import span_autolink
from span_autolink import Pointer, _runtime
from helpers import ROOT, put_object, run_python, triples


def test_installed_from_the_wheel_not_the_source_tree():
    here = os.path.realpath(span_autolink.__file__)
    assert not here.startswith(os.path.realpath(os.path.join(ROOT, "bindings"))), here
    site = os.path.realpath(sysconfig.get_paths()["purelib"])
    assert here.startswith(site), (here, site)


def test_ships_the_module_and_type_information():
    package = os.path.dirname(span_autolink.__file__)
    assert os.path.isfile(os.path.join(package, "py.typed"))
    with open(os.path.join(package, "span_autolink.wasm"), "rb") as f:
        assert f.read(4) == b"\0asm"
    assert os.path.samefile(_runtime.WASM_PATH, os.path.join(package, "span_autolink.wasm"))


def test_import_loads_neither_wasmtime_nor_the_module(tmp_path):
    out = run_python(
        "import sys, json, span_autolink\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('wasmtime') or m.startswith('span_autolink.'))))",
        env={"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path)},
    )
    assert json.loads(out) == ["span_autolink._outcome"]
    assert os.listdir(tmp_path) == [], "importing must not compile or cache anything"


@pytest.mark.usefixtures("webassembly")
def test_the_first_call_compiles_and_caches_without_importing_wasmtime(tmp_path):
    out = run_python(
        "import sys, json, span_autolink\n"
        "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'some-bucket', 'Key': 'some-key.data'}, {'ETag': '\"ab12ef34\"'})\n"
        "from span_autolink import _runtime\n"
        "print(json.dumps([o.pointers[0].hash, _runtime.backend(), 'wasmtime' in sys.modules]))",
        # No shipped module, and no fallback cache that another run filled.
        env={"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path), "SPAN_AUTOLINK_PRECOMPILED_DIR": "", "TMPDIR": str(tmp_path)},
    )
    assert json.loads(out) == ["e721375466d4116ab551213fdea08413", "ctypes", False]
    assert len([n for n in os.listdir(tmp_path) if n.endswith(".cwasm")]) == 1


def test_known_answers():
    assert triples(span_autolink.pointers_for_response(*put_object())) == [
        ("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")
    ]
    outcome = span_autolink.pointers_for_response(
        "dynamodb", "UpdateItem", {"TableName": "some-table", "Key": {"some-key": {"S": "some-value"}}}, {}
    )
    assert triples(outcome) == [("aws.dynamodb.item", "d", "7f1aee721472bcb48701d45c7c7f7821")]
    assert outcome.issues == ()


def test_pointer_and_issue_fields():
    outcome = span_autolink.pointers_for_response("s3", "PutObject", {"Bucket": "b"}, {"ETag": "e"})
    assert outcome.pointers == ()
    (issue,) = outcome.issues
    assert issue.code == "field_missing"
    assert "Key" in issue.message
    pointer = span_autolink.pointers_for_response(*put_object()).pointers[0]
    assert (pointer.kind, pointer.direction, pointer.hash) == (
        "aws.s3.object",
        "d",
        "e721375466d4116ab551213fdea08413",
    )


def test_span_link_attributes():
    pointer = Pointer("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")
    assert span_autolink.span_link_attributes(pointer) == {
        "link.kind": "span-pointer",
        "ptr.kind": "aws.s3.object",
        "ptr.dir": "d",
        "ptr.hash": "e721375466d4116ab551213fdea08413",
    }


def test_span_links_json():
    pointer = Pointer("aws.dynamodb.item", "u", "7f1aee721472bcb48701d45c7c7f7821")
    assert json.loads(span_autolink.span_links_json([pointer])) == [
        {
            "trace_id": "00000000000000000000000000000000",
            "span_id": "0000000000000000",
            "attributes": {
                "link.kind": "span-pointer",
                "ptr.kind": "aws.dynamodb.item",
                "ptr.dir": "u",
                "ptr.hash": "7f1aee721472bcb48701d45c7c7f7821",
            },
        }
    ]
    assert span_autolink.span_links_json([]) == "[]"
