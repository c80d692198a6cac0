#!/usr/bin/env python3
"""Writes docs/compatibility.md from the results of the end-to-end suites.

    python3 docs/compatibility.py            # check, then write docs/compatibility.md
    python3 docs/compatibility.py --check    # check only

Reads target/compat/*.json, whichever exist: python.json (written by the
Python suite, py-test/e2e, in `make test-python`) and node.json (the Node.js
suite, js-test/e2e, in `make test-js`), in the shape
py-test/e2e/e2e_support.py describes. Exits non-zero,
and writes nothing, unless span-autolink links in every flow of every file,
with the key-name setting and (for the flows that put items) without it,
and, in every flow where a Datadog library links too, that library's hashes
equal span-autolink's. Standard library only.
"""

import argparse
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "target", "compat")
OUT = os.path.join(ROOT, "docs", "compatibility.md")
OURS = "span-autolink"
COMMAND = "python3 docs/compatibility.py"

LANGUAGES = {"python": "Python", "node": "Node.js", "nodejs": "Node.js", "js": "Node.js"}
ORDER = ["python", "node", "nodejs", "js"]
SECTIONS = [("s3-", "S3: object written, notification to a Lambda"), ("ddb-", "DynamoDB: item written, stream to a Lambda")]


def language_name(run):
    return LANGUAGES.get(run["language"], run["language"])


def load(directory):
    runs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as f:
            run = json.load(f)
        run["_path"] = os.path.relpath(path, ROOT)
        runs.append(run)
    runs.sort(key=lambda r: (ORDER.index(r.get("language")) if r.get("language") in ORDER else len(ORDER), r["_path"]))
    return runs


def check(runs, directory=RESULTS):
    """Every problem found, as sentences; empty when all is well."""
    problems = []
    if not runs:
        return [f"no results in {os.path.relpath(directory, ROOT)}/*.json: run the end-to-end suites first (make test-python test-js)"]
    for run in runs:
        where = run["_path"]
        for field in ("language", "libraries", "flows"):
            if field not in run:
                problems.append(f"{where}: no `{field}`")
        if problems:
            continue
        if OURS not in run["libraries"]:
            problems.append(f"{where}: `libraries` does not name {OURS}")
            continue
        if not run["flows"]:
            problems.append(f"{where}: no flows")
        failed = run.get("run", {}).get("failed") or []
        if failed:
            problems.append(f"{where}: written by a run with {len(failed)} failed test(s): {', '.join(failed[:5])}")
        seen = set()
        for flow in run["flows"]:
            fid = flow.get("id")
            if fid in seen:
                problems.append(f"{where}: flow {fid} appears twice")
            seen.add(fid)
            results = flow.get("results", {})
            missing = [lib for lib in run["libraries"] if lib not in results]
            if missing:
                problems.append(f"{where}: {fid}: no result for {', '.join(missing)}")
                continue
            ours = results[OURS]
            if not ours.get("links") or not links(ours):
                problems.append(f"{where}: {fid}: span-autolink does not link ({ours.get('why', 'no reason given')})")
                continue
            for lib in run["libraries"]:
                r = results[lib]
                if r.get("links") != links(r):
                    problems.append(f"{where}: {fid}: {lib}: `links` does not match its hashes")
                if lib == OURS or not r.get("links"):
                    continue
                if set(r["producer"]) != set(ours["producer"]) or set(r["consumer"]) != set(ours["consumer"]):
                    problems.append(
                        f"{where}: {fid}: {lib} links, but with other hashes than span-autolink "
                        f"(producer {r['producer']} vs {ours['producer']}, consumer {r['consumer']} vs {ours['consumer']})"
                    )
            problems += no_key_problems(where, fid, run["libraries"], results)
    return problems


def no_key_problems(where, fid, libraries, results):
    """What is wrong with a flow's results with no key setting (flows that put items)."""
    problems = []
    with_entry = [lib for lib in libraries if "no_key_setting" in results[lib]]
    if not with_entry:
        return problems
    if len(with_entry) != len(libraries):
        return [f"{where}: {fid}: no `no_key_setting` result for {', '.join(set(libraries) - set(with_entry))}"]
    ours = results[OURS]["no_key_setting"]
    for lib in libraries:
        r = results[lib]["no_key_setting"]
        judged = {"producer": r.get("producer"), "consumer": results[lib].get("consumer")}
        if r.get("links") != links(judged):
            problems.append(f"{where}: {fid}: {lib}: `no_key_setting.links` does not match its hashes")
        elif lib == OURS and not r["links"]:
            problems.append(f"{where}: {fid}: span-autolink does not link with no key setting ({r.get('why', 'no reason given')})")
        elif lib != OURS and r["links"] and set(r["producer"]) != set(ours["producer"]):
            problems.append(f"{where}: {fid}: {lib} links with no key setting, but with other hashes than span-autolink")
    return problems


