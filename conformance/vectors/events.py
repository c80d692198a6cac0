"""Events that are not pointers' business: they give nothing, silently."""

from .common import (
    event_case,
)


def define():
    # -- odd events --------------------------------------------------------
    event_case("event_empty_object", "An empty object gives nothing.", "n/a", {})
    event_case("event_empty_list", "An empty list gives nothing.", "n/a", [])
    event_case("event_string", "A string event gives nothing.", "n/a", "hello")
    event_case("event_null", "A null event gives nothing.", "n/a", None)
    event_case("event_number", "A number event gives nothing.", "n/a", 42)
    event_case("event_empty_records", "An event with an empty Records list gives nothing.", "n/a", {"Records": []})
    event_case(
        "event_record_unknown_source",
        "A record from an unrelated source (SES) gives nothing.",
        "n/a", {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0",
                             "ses": {"mail": {"messageId": "m-1"}}}]})
