"""Seeds the `module` fuzz target (module_entry.rs) with what the Python
package hands the module for every conformance case: named JSON input for
responses, with the key-name configuration, and marshal data for events.

    make test-python && target/py-venv/bin/python fuzz/seed_module.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "py-test"))

import span_autolink  # noqa: E402
from helpers import from_case, load_cases  # noqa: E402

CORPUS = os.path.join(HERE, "corpus", "module")


class Recorder:
    """Stands between the package and its module, keeping the last input."""

    def __init__(self, host):
        self.host = host
        self.seed = None

    def __getattr__(self, name):
        return getattr(self.host, name)

    def call_response(self, payload, config):
        if len(config) > 255:
            raise ValueError("configuration longer than the seed format allows")
        self.seed = bytes([0, len(config)]) + config + payload
        return self.host.call_response(payload, config)

    def call_event(self, payload):
        self.seed = b"\x01" + payload
        return self.host.call_event(payload)


def main():
    recorder = Recorder(span_autolink._host())
    span_autolink._loaded_host = recorder
    os.makedirs(CORPUS, exist_ok=True)
    count = 0
    for case in load_cases():
        recorder.seed = None
        os.environ.pop("DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS", None)
        if "config_text" in case:
            os.environ["DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS"] = case["config_text"]
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
        if recorder.seed is None:
            continue  # a call that writes nothing a pointer names
        with open(os.path.join(CORPUS, "seed-py-" + case["name"]), "wb") as f:
            f.write(recorder.seed)
        count += 1
    print(f"{count} seeds in {os.path.relpath(CORPUS)}")


if __name__ == "__main__":
    main()
