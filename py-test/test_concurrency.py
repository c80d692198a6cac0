"""Many threads at once, fork, and recovery after a trap."""

import json
import os
import threading

import pytest

import span_autolink
from span_autolink import _runtime
from helpers import ddb_hash, put_object, s3_event, s3_hash, stream_record, triples

# What only the WebAssembly module has (conftest.py, `webassembly`).
pytestmark = pytest.mark.usefixtures("webassembly")

THREADS = 16
CALLS = 2000


def call_and_expect(thread, i):
    """A call that depends on (thread, i), with its expected result
    computed independently."""
    kind = i % 4
    if kind == 0:
        bucket, key, etag = f"bucket-{thread}", f"key/{i}.txt", "%032x" % (thread * 100003 + i)
        outcome = span_autolink.pointers_for_response("s3", "PutObject", {"Bucket": bucket, "Key": key}, {"ETag": f'"{etag}"'})
        return outcome, [("aws.s3.object", "d", s3_hash(bucket, key, etag))]
    if kind == 1:
        table = f"t{thread}"
        outcome = span_autolink.pointers_for_response(
            "dynamodb", "PutItem", {"TableName": table, "Item": {"pk": {"S": str(i)}, "v": {"N": "1"}}}, {},
            dynamodb_primary_keys={table: ["pk"]},  # a configuration of this thread
        )
        return outcome, [("aws.dynamodb.item", "d", ddb_hash(table, ("pk", str(i))))]
    if kind == 2:
        outcome = span_autolink.pointers_for_event(s3_event(f"b{thread}", f"k+{i}", "e"))
        return outcome, [("aws.s3.object", "u", s3_hash(f"b{thread}", f"k {i}", "e"))]
    outcome = span_autolink.pointers_for_event({"Records": [stream_record(f"t{thread}", {"id": {"N": f"{i}.50"}})]})
    return outcome, [("aws.dynamodb.item", "u", ddb_hash(f"t{thread}", ("id", f"{i}.5")))]


def test_many_threads_at_once():
    barrier = threading.Barrier(THREADS)
    errors = []
    done = []

    def work(thread):
        try:
            barrier.wait()
            for i in range(CALLS):
                outcome, want = call_and_expect(thread, i)
                if triples(outcome) != want or outcome.issues:
                    errors.append((thread, i, outcome, want))
                    return
            done.append(thread)
        except Exception as e:  # pragma: no cover
            errors.append((thread, repr(e)))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert sorted(done) == list(range(THREADS))
    # Each concurrent caller had an instance of its own, kept for reuse.
    assert 1 <= len(_runtime.runtime.loaded().pool) <= THREADS


