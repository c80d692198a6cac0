"""The Python host of the cross-host identity check: replays the corpus
through the installed package and prints one line per case in the format
of harness/src/render.rs.

    python identity.py CORPUS.json OUT.txt [HOST]

HOST, when given, is the host the package must have used ("native" for
the extension, "ctypes" for the module through wasmtime's C API).
"""

import base64
import json
import os
import sys
from decimal import Decimal

os.environ.pop("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", None)
os.environ.pop("DD_BOTOCORE_ADD_SPAN_POINTERS", None)

import span_autolink  # noqa: E402  (after the environment is cleared)


def native(value):
    """{"$bytes": base64} stands for the bytes an SDK hands over."""
    if isinstance(value, list):
        return [native(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("$bytes"), str):
            return base64.b64decode(value["$bytes"])
        return {k: native(v) for k, v in value.items()}
    return value


def main(corpus_path: str, out_path: str) -> None:
    with open(corpus_path, encoding="utf-8") as f:
        cases = json.load(f, parse_float=Decimal)["cases"]
    lines = []
    for case in cases:
        if case["kind"] == "event":
            outcome = span_autolink.pointers_for_event(case["event"])
        else:
            outcome = span_autolink.pointers_for_response(
                case["service"],
                case["operation"],
                native(case["request"]),
                native(case["response"]),
                dynamodb_primary_keys=case.get("config"),
            )
        # A change time as the integer of the double that holds it (render.rs).
        pointers = ",".join(
            f"{p.kind}:{p.direction}:{p.hash}" + ("" if p.change_time is None else f"@{int(float(p.change_time))}")
            for p in outcome.pointers
        )
        codes = ",".join(i.code for i in outcome.issues)
        lines.append(f"{case['name']}\t{pointers}\t{codes}")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
    if len(sys.argv) > 3:
        from span_autolink import _runtime

        used = _runtime.backend()
        if used != sys.argv[3]:
            raise SystemExit(f"identity.py: the package used the host {used}, not {sys.argv[3]}")
