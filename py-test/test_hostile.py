"""Hostile and merely unusual input (SPEC section 6): every call answers an
Outcome, never a wrong pointer, within a time and memory bound per input.

Expected hashes come from the conformance vectors or from helpers.std_hash
(SPEC section 1), never from the package."""

import json
import os
import random
import stat
import sys
import time
import tracemalloc
from collections.abc import Mapping

import pytest

import span_autolink
from span_autolink import Outcome
from helpers import codes, ddb_hash, from_case, load_cases, put_object, run_python, s3_hash, stream_record

# Per input: generous for a 2-core machine shared with other work, and far
# below what the quadratic and exponential paths took.
SECONDS = 2.0
MEMORY = 64 * 1024 * 1024


def bounded(f, *args, **kwargs):
    """``f(*args)``, checked to be an Outcome made within the bounds."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = f(*args, **kwargs)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert isinstance(outcome, Outcome)
    for issue in outcome.issues:
        assert issue.code and isinstance(issue.message, str) and "\n" not in issue.message
    assert elapsed < SECONDS, f"{elapsed:.2f} s"
    assert peak < MEMORY, f"{peak / 2**20:.0f} MiB"
    return outcome


def triples(outcome):
    return [(p.kind, p.direction, p.hash) for p in outcome.pointers]


# -- configurations interleaved with calls ----------------------------------

CASES = [c for c in load_cases() if c["kind"] in ("response", "event")]


def _configurations(rng):
    huge = {f"table-{i}-" + "x" * 40: ["id"] for i in range(3000)}
    return [
        None,
        '{"orders": "id"}',  # a string where a list belongs: issues
        "orders=id",
        json.dumps(huge),  # a long configuration, and a long output if it had issues
        json.dumps({**{f"t{i}": "not a list" for i in range(2000)}}),  # 2,000 issue lines
        json.dumps({"orders": ["id"], "users": ["id"]}),
    ]


def test_configurations_interleaved_with_calls_of_every_kind(monkeypatch):
    """Configurations valid, with issues, and huge (whose output moves the
    output buffer), then calls whose outputs are shorter than the longest
    seen: every answer is the case's own."""
    rng = random.Random(20261202)
    configurations = _configurations(rng)
    for step in range(600):
        if rng.random() < 0.3:
            text = rng.choice(configurations)
            if text is None:
                monkeypatch.delenv("DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS", raising=False)
            else:
                monkeypatch.setenv("DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS", text)
            span_autolink.reload_environment()
            span_autolink.pointers_for_response("dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}}}, {})
        case = rng.choice(CASES)
        span_autolink.forget_tables()  # each case starts knowing no table
        if case["kind"] == "event":
            outcome = span_autolink.pointers_for_event(from_case(case["event"]))
        else:
            # The case's own configuration, as an argument, wins over the environment's.
            config = case.get("config", case.get("config_text", {}))
            outcome = span_autolink.pointers_for_response(
                case["service"], case["operation"], from_case(case["request"]), from_case(case["response"]),
                dynamodb_primary_keys=config,
            )
        want = [(p["kind"], p["direction"], p["hash"]) for p in case["expect"]["pointers"]]
        assert triples(outcome) == want, (step, case["name"])
        assert codes(outcome) == case["expect"]["issues"], (step, case["name"])


# -- shapes that cost work ---------------------------------------------------


def shared(depth):
    """A value of 2**depth leaves that shares each level's object."""
    x = {"S": "leaf"}
    for _ in range(depth):
        x = {"M": {"a": x, "b": x}}
    return x


@pytest.mark.parametrize("depth", [8, 24, 100])
def test_shared_structure_is_written_once(depth):
    """Shared parts are written once, as references; the module reads at
    most 8 values per input byte, so 2**24 leaves from a few hundred bytes
    are refused (as the Node.js package refuses them at 32 MiB), and 100
    levels of it nest deeper than any AWS input."""
    item = {"id": {"S": "1"}, "shared": shared(depth)}
    outcome = bounded(
        span_autolink.pointers_for_response, "dynamodb", "PutItem", {"TableName": "orders", "Item": item}, {},
        dynamodb_primary_keys={"orders": ["id"]},
    )
    if depth == 8:
        assert triples(outcome) == [("aws.dynamodb.item", "d", ddb_hash("orders", ("id", "1")))]
    else:
        assert outcome.pointers == () and codes(outcome) == ["input_invalid"]


def test_a_wide_item():
    """60,000 attributes, inside DynamoDB's item limit."""
    item = {f"attribute{i}": {"S": "v"} for i in range(60000)}
    item["id"] = {"S": "1"}
    outcome = bounded(
        span_autolink.pointers_for_response, "dynamodb", "PutItem", {"TableName": "orders", "Item": item}, {},
        dynamodb_primary_keys={"orders": ["id"]},
    )
    assert triples(outcome) == [("aws.dynamodb.item", "d", ddb_hash("orders", ("id", "1")))]


def test_a_wide_key_map_in_a_stream_record():
    keys = {f"k{i}": {"S": str(i)} for i in range(60000)}
    outcome = bounded(span_autolink.pointers_for_event, {"Records": [stream_record("orders", keys)]})
    assert outcome.pointers == () and codes(outcome) == ["key_attribute_count"]


def test_a_long_list_is_refused_before_it_is_walked():
    records = [None] * 1_000_001
    outcome = bounded(span_autolink.pointers_for_event, {"Records": records})
    assert codes(outcome) == ["input_invalid"]
    assert "1,000,000 items" in outcome.issues[0].message


def test_a_large_string_outside_the_keys():
    body = "x" * (40 * 1024 * 1024)  # larger than the module reads
    outcome = span_autolink.pointers_for_response(
        "dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}, "body": {"S": body}}}, {},
        dynamodb_primary_keys={"orders": ["id"]},
    )
    assert codes(outcome) == ["input_invalid"] and "32 MiB" in outcome.issues[0].message
    # ...and the next call is right.
    assert triples(span_autolink.pointers_for_response(*put_object())) == [("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")]


# Longer than any input the module reads (MAX_INPUT_BYTES, 32 MiB).
OUTSIZED = 32 * 1024 * 1024 + 10
# Within the bound, and large enough to grow the module's memory past
# where an outsized input would reach.
NEAR_THE_BOUND = 32 * 1024 * 1024 - 100_000


def test_outsized_names_are_no_call_a_rule_reads():
    """Both hosts answer as for any name no rule reads: no pointer, no issue."""
    for service, operation in (("s3", "P" * OUTSIZED), ("d" * OUTSIZED, "PutItem")):
        outcome = span_autolink.pointers_for_response(service, operation, {"Bucket": "b", "Key": "k"}, {"ETag": "e"})
        assert outcome.pointers == () and outcome.issues == ()
    assert triples(span_autolink.pointers_for_response(*put_object())) == [("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")]


@pytest.mark.parametrize("keys", ["text", "mapping"])
def test_an_outsized_key_name_option_is_refused_before_the_call(keys):
    """The option's text goes to the instance as it is: longer than the
    module reads, it is refused as any outsized input is (ABI.md, Bounds),
    with the same answer from both hosts."""
    pad = "x" * OUTSIZED
    option = {"orders": ["id"], "pad": [pad]} if keys == "mapping" else json.dumps({"orders": ["id"], "pad": [pad]})
    put = ("dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}}}, {})
    outcome = span_autolink.pointers_for_response(*put, dynamodb_primary_keys=option)
    assert codes(outcome) == ["input_invalid"] and "32 MiB" in outcome.issues[0].message
    assert triples(span_autolink.pointers_for_response(*put, dynamodb_primary_keys={"orders": ["id"]})) == [
        ("aws.dynamodb.item", "d", ddb_hash("orders", ("id", "1")))
    ]


@pytest.mark.usefixtures("webassembly")
def test_an_outsized_question_leaves_the_instance_whole():
    """The module gives an input longer than the bound no room (ABI.md): an
    outsized hash or name must not be written where the input buffer
    was, over the module's own memory, once an earlier call left that
    memory large enough to hold it. The instance serves on, right."""
    grown = span_autolink.pointers_for_response("s3", "PutObject", {"Bucket": "b", "Key": "k" * NEAR_THE_BOUND}, {"ETag": "e"})
    assert len(grown.pointers) == 1 and grown.issues == ()
    assert span_autolink.keep_for_sampling("f" * OUTSIZED, 1.0) is False
    for _ in range(2):
        outcome = span_autolink.pointers_for_response(*put_object())
        assert outcome.issues == ()
        assert triples(outcome) == [("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")]
    grown = span_autolink.pointers_for_response("s3", "PutObject", {"Bucket": "b", "Key": "k" * NEAR_THE_BOUND}, {"ETag": "e"})
    outcome = span_autolink.pointers_for_response("s3", "P" * OUTSIZED, {}, {})
    assert outcome.pointers == () and outcome.issues == ()
    assert triples(span_autolink.pointers_for_response(*put_object())) == [("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")]


# -- values that raise -------------------------------------------------------


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no message")


class RaisingMapping(Mapping):
    def __init__(self, error):
        self.error = error

    def __getitem__(self, key):
        raise self.error

    def __iter__(self):
        raise self.error

    def __len__(self):
        return 1


class UnprintableText(str):
    def __str__(self):
        raise Unprintable()


@pytest.mark.parametrize(
    "args",
    [
        ("s3", "PutObject", RaisingMapping(Unprintable()), {}),
        ("s3", "PutObject", {"Bucket": "b", "Key": "k"}, RaisingMapping(MemoryError())),
        ("dynamodb", "UpdateItem", {"TableName": "t", "Key": RaisingMapping(Unprintable())}, {}),
        (UnprintableText("s3"), "PutObject", {"Bucket": "b", "Key": "k"}, {"ETag": "e"}),
        ("s3", UnprintableText("PutObject"), {"Bucket": "b", "Key": "k"}, {"ETag": "e"}),
    ],
)
def test_exceptions_that_cannot_be_shown(args):
    bounded(span_autolink.pointers_for_response, *args)


def test_near_the_recursion_limit():
    answers = []

    def descend(n):
        if n == 0:
            answers.append(span_autolink.pointers_for_response(*put_object()))
            answers.append(span_autolink.pointers_for_event({"Records": [stream_record("orders", {"id": {"S": "1"}})]}))
            return
        descend(n - 1)

    limit = sys.getrecursionlimit()
    for margin in range(1, 60):
        try:
            descend(limit - margin - len(_stack()))
        except RecursionError:
            continue  # the test's own frames ran out first
    assert answers and all(isinstance(a, Outcome) for a in answers)


def _stack():
    frames, f = [], sys._getframe()
    while f is not None:
        frames.append(f)
        f = f.f_back
    return frames


def test_not_pointers():
    assert span_autolink.span_link_attributes(None) is None
    assert span_autolink.span_link_attributes("p") is None
    assert span_autolink.span_links_json([None, 1]) == "[]"


# -- what is hashed ----------------------------------------------------------


class LyingBytes(bytes):
    def __bytes__(self):
        return b"something else"


def test_a_bytes_subclass_is_hashed_by_its_content():
    key = {"id": {"B": LyingBytes(b"\x00\x01")}}
    outcome = span_autolink.pointers_for_response("dynamodb", "UpdateItem", {"TableName": "orders", "Key": key}, {})
    assert triples(outcome) == [("aws.dynamodb.item", "d", ddb_hash("orders", ("id", b"\x00\x01")))]


def test_a_lone_surrogate_outside_the_keys_voids_nothing():
    puts = [
        {"PutRequest": {"Item": {"id": {"S": str(i)}, "note": {"S": "caf\udce9" if i == 1 else "ok"}}}} for i in range(3)
    ]
    outcome = span_autolink.pointers_for_response(
        "dynamodb", "BatchWriteItem", {"RequestItems": {"orders": puts}}, {"UnprocessedItems": {}},
        dynamodb_primary_keys={"orders": ["id"]},
    )
    assert triples(outcome) == [("aws.dynamodb.item", "d", ddb_hash("orders", ("id", str(i)))) for i in range(3)]


def test_a_lone_surrogate_in_a_key_reads_as_the_replacement_character():
    outcome = span_autolink.pointers_for_response("s3", "PutObject", {"Bucket": "b", "Key": "caf\udce9"}, {"ETag": '"e"'})
    assert triples(outcome) == [("aws.s3.object", "d", s3_hash("b", "caf\ufffd", "e"))]


# -- odd environments --------------------------------------------------------


class RaisingEnviron(dict):
    def get(self, *args):
        raise RuntimeError("environment unavailable")


def test_an_environment_that_raises(monkeypatch):
    monkeypatch.setattr(os, "environ", RaisingEnviron())
    span_autolink.reload_environment()
    assert span_autolink.settings().enabled
    assert triples(bounded(span_autolink.pointers_for_response, *put_object()))


# -- generated hostile shapes ------------------------------------------------


class Flaky(dict):
    """A dict whose reads raise at random."""

    def __init__(self, rng, *args):
        super().__init__(*args)
        self.rng = rng

    def get(self, key, default=None):
        if self.rng.random() < 0.2:
            raise KeyError(key)
        return super().get(key, default)

    def items(self):
        if self.rng.random() < 0.2:
            raise RuntimeError("items")
        return super().items()


def _hostile(rng, depth=0):
    roll = rng.random()
    if depth > 6 or roll < 0.3:
        return rng.choice(
            ["", "k", "caf\udce9", "\x00", 0, -1, 2**70, 1.5, float("nan"), True, None, b"\xff", bytearray(b"a"),
             memoryview(b"m"), LyingBytes(b"x"), UnprintableText("u"), object(), RaisingMapping(Unprintable())]
        )
    if roll < 0.5:
        return [_hostile(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.6:
        return tuple(_hostile(rng, depth + 1) for _ in range(rng.randint(0, 4)))
    if roll < 0.7:
        x = _hostile(rng, depth + 1)
        return {"a": x, "b": x, "S": x}
    names = ["Records", "eventSource", "s3", "bucket", "object", "key", "eTag", "dynamodb", "Keys", "Bucket", "Key",
             "ETag", "TableName", "Item", "RequestItems", "body", "Sns", "Message", "kinesis", "data", "S", "N", "B"]
    members = {rng.choice(names): _hostile(rng, depth + 1) for _ in range(rng.randint(0, 5))}
    return Flaky(rng, members) if rng.random() < 0.3 else members


def test_generated_hostile_shapes():
    rng = random.Random(20261203)
    calls = [("s3", "PutObject"), ("s3", "CopyObject"), ("dynamodb", "PutItem"), ("dynamodb", "BatchWriteItem"),
             ("dynamodb", "TransactWriteItems"), ("sqs", "ReceiveMessage"), ("kinesis", "GetRecords")]
    for _ in range(1500):
        service, operation = rng.choice(calls)
        bounded(span_autolink.pointers_for_response, service, operation, _hostile(rng), _hostile(rng))
        bounded(span_autolink.pointers_for_event, _hostile(rng))
    # ...and afterwards the package is right.
    assert triples(span_autolink.pointers_for_response(*put_object())) == [("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")]


# -- the compiled-module cache -----------------------------------------------

CACHE_PATH = (
    "import os, span_autolink._runtime as r, span_autolink._cache as c\n"
    "wasm = open(r.WASM_PATH, 'rb').read()\n"
    "api = r._choose_api()\n"
    "key = c.cache_key(wasm, api.version)\n"
    "print(os.path.join(c.directories()[0], f'span_autolink-{key[:40]}.cwasm'))"
)
PROBE = (
    "import json, span_autolink\n"
    "o = span_autolink.pointers_for_response('s3', 'PutObject', {'Bucket': 'some-bucket', 'Key': 'some-key.data'}, {'ETag': '\"ab12ef34\"'})\n"
    "print(json.dumps([p.hash for p in o.pointers] + [i.code for i in o.issues]))"
)


@pytest.mark.parametrize("obstacle", ["fifo", "sparse_4_gib", "sparse_64_gib", "directory"])
def test_whatever_is_at_the_cache_path_the_first_call_answers(tmp_path, obstacle):
    env = {"SPAN_AUTOLINK_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    path = run_python(CACHE_PATH, env=env).strip()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    if obstacle == "fifo":
        os.mkfifo(path, 0o600)
    elif obstacle == "directory":
        os.mkdir(path, 0o700)
    else:
        with open(path, "wb") as f:
            f.truncate((4 if obstacle == "sparse_4_gib" else 64) << 30)
    started = time.perf_counter()
    out = run_python(PROBE, env=env, timeout=60)
    assert json.loads(out.strip().splitlines()[-1]) == ["e721375466d4116ab551213fdea08413"]
    assert time.perf_counter() - started < 30
    if obstacle == "fifo":
        assert stat.S_ISFIFO(os.stat(path).st_mode) or os.path.isfile(path)


def test_a_configuration_that_shares_its_parts():
    span_autolink.forget_tables()  # earlier tests' calls showed `orders`
    outcome = bounded(
        span_autolink.pointers_for_response, "dynamodb", "PutItem", {"TableName": "orders", "Item": {"id": {"S": "1"}}}, {},
        dynamodb_primary_keys={"orders": [shared(40)]},
    )
    assert outcome.pointers == () and "config_invalid" in codes(outcome)


@pytest.mark.usefixtures("webassembly")
def test_memory_an_outsized_input_took_is_given_back():
    from span_autolink import _runtime
    from span_autolink._generated import MEMORY_KEPT

    records = [stream_record("orders", {"id": {"S": f"{i}-" + "x" * 2000}}) for i in range(12000)]
    outcome = span_autolink.pointers_for_event({"Records": records})
    assert len(outcome.pointers) == 12000
    pool = _runtime.runtime.loaded().pool
    assert pool and all(inst.memory_size() <= MEMORY_KEPT for inst in pool)
    assert triples(span_autolink.pointers_for_response(*put_object())) == [("aws.s3.object", "d", "e721375466d4116ab551213fdea08413")]


def test_an_answer_after_a_long_first_answer_is_read_where_the_module_wrote_it():
    # The first call of a fresh interpreter answers 12,000 pointers (within
    # the 1 MiB the module keeps, in a buffer that grew past it): the next
    # answer must be read where the module put it, not where the last was.
    code = (
        "import json, span_autolink\n"
        "from helpers import put_object, stream_record\n"
        "records = [stream_record('orders', {'id': {'S': f'{i}-' + 'x' * 2000}}) for i in range(12000)]\n"
        "n = len(span_autolink.pointers_for_event({'Records': records}).pointers)\n"
        "o = span_autolink.pointers_for_response(*put_object())\n"
        "print(json.dumps([n] + [[p.kind, p.direction, p.hash] for p in o.pointers]))"
    )
    out = run_python(code, env={"PYTHONPATH": os.path.dirname(os.path.abspath(__file__))}, timeout=120)
    assert json.loads(out.strip().splitlines()[-1]) == [12000, ["aws.s3.object", "d", "e721375466d4116ab551213fdea08413"]]
