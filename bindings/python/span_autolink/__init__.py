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
    from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

    PrimaryKeys = Union[Mapping[str, Iterable[str]], str]

from ._outcome import EMPTY, Issue, Outcome, Pointer, Reader, Settings, failure
from ._outcome import settings as _read_settings

__all__ = [
    "Issue",
    "Outcome",
    "Pointer",
    "Settings",
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
_NO_OPERATION = 255  # what the module answers for a call no rule reads
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
        self.reader = Reader()
        self.walkers: Any = None
        self.runtime: Any = None

    def load(self) -> None:
        from . import _generated, _runtime, _values

        self.walkers = _generated
        self.encode = _values.encode
        self.bound = _values.Bound
        self.runtime = _runtime.runtime

    def current_settings(self) -> Settings:
        current = self.settings
        if current is None:
            if self.runtime is None:
                self.load()
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

    def failure(self, error: BaseException, what: str) -> Outcome:
        """The outcome of a call that raised: a bound, the module, or the caller's value."""
        from ._host import HostError, message_of as _text

        if isinstance(error, self.bound):
            return failure("input_invalid", f"span-autolink could not read the {what}: {_text(error)}")
        if isinstance(error, HostError):
            self.operations.clear()
            return failure("internal_error", f"the span-autolink module failed: {_text(error)}")
        return failure("input_invalid", f"the {what} could not be read: {type(error).__name__}: {_text(error)}")


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

    ``dynamodb_primary_keys`` (``{"orders": ["customerId", "orderId"]}``, or
    that as JSON text) names the key attributes of tables written with
    PutItem, instead of the environment's. ``stream_arn`` is the DynamoDB
    stream a ``GetRecords`` read.
    """
    try:
        a = _autolink
        current = a.settings or a.current_settings()
        if not current.enabled:
            return EMPTY
        if type(service) is not str or type(operation) is not str:
            service, operation = _name(service), _name(operation)  # type: ignore[assignment]
            if service is None or operation is None:
                return EMPTY
        code = a.operations.get((service, operation))
        if code is None:
            code = a.operation(service, operation)
        if code == _NO_OPERATION:
            return EMPTY
        walk_request, walk_response = a.walkers.CALLS[code]
        if stream_arn is not None:
            request = {**(request if isinstance(request, Mapping) else {}), "StreamArn": stream_arn}
        data = a.encode((code, walk_request(request), walk_response(response)))
        config = a.config if dynamodb_primary_keys is None else _config_text(dynamodb_primary_keys)
        return a.reader.outcome(a.runtime.serve("sa_pointers_for_response", data, config))
    except Exception as e:
        return _answer(e, "request or response")


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
        return a.reader.outcome(a.runtime.serve("sa_pointers_for_event", data))
    except Exception as e:
        return _answer(e, "event")


def pointers_for_receive_message(output: Any) -> Outcome:
    """Consumer pointers of what SQS ``ReceiveMessage`` returned to a worker."""
    return pointers_for_response("sqs", "ReceiveMessage", {}, output)


def pointers_for_get_records(output: Any, *, stream_arn: Optional[str] = None) -> Outcome:
    """Consumer pointers of what ``GetRecords`` returned: from Kinesis
    (records with ``Data``) or from DynamoDB Streams (records with
    ``dynamodb``, whose stream ``stream_arn`` names the table)."""
    try:
        records = output.get("Records") if isinstance(output, Mapping) else None
        first = next((r for r in records if isinstance(r, Mapping)), None) if isinstance(records, list) else None
        streams = first is not None and "dynamodb" in first
    except Exception as e:
        return _answer(e, "GetRecords output")
    if streams:
        return pointers_for_response("dynamodbstreams", "GetRecords", {}, output, stream_arn=stream_arn)
    return pointers_for_response("kinesis", "GetRecords", {}, output)


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


def reload_environment() -> None:
    """Reads the settings' environment variables again: call it after
    changing them."""
    _autolink.settings = None


# Values in a key-name configuration given as a mapping: far more than
# tables and key names of any account.
_CONFIGURATION_VALUES = 100_000


def _config_text(keys: PrimaryKeys) -> bytes:
    if isinstance(keys, str):
        return _encoded(str.__str__(keys))
    import json

    try:
        return _encoded(json.dumps(_Configuration().copy(keys, 0), separators=(",", ":")))
    except Exception:
        return b"!"  # no JSON: the module reports config_invalid when a put needs it


class _Configuration:
    """A key-name configuration as JSON values, counted: a value that shares
    its parts would otherwise be written out in full, exponentially."""

    def __init__(self) -> None:
        self.values = 0

    def copy(self, value: Any, depth: int) -> Any:
        self.values += 1
        if self.values > _CONFIGURATION_VALUES or depth > 64:
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


def __dir__() -> List[str]:
    return sorted(__all__ + ["__version__"])
