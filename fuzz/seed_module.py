"""Seeds the `module` fuzz target (module_entry.rs) with what the Python
package hands the module for every conformance case: marshal data along
the projections, with the key-name configuration in front of a response.

    make test-python && target/py-venv/bin/python fuzz/seed_module.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "py-test"))

import span_autolink  # noqa: E402
from helpers import from_case, load_cases  # noqa: E402

CORPUS = os.path.join(HERE, "corpus", "module")


def main():
    a = span_autolink._autolink
    a.current_settings()  # loads the walkers and the runtime
    seed = [None]
    encode, response = a.encode, a.response

    def recording_encode(value):
        data = encode(value)
        seed[0] = b"\x01" + data  # an event's input, unless a response call follows
        return data

    def recording_response(code, data, config):
        if len(config) > 255:
            raise ValueError("configuration longer than the seed format allows")
        seed[0] = bytes([0, len(config)]) + config + data
        return response(code, data, config)

    a.encode, a.response = recording_encode, recording_response
    os.makedirs(CORPUS, exist_ok=True)
    count = 0
    for case in load_cases():
        if case["kind"] not in ("response", "event"):
            continue
        seed[0] = None
        os.environ.pop("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", None)
        if "config_text" in case:
            os.environ["DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS"] = case["config_text"]
        span_autolink.reload_environment()
        if case["kind"] == "event":
            span_autolink.pointers_for_event(from_case(case["event"]))
        else:
            span_autolink.pointers_for_response(
                case["service"],
                case["operation"],
                from_case(case["request"]),
                from_case(case["response"]),
                dynamodb_primary_keys=case.get("config"),
            )
        if seed[0] is None:
            continue  # a call that writes nothing a pointer names
        with open(os.path.join(CORPUS, "seed-py-" + case["name"]), "wb") as f:
            f.write(seed[0])
        count += 1
    print(f"{count} seeds in {os.path.relpath(CORPUS)}")


if __name__ == "__main__":
    main()
