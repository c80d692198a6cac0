"""Helpers of the span_autolink tests: the conformance file, expected
hashes computed independently (SPEC section 1), subprocesses."""

import base64
import hashlib
import json
import os
import subprocess
import sys
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES_PATH = os.path.join(ROOT, "conformance", "cases.json")


def from_case(value):
    """A case's JSON value as a Python caller hands it over:
    ``{"$bytes": b64}`` becomes bytes."""
    if isinstance(value, dict):
        if set(value) == {"$bytes"} and isinstance(value["$bytes"], str):
            return base64.b64decode(value["$bytes"])
        return {k: from_case(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_case(v) for v in value]
    return value


def load_cases():
    with open(CASES_PATH, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)["cases"]


def std_hash(*components):
    data = b"|".join(c if isinstance(c, bytes) else c.encode("utf-8") for c in components)
    return hashlib.sha256(data).hexdigest()[:32]


def s3_hash(bucket, key, etag):
    return std_hash(bucket, key, etag)


def ddb_hash(table, *attrs):
    """attrs: (name, value bytes-or-text) pairs."""
    attrs = sorted(attrs, key=lambda a: a[0].encode("utf-8"))
    flat = []
    for name, value in attrs:
        flat += [name, value]
    while len(flat) < 4:
        flat.append(b"")
    return std_hash(table, *flat)


def triples(outcome):
    return [(p.kind, p.direction, p.hash) for p in outcome.pointers]


def codes(outcome):
    return [i.code for i in outcome.issues]


def put_object(bucket="some-bucket", key="some-key.data", etag='"ab12ef34"'):
    return ("s3", "PutObject", {"Bucket": bucket, "Key": key}, {"ETag": etag})


def s3_event(bucket, key, etag, event_name="ObjectCreated:Put"):
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventName": event_name,
                "s3": {"bucket": {"name": bucket}, "object": {"key": key, "eTag": etag, "size": 1}},
            }
        ]
    }


def stream_record(table, keys, event_name="INSERT", partition="aws"):
    return {
        "eventID": "1",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {"Keys": keys, "NewImage": dict(keys), "SequenceNumber": "1", "SizeBytes": 10},
        "eventSourceARN": f"arn:{partition}:dynamodb:us-east-1:123456789012:table/{table}/stream/2024-06-10T19:26:16.525",
    }


def run_python(code, env=None, cwd=None, prefix=(), flags=(), timeout=120):
    """Runs ``code`` in a fresh interpreter of this environment; returns
    its stdout (and fails with its stderr when it exits non-zero)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        list(prefix) + [sys.executable, *flags, "-c", code],
        env=full_env,
        cwd=cwd or os.path.dirname(CASES_PATH),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout
