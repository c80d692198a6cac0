"""span-autolink for OpenTelemetry: pointer links on botocore's spans and on
a Lambda handler's span.

Producer (every S3 and DynamoDB write, and a worker's SQS ReceiveMessage and
DynamoDB Streams GetRecords, gets one link per pointer)::

    span_autolink.opentelemetry.instrument_botocore()

Consumer, a Lambda handler (under opentelemetry-instrumentation-aws-lambda,
which has no request hook, the links go on the span the handler runs in)::

    @span_autolink.opentelemetry.with_pointers
    def handler(event, context): ...

A link has an all-zero (invalid) span context and the attributes of
``span_autolink.span_link_attributes``. Links are added with
``Span.add_link`` (opentelemetry-api >= 1.23; the SDK keeps links with an
invalid context and attributes from 1.25).

With pointer sampling (``pointer_sampling=rate`` or
SPAN_AUTOLINK_POINTER_SAMPLING), a span whose pointer the core's keep rule
keeps at that rate gets the attribute ``span_autolink.keep = True``, for a
tail-sampling stage to keep its trace: OpenTelemetry's head decision is
made before the pointer is known. Nothing here raises into the
instrumented call: what goes wrong is an issue in the outcome, handed to
``on_outcome`` when one is given and logged at debug level.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import span_autolink as _sa
from span_autolink import Issue, Outcome

from . import _lookups
from ._outcome import EMPTY
from ._sampling import kept_by_pointer

__all__ = [
    "KEEP_ATTRIBUTE",
    "add_event_links",
    "add_links",
    "instrument_botocore",
    "make_hooks",
    "request_hook",
    "response_hook",
    "to_links",
    "with_pointers",
]

_log = logging.getLogger("span_autolink")

OnOutcome = Callable[[Any, Outcome], None]

# Calls in flight whose parameters wait for their response hook. The
# instrumentation calls the response hook in a ``finally`` for every call
# whose request hook returned, so each entry is removed by its own call; the
# bound only matters if another wrapper breaks that pairing.
STASH_LIMIT = 1024

# Set on a span whose pointer asks to keep its trace (pointer sampling).
KEEP_ATTRIBUTE = "span_autolink.keep"

_LINKS_UNSUPPORTED = Issue(
    "span_links_unsupported",
    "the span has no add_link (opentelemetry-api older than 1.23): no pointer link was added",
)

_warned = []


class _Stash:
    """Request parameters by span, from the request hook to the response
    hook of the same call: bounded, and freed by the response hook."""

    def __init__(self, limit: int = STASH_LIMIT) -> None:
        self.limit = limit
        self.entries: "OrderedDict[int, Tuple[Any, Any]]" = OrderedDict()
        self.lock = threading.Lock()

    def put(self, span: Any, params: Any) -> None:
        with self.lock:
            self.entries[id(span)] = (span, params)
            while len(self.entries) > self.limit:
                self.entries.popitem(last=False)

    def pop(self, span: Any) -> Any:
        with self.lock:
            entry = self.entries.pop(id(span), None)
        if entry is None or entry[0] is not span:
            return None
        return entry[1]

    def __len__(self) -> int:
        return len(self.entries)


def _stream_arn(params: Any) -> Optional[str]:
    # A DynamoDB Streams shard iterator starts with the stream's ARN and "|".
    try:
        iterator = params.get("ShardIterator") if isinstance(params, Mapping) else None
        if isinstance(iterator, str) and iterator.startswith("arn:") and "|" in iterator:
            return iterator.split("|", 1)[0]
    except Exception:
        pass
    return None


def _report(on_outcome: Optional[OnOutcome], span: Any, outcome: Outcome) -> None:
    for issue in outcome.issues:
        _log.debug("span-autolink: no span pointer: %s %s", issue.code, issue.message)
    if on_outcome is not None:
        try:
            on_outcome(span, outcome)
        except Exception:
            _log.debug("span-autolink: on_outcome raised", exc_info=True)


def _link_class() -> Any:
    from opentelemetry.trace import INVALID_SPAN_CONTEXT, Link

    return INVALID_SPAN_CONTEXT, Link


def to_links(outcome: Outcome) -> List[Any]:
    """``opentelemetry.trace.Link`` objects (invalid span context, pointer
    attributes) for ``tracer.start_span(..., links=...)``."""
    try:
        context, link = _link_class()
        links = []
        for pointer in outcome.pointers:
            attributes = _sa.span_link_attributes(pointer)
            if attributes is not None:
                links.append(link(context, attributes))
        return links
    except Exception:
        _log.debug("span-autolink: to_links failed", exc_info=True)
        return []


def _dropped_links(span: Any) -> int:
    # The SDK's span counts the links its limit made it drop; other spans, 0.
    dropped = getattr(span, "dropped_links", 0)
    return dropped if type(dropped) is int else 0


def _links_dropped(dropped: int, added: int) -> Issue:
    return Issue(
        "span_links_dropped",
        f"the tracer dropped {dropped} link(s) of the span that got {added} pointer link(s): its limit of links "
        "per span (OTEL_SPAN_LINK_COUNT_LIMIT, 128 by default) was reached; raise it above the largest batch "
        "of records a consumer gets",
    )


def add_links(span: Any, outcome: Outcome, *, pointer_sampling: Optional[float] = None) -> Outcome:
    """Adds one link per pointer of ``outcome`` to ``span``, and with
    pointer sampling (``pointer_sampling`` or the setting) marks a span
    whose pointer asks to keep its trace with ``span_autolink.keep``.
    Returns the outcome, with ``span_links_unsupported`` when the span has
    no ``add_link``, ``span_links_dropped`` when the SDK's limit of links
    per span made it drop links."""
    if not outcome.pointers:
        return outcome
    try:
        add_link = getattr(span, "add_link", None)
        if not callable(add_link):
            if not _warned:
                _warned.append(True)
                _log.warning("span-autolink: %s", _LINKS_UNSUPPORTED.message)
            return Outcome(outcome.pointers, outcome.issues + (_LINKS_UNSUPPORTED,))
        context, _ = _link_class()
        dropped_before = _dropped_links(span)
        added = 0
        for pointer in outcome.pointers:
            attributes = _sa.span_link_attributes(pointer)
            if attributes is not None:
                add_link(context, attributes)
                added += 1
        if kept_by_pointer(outcome, pointer_sampling):
            set_attribute = getattr(span, "set_attribute", None)
            if callable(set_attribute):
                set_attribute(KEEP_ATTRIBUTE, True)
        dropped = _dropped_links(span) - dropped_before
        if dropped > 0:
            return Outcome(outcome.pointers, outcome.issues + (_links_dropped(dropped, added),))
    except Exception as e:
        issue = Issue("internal_error", f"adding the pointer links failed: {type(e).__name__}")
        return Outcome(outcome.pointers, outcome.issues + (issue,))
    return outcome


def pointers_for_call(
    service: str,
    operation: str,
    params: Any,
    result: Any,
    *,
    dynamodb_primary_keys: Any = None,
    stream_arn: Optional[str] = None,
    describe_table: Any = None,
    client: Any = None,
    region: Optional[str] = None,
) -> Outcome:
    """The pointers of one botocore call as its hooks see it (``service`` as
    botocore's service name, ``result`` the response or error response).
    Every DynamoDB call teaches the key names later puts use. A put on a
    table no call has shown starts a DescribeTable lookup where
    ``describe_table`` (True, or the client to ask with; None: the setting
    SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE) asks for one: with that client,
    else ``client`` (the call's, where the integration has it), else one of
    boto3's default session in ``region``."""
    if service == "sqs" and operation == "ReceiveMessage":
        return _sa.pointers_for_receive_message(result)
    if service == "dynamodbstreams" and operation == "GetRecords":
        return _sa.pointers_for_get_records(result, stream_arn=stream_arn or _stream_arn(params))
    if service == "kinesis" and operation == "GetRecords":
        return _sa.pointers_for_get_records(result)
    tables: List[str] = []
    outcome = _sa._pointers(
        service, operation, params if params is not None else {}, result, dynamodb_primary_keys, None, tables
    )
    if tables:
        try:
            if _lookups.enabled(describe_table):
                chosen = client if describe_table is None or describe_table is True else describe_table
                outcome = _lookups.lookups.look_up(outcome, tables, chosen, region)
        except Exception:
            _log.debug("span-autolink: DescribeTable lookup failed to start", exc_info=True)
    return outcome


def _region(span: Any) -> Optional[str]:
    """The region the botocore instrumentation put on the call's span."""
    try:
        region = span.attributes.get("cloud.region")
        return region if isinstance(region, str) else None
    except Exception:
        return None


def make_hooks(
    *,
    request_hook: Optional[Callable[..., Any]] = None,
    response_hook: Optional[Callable[..., Any]] = None,
    dynamodb_primary_keys: Any = None,
    stream_arn: Optional[str] = None,
    describe_table: Any = None,
    on_outcome: Optional[OnOutcome] = None,
    pointer_sampling: Optional[float] = None,
    stash: Optional[_Stash] = None,
) -> Tuple[Callable[..., None], Callable[..., None]]:
    """A ``(request_hook, response_hook)`` pair for
    ``BotocoreInstrumentor().instrument``, running the given hooks after
    ours. ``on_outcome(span, outcome)`` sees every call's outcome.
    ``describe_table``: see ``pointers_for_call`` (the hooks do not see the
    call's client: True asks with boto3's default session).
    ``pointer_sampling`` is the rate of pointer sampling, instead of
    SPAN_AUTOLINK_POINTER_SAMPLING."""
    kept = stash if stash is not None else _Stash()

    def _request_hook(span: Any, service_name: str, operation_name: str, api_params: Any) -> None:
        stashed = False
        try:
            # Every call a rule reads: writes, and the reads that teach key names.
            if _sa._reads(service_name, operation_name):
                kept.put(span, api_params)
                stashed = True
        except Exception:
            pass
        if request_hook is not None:
            try:
                request_hook(span, service_name, operation_name, api_params)
            except BaseException:
                # The instrumentation will not call the response hook.
                if stashed:
                    kept.pop(span)
                raise

    def _response_hook(span: Any, service_name: str, operation_name: str, result: Any) -> None:
        try:
            if not _sa._reads(service_name, operation_name):
                # Every call comes here (a DynamoDB Query, an S3 GetObject,
                # any other service): one that no rule reads costs the
                # lookup of its code, as in the request hook, and nothing
                # was kept for it.
                _report(on_outcome, span, EMPTY)
            else:
                outcome = pointers_for_call(
                    service_name,
                    operation_name,
                    kept.pop(span),
                    result,
                    dynamodb_primary_keys=dynamodb_primary_keys,
                    stream_arn=stream_arn,
                    describe_table=describe_table,
                    region=_region(span),
                )
                _report(on_outcome, span, add_links(span, outcome, pointer_sampling=pointer_sampling))
        except Exception:
            _log.debug("span-autolink: response hook failed", exc_info=True)
        if response_hook is not None:
            response_hook(span, service_name, operation_name, result)

    _request_hook.stash = kept  # type: ignore[attr-defined]
    _response_hook.stash = kept  # type: ignore[attr-defined]
    # The hooks ours run before, for instrument_botocore called again on
    # an instrumentation that has ours: those replace ours, not wrap them.
    setattr(_request_hook, _RUNS_AFTER, request_hook)
    setattr(_response_hook, _RUNS_AFTER, response_hook)
    return _request_hook, _response_hook


_RUNS_AFTER = "_span_autolink_runs_after"


def _user_hook(hook: Any) -> Any:
    """The hook an instrumentation's hook stands for: for one of ours, the
    hook it runs before."""
    return getattr(hook, _RUNS_AFTER) if hasattr(hook, _RUNS_AFTER) else hook


request_hook, response_hook = make_hooks()
"""The hook pair, for ``BotocoreInstrumentor().instrument(request_hook=...,
response_hook=...)`` when you install the hooks yourself."""


def instrument_botocore(
    *,
    dynamodb_primary_keys: Any = None,
    describe_table: Any = None,
    on_outcome: Optional[OnOutcome] = None,
    pointer_sampling: Optional[float] = None,
    **kwargs: Any,
) -> Any:
    """``BotocoreInstrumentor().instrument(**kwargs)`` with our hooks, which
    run before any ``request_hook``/``response_hook`` given here. Returns
    the instrumentor (``.uninstrument()`` undoes it). ``describe_table``:
    True (or a DynamoDB client to ask with) lets a put on a table no call
    has shown ask DynamoDB for its key names, once per table, off the
    request path; False never; None: the setting
    SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE.

    Where botocore is instrumented already (``opentelemetry-instrument``
    does it at start-up), ``instrument`` would only warn: our hooks then
    go on the instrumentation as it is, before the hooks it had (or the
    ones given here), and the other ``kwargs`` are not applied."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    instrumentor = BotocoreInstrumentor()
    instrumented = getattr(instrumentor, "is_instrumented_by_opentelemetry", False) is True
    user_request_hook = kwargs.pop("request_hook", None)
    user_response_hook = kwargs.pop("response_hook", None)
    if instrumented:
        if user_request_hook is None:
            user_request_hook = _user_hook(getattr(instrumentor, "request_hook", None))
        if user_response_hook is None:
            user_response_hook = _user_hook(getattr(instrumentor, "response_hook", None))
    hooks = make_hooks(
        request_hook=user_request_hook,
        response_hook=user_response_hook,
        dynamodb_primary_keys=dynamodb_primary_keys,
        describe_table=describe_table,
        on_outcome=on_outcome,
        pointer_sampling=pointer_sampling,
        stash=request_hook.stash,  # type: ignore[attr-defined]
    )
    if instrumented:
        # The instrumentation reads these two attributes at every call.
        instrumentor.request_hook, instrumentor.response_hook = hooks
    else:
        instrumentor.instrument(request_hook=hooks[0], response_hook=hooks[1], **kwargs)
    return instrumentor


def add_event_links(span: Any, event: Any, *, pointer_sampling: Optional[float] = None) -> Outcome:
    """Adds the consumer links of a Lambda ``event`` to ``span`` (and
    ``span_autolink.keep`` as ``add_links`` does); returns the outcome."""
    return add_links(span, _sa.pointers_for_event(event), pointer_sampling=pointer_sampling)


def _current_span() -> Any:
    from opentelemetry import trace

    return trace.get_current_span()


def _decorator(
    handler: Optional[Callable[..., Any]],
    on_outcome: Optional[OnOutcome],
    add: Callable[[Any], Optional[Tuple[Any, Outcome]]],
    prepare: Optional[Callable[[], None]] = None,
) -> Any:
    # A handler decorator (bare or with options) that, before the handler
    # runs, calls ``add(event)`` -> (span, outcome) and reports the outcome.
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        if prepare is not None:
            prepare()

        @functools.wraps(function)
        def wrapper(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
            try:
                added = add(event)
                if added is not None:
                    _report(on_outcome, *added)
            except Exception:
                _log.debug("span-autolink: consumer links failed", exc_info=True)
            return function(event, context, *args, **kwargs)

        return wrapper

    if handler is None:
        return decorate
    return decorate(handler)


def with_pointers(
    handler: Optional[Callable[..., Any]] = None,
    *,
    on_outcome: Optional[OnOutcome] = None,
    pointer_sampling: Optional[float] = None,
) -> Any:
    """Decorates a Lambda handler: before it runs, the event's consumer
    links go on the current span (under opentelemetry-instrumentation-
    aws-lambda, the invocation span, or its ``process <queue>`` span for
    an SQS event). ``@with_pointers`` or ``@with_pointers(on_outcome=f)``."""

    def add(event: Any) -> Tuple[Any, Outcome]:
        span = _current_span()
        return span, add_event_links(span, event, pointer_sampling=pointer_sampling)

    return _decorator(handler, on_outcome, add)
