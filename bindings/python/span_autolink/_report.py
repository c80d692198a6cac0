"""Types of the explainer's report (``explain_response``, ``explain_event``,
``explain``): plain dicts, the same as the Node.js package's objects and
``span-autolink ... --json``. Imported only by type checkers."""

from __future__ import annotations

from typing import List, Literal, Optional, TypedDict

Library = Literal["dd-trace-py", "dd-trace-js", "datadog-lambda-python", "datadog-lambda-js"]


# "from" is a keyword, hence the functional form.
Component = TypedDict(
    "Component",
    {
        # bucket, key, etag; table, key_name_1, value_1, key_name_2, value_2
        "name": str,
        # the bytes hashed: their text when UTF-8, else lowercase hex (hex)
        "value": str,
        "hex": bool,
        # the input as given, when the rule changed it
        "given": Optional[str],
        # where in the input it was read
        "from": str,
        # as_given, url_decoded, quotes_removed, number_canonical,
        # binary_from_base64, binary_raw, table_from_arn,
        # table_from_stream_arn, key_name_configured, key_name_learned,
        # key_name_given, no_sort_key
        "rule": str,
    },
)


class ExplainedPointer(TypedDict):
    kind: str
    direction: str
    hash: str
    components: List[Component]


class ReportIssue(TypedDict):
    code: str
    message: str


class Reason(TypedDict):
    code: str
    at: str
    message: str
    resembles: Optional[str]
    missing: List[str]
    suggestion: Optional[str]


class KeyNames(TypedDict):
    table: str
    names: List[str]
    source: Literal["setting", "option", "learned", "request", "record"]
    # For learned names: "key_schema" (CreateTable, UpdateTable,
    # DescribeTable) or "key" (the Key of a request DynamoDB accepted).
    learned_from: Optional[Literal["key_schema", "key"]]
    fits: bool
    note: str


class Divergence(TypedDict):
    rule: str
    message: str


class DatadogPointer(TypedDict):
    hash: str
    components: List[str]


class LibraryAnswer(TypedDict):
    library: Library
    pointers: List[DatadogPointer]
    agrees: bool
    divergences: List[Divergence]


class Report(TypedDict, total=False):
    side: Literal["producer", "consumer"]
    input: str
    pointers: List[ExplainedPointer]
    issues: List[ReportIssue]
    reasons: List[Reason]
    key_names: List[KeyNames]
    datadog: List[LibraryAnswer]
    error: ReportIssue
    """Only when the request could not be explained."""


class Difference(TypedDict):
    component: int
    name: str
    producer: str
    consumer: str
    rule: str
    message: str


class Pair(TypedDict):
    producer: Optional[int]
    consumer: Optional[int]
    meet: bool
    difference: Optional[Difference]


class DatadogHop(TypedDict):
    producer: Library
    consumer: Library
    meet: bool
    message: str


class Comparison(TypedDict, total=False):
    meet: bool
    producer: Report
    consumer: Report
    pairs: List[Pair]
    datadog: List[DatadogHop]
    message: str
    error: ReportIssue