def in_child(fn):
    """Runs fn in a forked child; returns what it returned (as JSON)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            os.write(write, json.dumps(fn()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return json.loads(data)


def child_work():
    outcome = span_autolink.pointers_for_response(*put_object())
    event = span_autolink.pointers_for_event(s3_event("some-bucket", "some-key.data", "ab12ef34"))
    return {
        "response": [list(p) for p in triples(outcome)],
        "event": [list(p) for p in triples(event)],
        "issues": [i.code for i in outcome.issues + event.issues],
        "pid": _runtime.runtime.loaded().pid,
    }


WANT_HASH = "e721375466d4116ab551213fdea08413"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads alive
def test_child_after_fork_computes_correctly():
    span_autolink.pointers_for_response(*put_object())  # loaded in the parent
    parent = _runtime.runtime.loaded()
    got = in_child(child_work)
    assert got["response"] == [["aws.s3.object", "d", WANT_HASH]]
    assert got["event"] == [["aws.s3.object", "u", WANT_HASH]]
    assert got["issues"] == []
    assert got["pid"] != os.getpid()  # the child built its own runtime...
    assert _runtime.runtime.loaded() is parent  # ...and the parent kept its own
    assert triples(span_autolink.pointers_for_response(*put_object()))[0][2] == WANT_HASH


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fork_before_the_first_call():
    _runtime.runtime.reset()
    got = in_child(child_work)
    assert got["response"] == [["aws.s3.object", "d", WANT_HASH]]
    assert triples(span_autolink.pointers_for_response(*put_object()))[0][2] == WANT_HASH


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_fork_while_other_threads_are_calling():
    stop = threading.Event()
    failures = []

    def hammer():
        while not stop.is_set():
            if triples(span_autolink.pointers_for_response(*put_object()))[0][2] != WANT_HASH:
                failures.append("wrong")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(10):
            got = in_child(child_work)
            assert got["response"] == [["aws.s3.object", "d", WANT_HASH]] and got["issues"] == []
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []


def test_after_a_trap_the_next_call_works():
    _runtime.runtime.trap_next = True
    outcome = span_autolink.pointers_for_response(*put_object())
    assert outcome.pointers == ()
    assert [i.code for i in outcome.issues] == ["internal_error"]
    assert "unreachable" in outcome.issues[0].message
    assert triples(span_autolink.pointers_for_response(*put_object()))[0][2] == WANT_HASH

    _runtime.runtime.trap_next = True
    event = s3_event("some-bucket", "some-key.data", "ab12ef34")
    assert [i.code for i in span_autolink.pointers_for_event(event).issues] == ["internal_error"]
    assert triples(span_autolink.pointers_for_event(event))[0][2] == WANT_HASH


def test_a_trapped_instance_is_never_reused():
    span_autolink.pointers_for_response(*put_object())
    before = list(_runtime.runtime.loaded().pool)
    _runtime.runtime.trap_next = True
    span_autolink.pointers_for_response(*put_object())
    after = _runtime.runtime.loaded().pool
    trapped = [inst for inst in before if inst not in after]
    assert len(trapped) == 1 and trapped[0].store is None


def test_a_trap_forgets_the_instances_configuration():
    keys = {"orders": ["id"]}
    request = {"TableName": "orders", "Item": {"id": {"S": "1"}}}
    ok = span_autolink.pointers_for_response("dynamodb", "PutItem", request, {}, dynamodb_primary_keys=keys)
    _runtime.runtime.trap_next = True
    span_autolink.pointers_for_response("dynamodb", "PutItem", request, {}, dynamodb_primary_keys=keys)
    for _ in range(3):
        assert span_autolink.pointers_for_response("dynamodb", "PutItem", request, {}, dynamodb_primary_keys=keys) == ok
        assert [i.code for i in span_autolink.pointers_for_response("dynamodb", "PutItem", request, {}).issues] == [
            "table_not_configured"
        ]


def test_what_one_thread_teaches_serves_every_thread():
    """DynamoDB calls go to the one instance that keeps tables' key names,
    whichever thread makes them, while other calls spread over the pool: a
    GetItem in one thread gives every thread's later puts their pointers."""
    span_autolink.forget_tables()
    module = _runtime.runtime.loaded()
    module.pool.extend(module.new_instance() for _ in range(4))  # several instances to spread over
    # The pool lends its last instance first: after the GetItem, another
    # one comes first; the put must still find what the GetItem taught.
    get = {"TableName": "rotated-table", "Key": {"pk": {"S": "a"}}}
    span_autolink.pointers_for_response("dynamodb", "GetItem", get, {})
    module.pool.insert(0, module.pool.pop())
    put = {"TableName": "rotated-table", "Item": {"pk": {"S": "b"}}}
    assert triples(span_autolink.pointers_for_response("dynamodb", "PutItem", put, {})) == [
        ("aws.dynamodb.item", "d", ddb_hash("rotated-table", ("pk", "b")))
    ]
    barrier = threading.Barrier(8)
    taught = threading.Event()
    results = []  # (got, want) of each put, appended as one pair: threads interleave

    def work(thread):
        barrier.wait()
        if thread == 0:
            span_autolink.pointers_for_response(
                "dynamodb", "GetItem", {"TableName": "threads-table", "Key": {"pk": {"S": "a"}}}, {}
            )
            taught.set()
        taught.wait()
        for i in range(100):
            span_autolink.pointers_for_event(s3_event(f"b{thread}", f"k{i}", "e"))  # keeps the pool busy
            key = f"{thread}-{i}"
            outcome = span_autolink.pointers_for_response(
                "dynamodb", "PutItem", {"TableName": "threads-table", "Item": {"pk": {"S": key}, "n": {"N": "1"}}}, {}
            )
            results.append((triples(outcome), [("aws.dynamodb.item", "d", ddb_hash("threads-table", ("pk", key)))]))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got, want = [r[0] for r in results], [r[1] for r in results]
    assert len(results) == 800 and got == want


