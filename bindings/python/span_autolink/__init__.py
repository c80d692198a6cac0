"""span-autolink: span pointers for S3 and DynamoDB, computed by the same
WebAssembly module in every tracer.

    import span_autolink

    outcome = span_autolink.pointers_for_response("s3", "PutObject", params, result)
    for pointer in outcome.pointers:
        span.add_link(INVALID_SPAN_CONTEXT, span_autolink.span_link_attributes(pointer))
    for issue in outcome.issues:
        log.debug("no span pointer: %s %s", issue.code, issue.message)

    outcome = span_autolink.pointers_for_event(lambda_event)

Every rule lives in the module (``span_autolink.wasm``, built from the Rust
crate ``span-autolink``); this package only hands it the parts of
botocore's and boto3's values that the rules read, and reads its answer.
Importing it loads neither wasmtime nor the module: the first call does,
from an on-disk cache of the compiled module when there is one.

Nothing here raises into the caller: whatever goes wrong is an issue in
the outcome (``input_invalid`` for a value that cannot be read,
``internal_error`` for a failure of the module or its host).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

    PrimaryKeys = Union[Mapping[str, Iterable[str]], str]
    Call = Tuple[int, Any, Any, Any, bool]

    from ._report import Comparison, Report

from ._outcome import EMPTY, Issue, Outcome, Pointer, Reader, Settings, failure
from ._outcome import settings as _read_settings

__all__ = [
    "Issue",
    "Outcome",
    "Pointer",
    "Settings",
    "explain",
    "explain_event",
    "explain_response",
    "forget_tables",
    "keep_for_sampling",
    "pointers_for_event",
    "pointers_for_get_records",
    "pointers_for_receive_message",
    "pointers_for_response",
    "reload_environment",
    "settings",
    "span_link_attributes",
    "span_links_json",
]

__version__ = "0.2.0"


CHANGE_TIME_ATTRIBUTE = "span_autolink.change_time"
_NO_OPERATION = 255  # what the module answers for a call no rule reads: it neither points nor teaches
_OPERATIONS_KEPT = 4096  # callers inventing operation names must not grow the cache forever

# What a call answers when even building an answer fails (no stack left).
_EXHAUSTED = Outcome((), (Issue("internal_error", "span-autolink could not run: no stack or memory was left"),))


class _Autolink:
    """The package's state: settings, operation codes, the output reader.
    The walkers and the runtime are loaded at the first call."""

    def __init__(self) -> None:
        self.settings: Optional[Settings] = None
        self.config = b""  # the settings' key-name configuration, as the module takes it
        self.operations: Dict[Tuple[str, str], int] = {}
        # (service, operation) -> what a call of it needs, filled while
        # the settings are enabled: what the first call of each looked up
        # (settings, code, walkers, instance), so later ones look up once.
        self.calls: Dict[Tuple[str, str], Call] = {}
        self.reader = Reader()
        self.walkers: Any = None
        self.runtime: Any = None

    def load(self) -> None:
        from . import _generated, _runtime, _values

        self.walkers = _generated
        self.keyed = _generated.KEY_NAME_CALLS
        self.encode = _values.encode
        self.bound = _values.Bound
        self.runtime = _runtime.runtime

    def current_settings(self) -> Settings:
        current = self.settings
        if current is None:
            if self.runtime is None:
                self.load()
            self.calls.clear()
            current = self.settings = self.read_settings()
            text = current.dynamodb_primary_keys
            self.config = b"" if text is None else _encoded(text)
        return current

    def read_settings(self) -> Settings:
        environment: Dict[str, str] = {}
        for name in self.walkers.SETTING_VARIABLES:
            try:
                value = os.environ.get(name)
            except Exception:
                value = None  # os.environ replaced by something that raises
            if isinstance(value, str):
                environment[name] = str.__str__(value)
        if not environment:
            # The module's answer for an environment that sets none of the
            # variables is known at build time: no crossing for it.
            return _read_settings("\n".join(self.walkers.UNSET_SETTINGS).encode(), environment)
        entries = b"".join(_encoded(f"{name}={value}") + b"\0" for name, value in environment.items())
        out = self.runtime.using(lambda inst: inst.roundtrip("sa_settings", entries))
        return _read_settings(out, environment)

    def operation(self, service: str, operation: str) -> int:
        name = _encoded(f"{service} {operation}")
        code: int = self.runtime.using(lambda inst: inst.call("sa_operation", inst.write(name)))
        if len(self.operations) >= _OPERATIONS_KEPT:
            self.operations.clear()
        self.operations[(service, operation)] = code
        return code

    def code(self, service: Any, operation: Any) -> int:
        """The call's operation code (255: no rule reads it, or the names
        are not text), asked of the module once per spelling; the settings
        must be read first."""
        if type(service) is not str or type(operation) is not str:
            service, operation = _name(service), _name(operation)
            if service is None or operation is None:
                return _NO_OPERATION
        code = self.operations.get((service, operation))
        if code is None:
            code = self.operation(service, operation)
        return code

    def call_of(self, service: Any, operation: Any) -> Call:
        """What a call of ``operation`` needs (``_SKIP`` when the settings
        are disabled or no rule reads it), kept for the next call of the
        same names."""
        current = self.settings or self.current_settings()
        if not current.enabled:
            return _SKIP
        call = self.call_of_code(self.code(service, operation))
        if type(service) is str and type(operation) is str:
            if len(self.calls) >= _OPERATIONS_KEPT:
                self.calls.clear()
            self.calls[(service, operation)] = call
        return call

    def call_of_code(self, code: int) -> Call:
        if code == _NO_OPERATION:
            return _SKIP
        walk_request, walk_response = self.walkers.CALLS[code]
        # DynamoDB calls go to the instance that keeps tables' key names.
        return (code, walk_request, walk_response, self.runtime.server(), code in self.keyed)

    def failure(self, error: BaseException, what: str) -> Outcome:
        """The outcome of a call that raised: a bound, the module, or the caller's value."""
        from ._host import HostError, message_of as _text

        if isinstance(error, self.bound):
            return failure("input_invalid", f"span-autolink could not read the {what}: {_text(error)}")
        if isinstance(error, HostError):
            self.operations.clear()
            self.calls.clear()
            return failure("internal_error", f"the span-autolink module failed: {_text(error)}")
        return failure("input_invalid", f"the {what} could not be read: {type(error).__name__}: {_text(error)}")


# What a call of an operation needs (_Autolink.call_of): its code, the
# request's and the response's walkers, the runtime's way to serve it
# (None for calls that give nothing), and whether it goes to the instance
# that keeps tables' key names.
_SKIP: Call = (_NO_OPERATION, None, None, None, False)  # type: ignore[assignment]

_autolink = _Autolink()


def _encoded(text: str) -> bytes:
    # Environment values hold undecodable bytes as surrogate escapes; any
    # other lone surrogate reaches the module, which reads it as U+FFFD.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _name(value: Any) -> Optional[str]:
    if type(value) is str:
        return value
    return str.__str__(value) if isinstance(value, str) else None


def _answer(error: BaseException, what: str) -> Outcome:
    try:
        return _autolink.failure(error, what)
    except Exception:
        return _EXHAUSTED


def pointers_for_response(
    service: str,
    operation: str,
    request: Any,
    response: Any,
    *,
    dynamodb_primary_keys: Optional[PrimaryKeys] = None,
    stream_arn: Optional[str] = None,
) -> Outcome:
    """The pointers of an AWS call: producer pointers (direction ``d``) of a
    successful S3 or DynamoDB write, consumer pointers (``u``) of what a
    worker outside Lambda reads (SQS ``ReceiveMessage``, Kinesis and
    DynamoDB Streams ``GetRecords``). A call that did not succeed gives
    none (``response_not_successful``).

    ``service`` and ``operation`` as botocore names them (``"s3"``,
    ``"PutObject"``); ``request`` the call's parameters and ``response`` its
    result, as botocore or boto3 hand them over (typed values such as
    ``{"S": "x"}`` or boto3's plain ones). Only the fields the rules read
    are looked at: an S3 ``Body`` is never touched.

    Pass every DynamoDB call, reads included: the key names of a table,
    which a PutItem needs and does not say, are learned from CreateTable,
    DescribeTable and UpdateTable responses and from the ``Key`` of reads,
    updates and deletes. ``dynamodb_primary_keys``
    (``{"orders": ["customerId", "orderId"]}``, or that as JSON text) names
    them for tables no call has shown, instead of the environment's.
    ``stream_arn`` is the DynamoDB stream a ``GetRecords`` read.
    """
    return _pointers(service, operation, request, response, dynamodb_primary_keys, stream_arn, None)


