"""Pointer sampling end to end (issue 25): both sides of a hop keep or drop
their traces together, decided from the pointer.

- ddtrace samples its traces at 10% and sends what it decided to Datadog's
  test agent. Over 2,000 generated hops (sampling_hops.py), the pairs that
  survive whole are about 1% when the two traces are sampled independently,
  and about 10% when span_autolink.ddtrace's pointer sampling asks ddtrace
  to keep the traces whose pointer the keep rule keeps; every such pair
  survives on both sides, also where ddtrace had already sampled the trace
  out, and pointer sampling keeps nothing else.
- Through the real integrations (ddtrace's botocore spans against moto,
  datadog-lambda invocations of the S3 notifications, ddtrace sampling
  nothing): exactly the writes and invocations whose pointer the rule
  keeps arrive kept, on both sides.
- OpenTelemetry (the real SDK and botocore instrumentation): exactly the
  spans whose pointer the rule keeps carry ``span_autolink.keep = True``.

Which pointers the rule keeps is derived from the hash's hex digits
(``sampling_hops.rule_keeps``, as core/src/sampling.rs states the rule),
checked here against the conformance sampling cases, never by the package.
"""

import json
import math
import os

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import span_autolink
import span_autolink.opentelemetry as sa_otel
from ddtrace_support import LAMBDA_CONSUMER, clear, pointer_links, received_spans, run_child
from e2e_support import ROOT, drain, notifying_bucket, sqs_lambda_event, std_hash
from sampling_hops import HOPS, SOURCE, hop_hash, rule_keeps, survival, whole_pairs

RATE = 0.1
# The exact checks: a rate that keeps about half, so both sets are large.
EXACT_RATE = 0.5
KEYS = [f"sampled object {i:02d}.txt" for i in range(24)]

with open(os.path.join(ROOT, "conformance", "cases.json"), encoding="utf-8") as _f:
    SAMPLING_CASES = [c for c in json.load(_f)["cases"] if c["kind"] == "sampling"]


def binomial_bounds(n, p, sds=5):
    """Counts within ``sds`` standard deviations of n draws at p."""
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    return max(0, math.floor(mean - sds * sd)), math.ceil(mean + sds * sd)


def test_the_rule_as_written_here_agrees_with_the_conformance_cases():
    assert len(SAMPLING_CASES) >= 10
    for case in SAMPLING_CASES:
        assert rule_keeps(case["hash"], float(case["rate"])) is case["keep"], case["name"]


def test_ddtrace_pointer_sampling_keeps_both_sides_of_a_hop_together(agent):
    clear(agent)
    run_child(SOURCE, agent, argv=[str(RATE), str(HOPS), "0"], timeout=600)
    sides = survival(received_spans(agent))
    assert len(sides) == 4 * HOPS, f"the agent got {len(sides)} root spans of {4 * HOPS}"
    assert {s.decided for s in sides.values()} <= {"2", "-1"}, "ddtrace decided before the pointer, by its rule"

    independent = len(whole_pairs(sides, "independent", range(HOPS)))
    pointer = len(whole_pairs(sides, "pointer", range(HOPS)))
    # Independent: both sides at r, r^2 (20 of 2,000). Pointer sampling: the
    # rule keeps r of the hops, and the rest still survive at r^2.
    low, high = binomial_bounds(HOPS, RATE**2)
    assert low <= independent <= high, f"independent sampling kept {independent} whole pairs of {HOPS}"
    low, high = binomial_bounds(HOPS, RATE + (1 - RATE) * RATE**2)
    assert low <= pointer <= high, f"pointer sampling kept {pointer} whole pairs of {HOPS}"

    chosen = {i for i in range(HOPS) if rule_keeps(hop_hash(i), RATE)}
    low, high = binomial_bounds(HOPS, RATE)
    assert low <= len(chosen) <= high, f"{len(chosen)} hops chosen by the rule"
    overridden = 0
    for i in range(HOPS):
        for direction in ("d", "u"):
            side = sides[("pointer", i, direction)]
            assert side.tagged == (i in chosen), f"hop {i} {direction}: span_autolink.keep"
            if i in chosen:
                # Kept by a manual keep, whatever ddtrace had decided.
                assert side.kept and side.priority == 2, f"hop {i} {direction}: the rule keeps it, priority {side.priority}"
                if side.decided == "-1":
                    assert side.mechanism == "-4", f"hop {i} {direction}: kept, but not by a manual keep"
                    overridden += 1
            else:
                # Nothing but ddtrace's own decision.
                assert side.kept == (side.decided == "2"), f"hop {i} {direction}: not chosen, yet {side.priority}"
            independent_side = sides[("independent", i, direction)]
            assert independent_side.kept == (independent_side.decided == "2")
            assert not independent_side.tagged
    assert overridden > len(chosen), "few chosen sides had been sampled out before their pointer"
    print(f"\nddtrace, rate {RATE}, {HOPS} hops: independent sampling kept {independent} whole pairs, pointer sampling {pointer}")


PRODUCER = """
import json, sys
import ddtrace
ddtrace.patch(botocore=True)
import span_autolink.ddtrace as sad
assert sad.instrument()
import boto3
from botocore.config import Config
from ddtrace.trace import tracer

bucket, keys = json.load(sys.stdin)
s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
etags = [s3.put_object(Bucket=bucket, Key=key, Body=key.encode())["ETag"] for key in keys]
tracer.shutdown()
print(json.dumps(etags))
"""


