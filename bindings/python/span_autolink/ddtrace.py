"""span-autolink for ddtrace: our pointers, and only ours, on ddtrace's
botocore spans and on the span datadog-lambda puts a Lambda's pointers on.

Producer (an application or a Lambda function using ddtrace's botocore
integration)::

    span_autolink.ddtrace.instrument()

Consumer (a Lambda handler wrapped by datadog-lambda; ours goes inside)::

    @datadog_lambda_wrapper
    @span_autolink.ddtrace.with_pointers
    def handler(event, context): ...

Each pointer is one span link with trace and span id 0 and the attributes
of ``span_autolink.span_link_attributes`` (ddtrace writes link attribute
values as text, so ``span_autolink.change_time`` arrives as digits).

Pointer sampling (``pointer_sampling=rate`` or SPAN_AUTOLINK_POINTER_SAMPLING):
a span whose pointer the core's keep rule keeps at that rate gets ddtrace's
manual keep (``span.set_tag(MANUAL_KEEP_KEY)``, priority user-keep) and the
tag ``span_autolink.keep: true``, for a retention filter. ddtrace
decides a trace's sampling lazily (when a chunk is flushed, or earlier when
its context is injected), and a manual keep overrides that decision on the
trace's shared context, so every span of the trace flushed afterwards goes
out kept, also when the trace had already been sampled out. Spans sent
before it (a partial flush of a trace of hundreds of spans) and services
that already received the earlier decision keep theirs. Under
datadog-lambda the consumer pointers' span is open until the handler
returned, so the keep holds for the whole invocation's trace.

ddtrace has no way to take a link off a span, so both sides switch off
the libraries' own pointers for the same calls instead of removing them:
``instrument`` sets ``ddtrace.config.botocore["add_span_pointers"]`` to
False (what ``DD_BOTOCORE_ADD_SPAN_POINTERS=false`` does, without changing
the variable, which span-autolink reads as its own switch), and
``with_pointers`` gives datadog-lambda's ``calculate_span_pointers`` the
answer of that switch. Checked against ddtrace 4.16.0 and datadog-lambda
8.130.0; both rely on parts of them that are not public (``ddtrace.internal
.core`` events, ``Span._parent``, ``datadog_lambda.span_pointers``).
Nothing here raises into the traced call.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Optional, Tuple

import span_autolink as _sa
from span_autolink import Issue, Outcome

from ._sampling import kept_by_pointer
from .opentelemetry import OnOutcome, _decorator, _report, pointers_for_call

__all__ = ["KEEP_TAG", "add_pointers", "instrument", "root_span", "with_pointers"]

_log = logging.getLogger("span_autolink")

# ddtrace's core events after a successful botocore call, (ctx, result):
# the general path, SQS (ReceiveMessage) and Kinesis. A failed call
# dispatches ``...exception`` instead, where we add nothing.
SUCCESS_EVENTS = (
    "botocore.patched_api_call.success",
    "botocore.patched_sqs_api_call.success",
    "botocore.patched_kinesis_api_call.success",
)

# ddtrace's tag for a manual keep (ddtrace.constants.MANUAL_KEEP_KEY):
# sampling priority user-keep, whatever was decided before.
_MANUAL_KEEP = "manual.keep"
# Also on a span whose pointer asks to keep its trace, as on OpenTelemetry
# spans: a retention filter on it keeps both ends of the hop indexed.
KEEP_TAG = "span_autolink.keep"

# ddtrace's endpoint prefixes that botocore names otherwise.
_SERVICES = {"streams.dynamodb": "dynamodbstreams"}

_state = {"installed": False, "keys": None, "on_outcome": None, "pointer_sampling": None}
_lock = threading.Lock()


def add_pointers(span: Any, outcome: Outcome, *, pointer_sampling: Optional[float] = None) -> Outcome:
    """Adds one span link per pointer of ``outcome`` to a ddtrace span
    (``span.set_link`` with trace and span id 0), and with pointer sampling
    (``pointer_sampling`` or the setting) sets ddtrace's manual keep and the
    tag ``span_autolink.keep`` on a span whose pointer asks to keep its
    trace. Returns the outcome, with
    ``span_links_unsupported`` when the span cannot take links."""
    if not outcome.pointers:
        return outcome
    try:
        set_link = getattr(span, "set_link", None)
        if not callable(set_link):
            issue = Issue("span_links_unsupported", "the span has no set_link: no pointer link was added")
            return Outcome(outcome.pointers, outcome.issues + (issue,))
        for pointer in outcome.pointers:
            attributes = _sa.span_link_attributes(pointer)
            if attributes is not None:
                set_link(0, 0, attributes=attributes)
        if kept_by_pointer(outcome, pointer_sampling):
            set_tag = getattr(span, "set_tag", None)
            if callable(set_tag):
                set_tag(_MANUAL_KEEP)
                set_tag(KEEP_TAG, "true")
    except Exception as e:
        issue = Issue("internal_error", f"adding the pointer links failed: {type(e).__name__}")
        return Outcome(outcome.pointers, outcome.issues + (issue,))
    return outcome


def _on_success(ctx: Any, result: Any) -> None:
    try:
        span = ctx.get_item("_inner_span")
        if span is None:
            return
        service = ctx.get_item("endpoint_name")
        service = _SERVICES.get(service, service)
        outcome = pointers_for_call(
            service,
            ctx.get_item("operation"),
            ctx.get_item("params"),
            result,
            dynamodb_primary_keys=_state["keys"],
        )
        _report(_state["on_outcome"], span, add_pointers(span, outcome, pointer_sampling=_state["pointer_sampling"]))
    except Exception:
        _log.debug("span-autolink: ddtrace success hook failed", exc_info=True)


def instrument(
    *,
    dynamodb_primary_keys: Any = None,
    on_outcome: Optional[OnOutcome] = None,
    pointer_sampling: Optional[float] = None,
) -> bool:
    """Makes every span of ddtrace's botocore integration carry our
    pointers (S3 and DynamoDB writes; a worker's SQS ReceiveMessage and
    DynamoDB Streams / Kinesis GetRecords), and switches ddtrace's own
    pointers off. ``pointer_sampling``: the rate (0 to 1) of pointer
    sampling, instead of SPAN_AUTOLINK_POINTER_SAMPLING. Call it once, after
    ``ddtrace.patch(botocore=True)`` or under ``ddtrace-run``; again to
    change the options. Returns whether the hooks are installed."""
    try:
        from ddtrace import config
        from ddtrace.internal import core

        with _lock:
            _state["keys"] = dynamodb_primary_keys
            _state["on_outcome"] = on_outcome
            _state["pointer_sampling"] = pointer_sampling
            config.botocore["add_span_pointers"] = False
            if not _state["installed"]:
                for event in SUCCESS_EVENTS:
                    core.on(event, _on_success, "span_autolink")
                _state["installed"] = True
        return True
    except Exception:
        _log.warning("span-autolink: could not hook into ddtrace's botocore integration", exc_info=True)
        return False


def root_span(span: Any) -> Any:
    """The span datadog-lambda puts a Lambda's consumer pointers on, from
    the span current in the handler: the inferred span (aws.sqs,
    aws.dynamodb, ...) when there is one, else aws.lambda."""
    lambda_span = span
    while lambda_span is not None and getattr(lambda_span, "name", None) != "aws.lambda":
        lambda_span = getattr(lambda_span, "_parent", None)
    if lambda_span is None:
        return span
    parent = getattr(lambda_span, "_parent", None)
    if parent is not None and parent.span_id == lambda_span.parent_id:
        return parent
    return lambda_span


def _switch_off_datadog_lambda() -> None:
    # datadog-lambda binds its switch (DD_BOTOCORE_ADD_SPAN_POINTERS) as the
    # default of calculate_span_pointers' last parameter at import.
    try:
        import datadog_lambda.span_pointers as dl

        defaults = dl.calculate_span_pointers.__defaults__
        if defaults and len(defaults) == 1:
            dl.calculate_span_pointers.__defaults__ = (False,)
        from datadog_lambda.config import config as dl_config

        dl_config.add_span_pointers = False
    except Exception:
        _log.debug("span-autolink: datadog-lambda's own pointers could not be switched off", exc_info=True)


def with_pointers(
    handler: Optional[Callable[..., Any]] = None,
    *,
    on_outcome: Optional[OnOutcome] = None,
    pointer_sampling: Optional[float] = None,
) -> Any:
    """Decorates a Lambda handler, inside ``datadog_lambda_wrapper``: the
    event's consumer pointers go on the span datadog-lambda puts them on
    (see ``root_span``), instead of datadog-lambda's own; with pointer
    sampling, that span's trace is kept when its pointer asks to."""

    def add(event: Any) -> Optional[Tuple[Any, Outcome]]:
        from ddtrace.trace import tracer

        current = tracer.current_span()
        if current is None:
            return None
        span = root_span(current)
        return span, add_pointers(span, _sa.pointers_for_event(event), pointer_sampling=pointer_sampling)

    return _decorator(handler, on_outcome, add, _switch_off_datadog_lambda)