def _pointers(
    service: Any,
    operation: Any,
    request: Any,
    response: Any,
    keys: Any,
    stream_arn: Optional[str],
    tables: Optional[List[str]],
    call: Optional[Call] = None,
    what: str = "request or response",
) -> Outcome:
    """``pointers_for_response``; with a list as ``tables``, the tables whose
    key names its puts needed and no call has shown go into it (for the
    integrations' lookups). ``call``: what the call needs, already looked
    up (``_Autolink.call_of_code``), instead of by the names. One function
    from the names to the outcome: each Python call on a pointer call's way
    costs about as much as a step of its work."""
    try:
        a = _autolink
        if call is None:
            # Names that are not exactly str are looked up by call_of, as text.
            call = a.calls.get((service, operation)) if type(service) is str and type(operation) is str else None
            if call is None:
                call = a.call_of(service, operation)
        code, walk_request, walk_response, serve, keyed = call
        if serve is None:
            return EMPTY
        if stream_arn is not None:
            request = {**(request if isinstance(request, Mapping) else {}), "StreamArn": stream_arn}
        data = a.encode((code, walk_request(request), walk_response(response)))
        out = serve("sa_pointers_for_response", data, a.config if keys is None else _config_text(keys), keyed)
        if tables is not None:
            tables += a.reader.tables(out)
        return a.reader.outcome(out)
    except Exception as e:
        return _answer(e, what)


def _reads(service: Any, operation: Any) -> bool:
    """Whether a rule reads the call (an integration keeps its parameters
    for its response then); never raises."""
    try:
        a = _autolink
        a.settings or a.current_settings()
        return a.code(service, operation) != _NO_OPERATION
    except Exception:
        return False


def pointers_for_event(event: Any) -> Outcome:
    """Consumer pointers (direction ``u``) of a Lambda event: S3
    notifications and DynamoDB Stream records, direct or wrapped in SQS,
    SNS, EventBridge or Kinesis, as the handler receives the event."""
    try:
        a = _autolink
        current = a.settings or a.current_settings()
        if not current.enabled:
            return EMPTY
        data = a.encode(a.walkers.EVENT(event))
        return a.reader.outcome(a.runtime.server()("sa_pointers_for_event", data))
    except Exception as e:
        return _answer(e, "event")


def pointers_for_receive_message(output: Any) -> Outcome:
    """Consumer pointers of what SQS ``ReceiveMessage`` returned to a worker."""
    return pointers_for_response("sqs", "ReceiveMessage", {}, output)


def pointers_for_get_records(output: Any, *, stream_arn: Optional[str] = None) -> Outcome:
    """Consumer pointers of what ``GetRecords`` returned: from Kinesis
    (records with ``Data``) or from DynamoDB Streams (records with
    ``dynamodb``, whose stream ``stream_arn`` names the table)."""
    # Which service answered is the core's to tell, by the records.
    what = "GetRecords output"
    try:
        a = _autolink
        current = a.settings or a.current_settings()
        if not current.enabled:
            return EMPTY
        call = a.call_of_code(a.walkers.GET_RECORDS)
    except Exception as e:
        return _answer(e, what)
    return _pointers(None, None, {}, output, None, stream_arn, None, call, what)