def test_an_interrupt_as_the_keyed_lock_is_taken_releases_it():
    """A signal handler's exception (KeyboardInterrupt) is raised where the
    interpreter checks for signals, as after the call that took the lock of
    the instance that keeps tables' key names: the lock must still be
    released, or every later DynamoDB call in the process waits forever.
    The interrupt is raised here, by a trace function, at the first
    instruction of ``serve`` that runs with the lock held."""
    import sys

    key = {"pk": {"S": "a"}}
    update = ("dynamodb", "UpdateItem", {"TableName": "interrupted", "Key": key}, {})
    span_autolink.pointers_for_response(*update)
    module = _runtime.runtime.loaded()
    serve = _runtime.Runtime.serve.__code__
    fired = []

    def opcode(frame, event, arg):
        if event == "opcode" and not fired and module.keyed_lock.locked():
            fired.append(frame.f_lasti)
            raise KeyboardInterrupt
        return opcode

    def calls(frame, event, arg):
        if frame.f_code is serve:
            frame.f_trace_opcodes = True
            return opcode
        return None

    sys.settrace(calls)
    try:
        with pytest.raises(KeyboardInterrupt):
            span_autolink.pointers_for_response(*update)
    finally:
        sys.settrace(None)
    held = module.keyed_lock.locked()
    if held:
        module.keyed_lock.release()  # so that the calls after this test do not wait forever
    assert len(fired) == 1 and not held
    assert triples(span_autolink.pointers_for_response(*update)) == [
        ("aws.dynamodb.item", "d", ddb_hash("interrupted", ("pk", "a")))
    ]


@pytest.mark.parametrize("keyed", [False, True])
def test_a_second_interrupt_as_close_starts_lends_the_instance_no_more(keyed):
    """An interrupt during a call closes its instance; a second one, raised
    as ``close()`` starts, leaves it open. It must still never be lent
    again: not put back in the pool, not kept as the instance that serves
    DynamoDB calls."""
    import sys

    runtime = _runtime.runtime
    span_autolink.pointers_for_response(*put_object())
    module = runtime.loaded()
    used = []

    def work(inst):
        used.append(inst)
        raise KeyboardInterrupt

    close = type(module.pool[-1]).close.__code__
    fired = []

    def calls(frame, event, arg):
        if event == "call" and frame.f_code is close and not fired:
            fired.append(True)
            raise KeyboardInterrupt
        return None

    sys.settrace(calls)
    try:
        with pytest.raises(KeyboardInterrupt):
            (runtime.using_keyed if keyed else runtime.using)(work)
    finally:
        sys.settrace(None)
    (inst,) = used
    lent = module.keyed_slot[0] is inst if keyed else any(p is inst for p in module.pool)
    open_still = inst.store is not None
    inst.close()
    assert fired == [True] and open_still and not lent
    assert triples(span_autolink.pointers_for_response(*put_object())) == [
        ("aws.s3.object", "d", s3_hash("some-bucket", "some-key.data", "ab12ef34"))
    ]
    update = ("dynamodb", "UpdateItem", {"TableName": "closed-twice", "Key": {"pk": {"S": "a"}}}, {})
    assert triples(span_autolink.pointers_for_response(*update)) == [
        ("aws.dynamodb.item", "d", ddb_hash("closed-twice", ("pk", "a")))
    ]