def kept_traces(spans):
    """{trace id: kept} by the sampling priority of each trace's root."""
    return {s["trace_id"]: s.get("metrics", {}).get("_sampling_priority_v1", 0) > 0 for s in spans if not s.get("parent_id")}


def tagged(span):
    return span.get("meta", {}).get("span_autolink.keep") == "true"


def test_ddtrace_and_datadog_lambda_keep_exactly_what_the_rule_keeps(aws, agent):
    bucket, queue = "e2e-sampled-dd", "e2e-sampled-dd-q"
    _, sqs, queue_url, queue_arn = notifying_bucket(aws, bucket, queue)
    # ddtrace keeps no trace of its own accord; pointer sampling from the
    # environment, as a deployment sets it.
    sampling = {"DD_TRACE_SAMPLING_RULES": '[{"sample_rate": 0}]', "SPAN_AUTOLINK_POINTER_SAMPLING": str(EXACT_RATE)}

    clear(agent)
    etags = json.loads(run_child(PRODUCER, agent, stdin=json.dumps([bucket, KEYS]), extra_env=sampling).splitlines()[-1])
    hashes = [std_hash(bucket, key, etag.strip('"')) for key, etag in zip(KEYS, etags)]
    spans = received_spans(agent)
    kept = kept_traces(spans)
    producer = {}
    for span in spans:
        if span.get("meta", {}).get("aws.operation") == "PutObject":
            (link,) = pointer_links(span)
            producer[link["ptr.hash"]] = (kept[span["trace_id"]], tagged(span))
    assert sorted(producer) == sorted(hashes)

    # One invocation per notification, each with one pointer.
    events = [sqs_lambda_event([m], queue_arn) for m in drain(sqs, queue_url, len(KEYS))]
    clear(agent)
    run_child(
        LAMBDA_CONSUMER,
        agent,
        stdin=json.dumps(events),
        extra_env={**sampling, "AWS_LAMBDA_FUNCTION_NAME": "dd-consumer", "DD_FLUSH_TO_LOG": "false", "DD_LOCAL_TEST": "true"},
    )
    spans = received_spans(agent)
    kept = kept_traces(spans)
    consumer = {}
    for span in spans:
        for link in pointer_links(span):
            assert link["ptr.dir"] == "u"
            consumer[link["ptr.hash"]] = (kept[span["trace_id"]], tagged(span))
    assert sorted(consumer) == sorted(hashes)

    # (trace kept, span tagged span_autolink.keep)
    expected = {h: (rule_keeps(h, EXACT_RATE),) * 2 for h in hashes}
    assert 0 < sum(keep for keep, _ in expected.values()) < len(hashes)
    assert producer == expected
    assert consumer == expected


def test_opentelemetry_marks_exactly_the_spans_whose_pointer_the_rule_keeps(aws, monkeypatch):
    bucket, queue = "e2e-sampled-otel", "e2e-sampled-otel-q"
    s3, sqs, queue_url, queue_arn = notifying_bucket(aws, bucket, queue)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = sa_otel.instrument_botocore(tracer_provider=provider, pointer_sampling=EXACT_RATE)
    try:
        hashes = []
        for key in KEYS:
            etag = s3.put_object(Bucket=bucket, Key=key, Body=key.encode())["ETag"]
            hashes.append(std_hash(bucket, key, etag.strip('"')))
        messages = drain(sqs, queue_url, len(KEYS))  # a worker's ReceiveMessage spans
    finally:
        instrumentor.uninstrument()
    expected = {h: rule_keeps(h, EXACT_RATE) for h in hashes}
    assert 0 < sum(expected.values()) < len(hashes)

    def marked(span):
        value = span.attributes.get(sa_otel.KEEP_ATTRIBUTE)
        assert value in (None, True), value
        return value is True

    puts = [s for s in exporter.get_finished_spans() if s.name == "S3.PutObject"]
    assert {pointer_links_of(s)[0]: marked(s) for s in puts} == expected
    receives = [s for s in exporter.get_finished_spans() if s.name == "SQS.ReceiveMessage"]
    assert sorted(h for s in receives for h in pointer_links_of(s)) == sorted(hashes)
    for span in receives:
        assert marked(span) == any(expected[h] for h in pointer_links_of(span)), pointer_links_of(span)

    # Lambda consumers, one invocation per notification: first without the
    # setting (nothing marked), then with it, read from the environment.
    tracer = provider.get_tracer("span-autolink-test")

    @sa_otel.with_pointers
    def handler(event, context):
        return trace.get_current_span()

    def invoke_all():
        consumer = {}
        for message in messages:
            with tracer.start_as_current_span("invocation"):
                span = handler(sqs_lambda_event([message], queue_arn), None)
            (h,) = pointer_links_of(span)
            consumer[h] = marked(span)
        return consumer

    assert invoke_all() == {h: False for h in hashes}
    monkeypatch.setenv("SPAN_AUTOLINK_POINTER_SAMPLING", str(EXACT_RATE))
    span_autolink.reload_environment()
    assert invoke_all() == expected


def pointer_links_of(span):
    return [link.attributes["ptr.hash"] for link in span.links if link.attributes.get("link.kind") == "span-pointer"]