def span_link_attributes(pointer: Pointer) -> Optional[Dict[str, Union[str, int]]]:
    """The attributes of the span link that carries ``pointer`` (its trace
    and span ids are both 0): ``link.kind``, ``ptr.kind``, ``ptr.dir``,
    ``ptr.hash``, and ``span_autolink.change_time`` (integer Unix
    nanoseconds) where the pointer has a change time. ``None`` for
    anything that is not a pointer."""
    try:
        kind, direction, hash = pointer.kind, pointer.direction, pointer.hash
        change_time = getattr(pointer, "change_time", None)
    except Exception:
        return None
    if type(kind) is not str or type(direction) is not str or type(hash) is not str:
        return None
    attributes: Dict[str, Union[str, int]] = {
        "link.kind": "span-pointer",
        "ptr.kind": kind,
        "ptr.dir": direction,
        "ptr.hash": hash,
    }
    if type(change_time) is int:
        attributes[CHANGE_TIME_ATTRIBUTE] = change_time
    return attributes


def span_links_json(pointers: Iterable[Pointer]) -> str:
    """The pointers as the ``_dd.span_links`` meta value of tracers that
    write span links into a span's meta; anything that is not a pointer is
    left out."""
    import json

    links: List[Dict[str, Any]] = []
    try:
        for p in pointers:
            attributes = span_link_attributes(p)
            if attributes is not None:
                links.append(
                    {
                        "trace_id": "00000000000000000000000000000000",
                        "span_id": "0000000000000000",
                        "attributes": attributes,
                    }
                )
    except Exception:
        pass  # what was read so far
    return json.dumps(links, separators=(",", ":"))


def keep_for_sampling(hash: str, rate: float) -> bool:
    """Whether a span carrying the pointer ``hash`` asks to keep its trace
    when sampling at ``rate`` (0 to 1). Both sides of a hop compute the
    same pointer hash, so they make the same decision. Never raises."""
    try:
        if type(hash) is not str or type(rate) not in (int, float):
            return False
        a = _autolink
        a.settings or a.current_settings()
        question = hash.encode("ascii", "replace")
        kept: bool = a.runtime.using(lambda inst: inst.call("sa_keep_for_sampling", inst.write(question), float(rate)) == 1)
        return kept
    except Exception:
        return False


def settings() -> Settings:
    """The settings read from the environment: when first needed, and
    again after ``reload_environment()``."""
    try:
        return _autolink.settings or _autolink.current_settings()
    except Exception:
        return Settings()


def forget_tables() -> None:
    """Forgets what the calls so far showed of DynamoDB tables' key names
    (for tests, or after tables were made again with other keys
    elsewhere). Never raises."""
    try:
        a = _autolink
        a.settings or a.current_settings()
        a.runtime.using_keyed(lambda inst: inst.call("sa_forget_tables"))
    except Exception:
        pass  # the instance that failed is replaced, and knows nothing


def reload_environment() -> None:
    """Reads the settings' environment variables again: call it after
    changing them."""
    _autolink.settings = None
    _autolink.calls.clear()


def _config_text(keys: PrimaryKeys) -> bytes:
    if isinstance(keys, str):
        text = _encoded(str.__str__(keys))
    else:
        import json

        try:
            text = _encoded(json.dumps(_Configuration().copy(keys, 0), separators=(",", ":")))
        except Exception:
            return b"!"  # no JSON: the module reports config_invalid when a put needs it
    from ._generated import MAX_INPUT_BYTES, TOO_LARGE

    if len(text) > MAX_INPUT_BYTES:
        # More than the module reads (ABI.md, Bounds): refused here, so
        # that the extension answers as the module does.
        raise _autolink.bound(TOO_LARGE)
    return text


