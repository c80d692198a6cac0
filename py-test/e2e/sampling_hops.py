"""Generated hops through ddtrace, for pointer sampling: ``SOURCE`` runs in
a child process (``ddtrace_support.run_child(SOURCE, agent, argv=[RATE,
HOPS, FIRST])``, hops FIRST to FIRST + HOPS - 1) whose ddtrace samples at
RATE and sends to the test agent, and ``survival`` reads back what the
agent received. Used by test_sampling_e2e.py and bench/sampling/survival.py.

Each hop is a producer trace and a consumer trace whose spans carry the
same pointer, twice: once sampled independently (mode "independent"),
once with pointer sampling at RATE (mode "pointer"). In each trace a root
span, tagged with its mode, hop and side, has its sampling decided before
the pointer is known (as when a trace's context is injected into an
outgoing call: the decision goes out as the tag ``decided``), then a child
span gets the pointer through ``span_autolink.ddtrace.add_pointers``. So
the decision pointer sampling overrides is already made, and a sampled-out
one must not win.

The hop's hash is the first 32 hex digits of SHA-256("hop N").
"""

import hashlib
import textwrap

HOPS = 2000

SOURCE = textwrap.dedent(
    """
    import hashlib, json, os, sys

    rate, hops, first = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    os.environ.update({
        "DD_TRACE_SAMPLING_RULES": json.dumps([{"sample_rate": rate}]),
        "DD_TRACE_RATE_LIMIT": str(hops * 10),
        # Client-side stats would let the tracer drop sampled-out traces
        # itself: the agent must see every trace and its priority.
        "DD_TRACE_STATS_COMPUTATION_ENABLED": "false",
        "DD_SERVICE": "span-autolink-sampling",
    })
    from ddtrace.propagation.http import HTTPPropagator
    from ddtrace.trace import tracer

    import span_autolink
    import span_autolink.ddtrace as sad

    for i in range(first, first + hops):
        h = hashlib.sha256(f"hop {i}".encode()).hexdigest()[:32]
        for mode, sampling in (("independent", None), ("pointer", rate)):
            for direction in ("d", "u"):
                with tracer.trace("hop", resource=f"{mode}-{direction}") as root:
                    root.set_tag("hop", str(i))
                    root.set_tag("mode", mode)
                    root.set_tag("side", direction)
                    headers = {}
                    HTTPPropagator.inject(root, headers)
                    root.set_tag("decided", headers.get("x-datadog-sampling-priority", "none"))
                    with tracer.trace("pointer") as span:
                        pointer = span_autolink.Pointer("aws.s3.object", direction, h, None)
                        outcome = sad.add_pointers(span, span_autolink.Outcome((pointer,), ()), pointer_sampling=sampling)
                        assert outcome.issues == (), outcome.issues
        # In batches: the writer drops what does not fit its buffer.
        if i % 100 == 99:
            tracer.flush()
    tracer.shutdown()
    """
)


def hop_hash(i):
    return hashlib.sha256(f"hop {i}".encode()).hexdigest()[:32]


def rule_keeps(h, rate):
    """The keep rule, from its statement (core/src/sampling.rs), not the
    package's: R is the number the hash's last 14 hex digits spell, T =
    (1 - rate) * 2^56 in doubles, truncated, a rate above 1 being 1; keep
    when R >= T. A rate of 0 or below keeps nothing, nor does text that is
    not 32 lowercase hex digits. test_sampling_e2e.py checks it against the
    conformance sampling cases."""
    if len(h) != 32 or any(c not in "0123456789abcdef" for c in h) or not rate > 0:
        return False
    return int(h[18:], 16) >= int((1.0 - min(rate, 1.0)) * 2.0**56)


class Side:
    """One trace as the agent received it: its root's sampling, and whether
    the pointer's span carries span_autolink.keep (``tagged``)."""

    def __init__(self, span, tagged):
        self.priority = span.get("metrics", {}).get("_sampling_priority_v1")
        self.decided = span["meta"].get("decided")
        self.mechanism = span["meta"].get("_dd.p.dm")
        self.tagged = tagged

    @property
    def kept(self):
        return self.priority is not None and self.priority > 0


def survival(spans):
    """{(mode, hop, side): Side} of the agent's spans. A payload the writer
    sent again arrives twice: one entry per side of a hop."""
    tagged = {
        s["trace_id"] for s in spans if s.get("name") == "pointer" and s.get("meta", {}).get("span_autolink.keep") == "true"
    }
    sides = {}
    for span in spans:
        meta = span.get("meta", {})
        if span.get("name") == "hop" and "mode" in meta:
            sides[(meta["mode"], int(meta["hop"]), meta["side"])] = Side(span, span["trace_id"] in tagged)
    return sides


def whole_pairs(sides, mode, hops):
    """The hops (of the range ``hops``) whose two sides were both kept."""
    return [i for i in hops if sides[(mode, i, "d")].kept and sides[(mode, i, "u")].kept]
