"""Survival of linked pairs under sampling, independent against pointer
sampling, in both runtimes: ``make bench-sampling``.

For each rate, N generated hops (a producer trace and a consumer trace
carrying the same pointer) go through the real tracer, dd-trace-js
(js-test/e2e/tracers/hops.js) or ddtrace (py-test/e2e/sampling_hops.py),
sampling at that rate and sending to Datadog's test agent, once sampled
independently and once with span-autolink's pointer sampling at the same
rate. A pair survives when the agent received both traces kept (sampling
priority above 0). Expected: r^2 of the pairs independently, and
r + (1 - r) r^2 with pointer sampling (the pairs the rule keeps, and the
others as before).

    python bench/sampling/survival.py [--hops N] [--rates 0.01,0.1,0.5]

make test asserts the 0.1 case on 2,000 hops (sampling.test.js,
test_sampling_e2e.py); this prints the table for the issue's three rates.
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "py-test", "e2e"))

import ddtrace_support  # noqa: E402
import sampling_hops  # noqa: E402

HOPS_JS = os.path.join(ROOT, "js-test", "e2e", "tracers", "hops.js")


def python_run(agent, rate, hops):
    # In batches, the agent cleared in between: it loses payloads once it
    # holds some tens of thousands of traces (hops.js does the same).
    # chosen: the hops the keep rule keeps; chosenWhole: those kept whole.
    total = {"rate": rate, "hops": hops, "independent": 0, "pointer": 0, "chosen": 0, "chosenWhole": 0}
    for first in range(0, hops, sampling_hops.HOPS):
        batch = range(first, min(hops, first + sampling_hops.HOPS))
        ddtrace_support.clear(agent)
        ddtrace_support.run_child(sampling_hops.SOURCE, agent, argv=[str(rate), str(len(batch)), str(first)], timeout=600)
        sides = sampling_hops.survival(ddtrace_support.received_spans(agent))
        if len(sides) != 4 * len(batch):
            raise SystemExit(f"ddtrace: the agent got {len(sides)} root spans of {4 * len(batch)}")
        for mode in ("independent", "pointer"):
            total[mode] += len(sampling_hops.whole_pairs(sides, mode, batch))
        chosen = [i for i in batch if sampling_hops.rule_keeps(sampling_hops.hop_hash(i), rate)]
        total["chosen"] += len(chosen)
        total["chosenWhole"] += len(set(chosen) & set(sampling_hops.whole_pairs(sides, "pointer", batch)))
    return total


def node_run(agent, rate, hops):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    done = subprocess.run(
        ["node", HOPS_JS, agent, str(rate), str(hops)], capture_output=True, text=True, env=env, timeout=3600
    )
    if done.returncode != 0:
        raise SystemExit(f"hops.js failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hops", type=int, default=20000)
    parser.add_argument("--rates", default="0.01,0.1,0.5")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    rows = []
    with ddtrace_support.running() as agent:
        for rate in rates:
            for runtime, run in (("Node.js (dd-trace 6.21)", node_run), ("Python (ddtrace 4.16)", python_run)):
                result = run(agent, rate, args.hops)
                rows.append((runtime, result))
                print(f"# {runtime}: {json.dumps(result)}", file=sys.stderr)
    load = os.getloadavg()
    print(f"Survival of linked pairs, {args.hops:,} hops per rate, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print()
    print(
        "| rate | runtime | independent sampling: whole pairs | pointer sampling: whole pairs"
        " | expected: r² / r + (1-r)r² | hops the rule keeps, kept whole |"
    )
    print("|---|---|---|---|---|---|")
    for runtime, r in rows:
        n, rate = r["hops"], r["rate"]
        share = lambda count: f"{count:,} ({100 * count / n:.3g}%)"  # noqa: E731
        expected = f"{100 * rate**2:.3g}% / {100 * (rate + (1 - rate) * rate**2):.3g}%"
        chosen = f"{r['chosenWhole']:,} of {r['chosen']:,}"
        print(f"| {rate:g} | {runtime} | {share(r['independent'])} | {share(r['pointer'])} | {expected} | {chosen} |")


if __name__ == "__main__":
    main()