class _Configuration:
    """A key-name configuration as JSON values, counted: a value that shares
    its parts would otherwise be written out in full, exponentially."""

    def __init__(self) -> None:
        from ._generated import MAX_CONFIGURATION_VALUES

        self.values = 0
        self.most = MAX_CONFIGURATION_VALUES

    def copy(self, value: Any, depth: int) -> Any:
        self.values += 1
        if self.values > self.most or depth > 64:
            raise ValueError("the configuration is larger than any account's tables")
        if value is None or type(value) in (str, int, float, bool):
            return value
        if isinstance(value, Mapping):
            return {str.__str__(k) if isinstance(k, str) else k: self.copy(v, depth + 1) for k, v in value.items()}
        if isinstance(value, (set, frozenset)):
            # ddtrace's own form: table -> set of names
            items = [self.copy(v, depth + 1) for v in value]
            return sorted(items) if all(type(v) is str for v in items) else items
        if isinstance(value, (list, tuple)):
            return [self.copy(v, depth + 1) for v in value]
        if isinstance(value, str):
            return str.__str__(value)
        raise TypeError(f"{type(value).__name__} is not a list of attribute names")


def explain_response(
    service: str,
    operation: str,
    request: Any,
    response: Any,
    *,
    dynamodb_primary_keys: Optional[PrimaryKeys] = None,
    calls: Optional[Sequence[Mapping[str, Any]]] = None,
) -> Report:
    """Why an AWS call gives the pointers it gives: each pointer's hashed
    components and the rule applied to each; when none comes out, the shape
    the input resembles and what it lacks ("did you mean 's3'?"); the
    DynamoDB key names in use and their source; and what ddtrace and
    dd-trace-js would hash. A dict (``span_autolink._report.Report``), the
    same report as the Node.js package's and ``span-autolink pointers
    --explain --json``. Slower than ``pointers_for_response``, and on its
    own module: for debugging, not for every call. ``calls``: the
    application's calls before this one, in order (``{"service",
    "operation", "request", "response"}``: DescribeTable, GetItem, ...),
    whose key names puts learn, as the package learns them from the calls it
    sees. Never raises: a failure is ``{"error": {"code", "message"}}``."""
    try:
        from . import _explain

        setting = settings().dynamodb_primary_keys if dynamodb_primary_keys is None else None
        request_ = _explain.call_request(service, operation, request, response, dynamodb_primary_keys, setting, calls)
        return _explain.explainer.ask(request_)  # type: ignore[return-value]
    except Exception as e:
        return _explain_failure(e)  # type: ignore[return-value]


def explain_event(event: Any) -> Report:
    """Why a Lambda event gives the pointers it gives (see
    ``explain_response``), with what datadog-lambda would hash."""
    try:
        from . import _explain

        return _explain.explainer.ask({"event": event})  # type: ignore[return-value]
    except Exception as e:
        return _explain_failure(e)  # type: ignore[return-value]


def explain(producer: Mapping[str, Any], consumer: Mapping[str, Any]) -> Comparison:
    """Why two spans did or did not link: ``producer`` and ``consumer`` are
    each a call ``{"service", "operation", "request", "response",
    "dynamodb_primary_keys"?, "calls"?}`` or ``{"event": EVENT}``. Both sides'
    components side by side, the first that differs and the rule behind it,
    and whether the Datadog libraries would meet on the same two inputs."""
    try:
        from . import _explain

        def side(given: Mapping[str, Any]) -> Dict[str, Any]:
            if "event" in given:
                return {"event": given["event"]}
            keys = given.get("dynamodb_primary_keys")
            setting = settings().dynamodb_primary_keys if keys is None else None
            return _explain.call_request(
                given.get("service"),
                given.get("operation"),
                given.get("request"),
                given.get("response"),
                keys,
                setting,
                given.get("calls"),
            )

        return _explain.explainer.ask({"producer": side(producer), "consumer": side(consumer)})  # type: ignore[return-value]
    except Exception as e:
        return _explain_failure(e)  # type: ignore[return-value]


def _explain_failure(error: BaseException) -> Dict[str, Any]:
    from ._host import HostError, message_of

    code = "internal_error" if isinstance(error, HostError) else "input_invalid"
    return {"error": {"code": code, "message": f"span-autolink could not explain: {type(error).__name__}: {message_of(error)}"}}


def __dir__() -> List[str]:
    return sorted(__all__ + ["__version__"])