def no_key_flows(run, lib):
    """The flows of a run that put items, and how many of them link for `lib` with no key setting."""
    flows = [f for f in run["flows"] if "no_key_setting" in f["results"].get(lib, {})]
    return len(flows), sum(1 for f in flows if f["results"][lib]["no_key_setting"]["links"])


def share(linked, total):
    return f"{linked} of {total} ({100 * linked / total:.0f}%)" if total else "none run"


def links(result):
    producer, consumer = result.get("producer") or [], result.get("consumer") or []
    return bool(producer) and bool(consumer) and set(producer) == set(consumer)


def emulator_notes(flow):
    notes = flow.get("emulator_notes", flow.get("emulator_note", []))
    return [notes] if isinstance(notes, str) else list(notes)


def cell_text(text):
    return text.replace("|", "\\|").replace("\n", " ")


def reason_kind(why):
    """A reason without its example values: for the summary."""
    return re.sub(r"\s*[:(].*$", "", why).strip()


def render(runs):
    columns = [(run, lib) for run in runs for lib in run["libraries"]]
    # Rows: every flow id, in the order of the first run that has it.
    rows, descriptions = [], {}
    for run in runs:
        for flow in run["flows"]:
            if flow["id"] not in descriptions:
                rows.append(flow["id"])
                descriptions[flow["id"]] = flow.get("flow", "")
    by_run = [{flow["id"]: flow for flow in run["flows"]} for run in runs]
    all_rows = list(rows)
    notes = []  # distinct emulator notes, numbered in order of appearance

    def note_number(text):
        if text not in notes:
            notes.append(text)
        return notes.index(text) + 1

    def cell(run_index, lib, fid):
        flow = by_run[run_index].get(fid)
        if flow is None:
            return "not run"
        r = flow["results"][lib]
        text = "links" if r["links"] else f"**no**: {r.get('why', '')}"
        under = r.get("under_emulator")
        flow_notes = emulator_notes(flow)
        if flow_notes:
            if under is not None and under.get("links") != r["links"]:
                text += f"; as moto delivered it: {'links' if under.get('links') else 'no'}"
            text += " [" + ", ".join(str(n) for n in sorted(note_number(n) for n in flow_notes)) + "]"
        return cell_text(text)

    out = []
    out.append("# Span pointers end to end: compatibility")
    out.append("")
    out.append(
        f"<!-- Generated by `{COMMAND}` from target/compat/*.json. Do not edit by hand: "
        "run the end-to-end suites, then that command. -->"
    )
    out.append("")
    out.append(
        f"Generated by `{COMMAND}` from the results files of the end-to-end suites "
        "(`make test-python` writes `target/compat/python.json`, `make test-js` writes `target/compat/node.json`). "
        "Each suite writes objects and items with a real AWS SDK against moto's server mode "
        "(a local S3, SQS, DynamoDB and DynamoDB Streams on 127.0.0.1), computes producer pointers on the real "
        "requests and responses, receives what the service delivered (the S3 notification through SQS, the "
        "table's stream records), and computes consumer pointers on the Lambda event built from it."
    )
    out.append("")
    out.append("| run | results | date (UTC) | commit | versions | emulator |")
    out.append("|---|---|---|---|---|---|")
    for run in runs:
        info = run.get("run", {})
        versions = ", ".join(f"{k} {v}" for k, v in run.get("versions", {}).items() if v)
        out.append(
            "| "
            + " | ".join(
                cell_text(x)
                for x in (
                    language_name(run),
                    f"`{run['_path']}`",
                    info.get("date", "?"),
                    info.get("commit") or "?",
                    versions or "?",
                    info.get("emulator", "?"),
                )
            )
            + " |"
        )
    out.append("")
    out.append(
        "A library **links** in a flow when its consumer computes the same pointer hashes as its producer: "
        "the Datadog backend can then join the producer's span and the Lambda's span. "
        "span-autolink links in every row and, in every row where a Datadog library links too, "
        "that library's hashes equal span-autolink's; the generator checks both and fails otherwise."
    )
    out.append("")
    out.append(
        "Where moto delivers something AWS does not, the row is judged on the event as AWS delivers it "
        "(the suite corrects exactly what the numbered note says) and the cell also tells what happened "
        "with the event as moto delivered it, when that differs."
    )
    out.append("")

    # Summary.
    out.append("## Summary")
    out.append("")
    out.append("| library | flows | links | does not link | no key setting: put flows that link |")
    out.append("|---|---|---|---|---|")
    for run in runs:
        for lib in run["libraries"]:
            linked = sum(1 for f in run["flows"] if f["results"][lib]["links"])
            total = len(run["flows"])
            puts, puts_linked = no_key_flows(run, lib)
            out.append(f"| {language_name(run)}: {lib} | {total} | {linked} | {total - linked} | {share(puts_linked, puts)} |")
    out.append("")
    out.append(
        "**No key setting**: the flows that put items (PutItem, a BatchWriteItem `PutRequest`, a TransactWriteItems "
        "`Put`, the document clients' and boto3's resource puts) computed again with no key-name setting at all "
        "(`DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS` / `DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS` unset): span-autolink then "
        "knows each table's key names only from the application's own calls (here the CreateTable of each table), "
        "passed to it in order as its integrations pass them; the Datadog libraries give no pointer for a put "
        "without that setting. The tracer suites (js-test/e2e/tracers, py-test/e2e) check the same with every "
        "integration for tables known only from a GetItem, an UpdateItem or a DescribeTable."
    )
    out.append("")
    out.append("Why the Datadog libraries do not link (a flow can have more than one reason):")
    out.append("")
    for run in runs:
        for lib in run["libraries"]:
            if lib == OURS:
                continue
            counts = {}
            for flow in run["flows"]:
                r = flow["results"][lib]
                if r["links"]:
                    continue
                for why in r.get("why", "no reason given").split("; "):
                    kind = reason_kind(why)
                    counts.setdefault(kind, []).append(flow["id"])
            for kind, ids in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                out.append(f"- {language_name(run)}, {lib}: {kind}: {len(ids)} flows")
    out.append("")

    header = ["flow", "what"] + [f"{language_name(run)}: {lib}" for run, lib in columns]

    def table(title, fids, cell_of):
        """A section: a row per flow, a cell per run and library."""
        out.append(f"## {title}")
        out.append("")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for fid in fids:
            cells = [f"`{fid}`", cell_text(descriptions[fid])]
            cells += [cell_of(runs.index(run), lib, fid) for run, lib in columns]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")

    for prefix, title in SECTIONS + [("", "Other flows")]:
        section = [fid for fid in rows if fid.startswith(prefix)]
        rows = [fid for fid in rows if not fid.startswith(prefix)]
        if section:
            table(title, section, cell)

    def no_key_cell(run_index, lib, fid):
        flow = by_run[run_index].get(fid)
        r = flow["results"][lib].get("no_key_setting") if flow is not None else None
        if r is None:
            return "not run"
        return cell_text("links" if r["links"] else f"**no**: {r.get('why', '')}")

    put_flows = [
        fid for fid in all_rows if any("no_key_setting" in flows.get(fid, {}).get("results", {}).get(OURS, {}) for flows in by_run)
    ]
    if put_flows:
        table("DynamoDB puts with no key setting", put_flows, no_key_cell)

    if notes:
        out.append("## Where moto differs from AWS")
        out.append("")
        for i, text in enumerate(notes, 1):
            out.append(f"{i}. {cell_text(text)}")
        out.append("")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="check the results, write nothing")
    parser.add_argument("--results", default=RESULTS, help="directory of the results files (target/compat)")
    parser.add_argument("--out", default=OUT, help="where to write (docs/compatibility.md)")
    args = parser.parse_args(argv)

    runs = load(args.results)
    problems = check(runs, args.results)
    if problems:
        for problem in problems:
            print(f"compatibility: {problem}", file=sys.stderr)
        print(f"compatibility: {len(problems)} problem(s); {os.path.relpath(args.out, ROOT)} not written", file=sys.stderr)
        return 1
    flows = sum(len(run["flows"]) for run in runs)
    if args.check:
        print(f"compatibility: {flows} flows in {len(runs)} results file(s): all checks pass")
        return 0
    text = render(runs)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"compatibility: {flows} flows in {len(runs)} results file(s): wrote {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
