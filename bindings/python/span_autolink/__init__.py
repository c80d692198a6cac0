"""span-autolink: span pointers for S3 and DynamoDB, computed by the same
WebAssembly module in every tracer.

    import span_autolink

    outcome = span_autolink.pointers_for_response("s3", "PutObject", params, result)
    for pointer in outcome.pointers:
        span.set_link(0, 0, attributes=span_autolink.span_link_attributes(pointer))
    for issue in outcome.issues:
        log.debug("no span pointer: %s %s", issue.code, issue.message)

    outcome = span_autolink.pointers_for_event(lambda_event)

Every rule lives in the module (``span_autolink.wasm``, built from the Rust
crate ``span-autolink``); this package only hands it the parts of botocore's
and boto3's values that the rules read, and reads its answer. Importing it
loads neither wasmtime nor the module: the first call does, from an on-disk
cache of the compiled module when there is one.

Nothing here raises into the caller: a failure of the module or its host
comes back as the issue ``internal_error``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple, Union

from ._convert import (
    EMPTY,
    Issue,
    Outcome,
    Pointer,
    compile_projection,
    compile_projector,
    encode_marshal,
    encode_text,
    failure,
    parse,
)

__all__ = [
    "Issue",
    "Outcome",
    "Pointer",
    "keep_for_sampling",
    "pointers_for_event",
    "pointers_for_response",
    "span_link_attributes",
    "span_links_json",
]

__version__ = "0.1.0"

KEYS_ENV = "DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS"
ENABLED_ENV = "DD_BOTOCORE_ADD_SPAN_POINTERS"

PrimaryKeys = Union[Mapping[str, Iterable[str]], str]



def _environment() -> Callable[[bytes], Optional[bytes]]:
    """Reads an environment variable as bytes. Every call reads it afresh,
    so a change through os.environ takes effect at once; on POSIX straight
    from the dict behind os.environ (``os.environ.get`` costs as much as
    a tenth of a whole call)."""
    data = getattr(os.environ, "_data", None)
    if os.name == "posix" and type(data) is dict:
        try:
            if getattr(os.environ, "encodekey")(KEYS_ENV) == KEYS_ENV.encode():
                return data.get
        except Exception:
            pass

    def get(name: bytes) -> Optional[bytes]:
        value = os.environ.get(name.decode())
        return None if value is None else value.encode("utf-8", "surrogateescape")

    return get


_env = _environment()
_KEYS = KEYS_ENV.encode()
_ENABLED = ENABLED_ENV.encode()
_ON = (b"true", b"1")
_NO_WRITE = object()  # the call writes nothing a pointer can name
# (service, operation) -> a function of (request, response) to input bytes, or _NO_WRITE
_plans: Dict[Tuple[str, str], Any] = {}
_MAX_PLANS = 4096
_event_projection: Optional[Callable[[Any], Any]] = None


def _enabled() -> bool:
    # As ddtrace and datadog-lambda read it: on unless set to something
    # other than "true" or "1".
    value = _env(_ENABLED)
    return value is None or value.lower() in _ON


_loaded_host: Any = None


def _host() -> Any:
    global _loaded_host
    if _loaded_host is None:
        from . import _module  # imports ctypes; wasmtime only as a fallback

        _loaded_host = _module
    return _loaded_host


def _plan(service: str, operation: str) -> Any:
    answer = _host().response_projection(service, operation)
    if not answer:
        plan: Any = _NO_WRITE
    else:
        projection = json.loads(answer)
        request_text = compile_projection(projection["request"])
        response_text = compile_projection(projection["response"])
        head = f'{{"service":{encode_text(service)},"operation":{encode_text(operation)},"request":'

        def plan(request: Any, response: Any) -> bytes:
            return f'{head}{request_text(request)},"response":{response_text(response)}}}'.encode("ascii")

    if len(_plans) < _MAX_PLANS:
        _plans[(service, operation)] = plan
    return plan


def _config_text(keys: Optional[PrimaryKeys]) -> bytes:
    if keys is None:
        return _env(_KEYS) or b""
    if isinstance(keys, str):
        return keys.encode("utf-8", "surrogatepass")
    try:
        return json.dumps(keys, default=_config_value, separators=(",", ":")).encode("utf-8", "surrogatepass")
    except (TypeError, ValueError) as e:
        # Text the module rejects with config_invalid when a put needs it.
        return f"<dynamodb_primary_keys cannot be written as JSON: {e}>".encode()


def _config_value(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if all(isinstance(v, str) for v in value) else list(value)
    raise TypeError(f"{type(value).__name__} is not a list of attribute names")


def pointers_for_response(
    service: str,
    operation: str,
    request: Any,
    response: Any,
    *,
    dynamodb_primary_keys: Optional[PrimaryKeys] = None,
) -> Outcome:
    """Producer pointers (direction ``d``) of a successful AWS call.

    ``service`` and ``operation`` as botocore names them (``"s3"``,
    ``"PutObject"``); ``request`` the call's parameters and ``response`` its
    result, as botocore or boto3 hand them over: typed values
    (``{"S": "x"}``, ``{"B": b"..."}``) or boto3's plain ones (``str``,
    ``int``, ``Decimal``, ``bytes``, ``Binary``). Only the fields the rules
    read are looked at: an S3 ``Body`` is never touched.

    ``dynamodb_primary_keys`` (``{"orders": ["customerId", "orderId"]}``, or
    that as JSON text) names the key attributes of tables written with
    PutItem; by default ``DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS``.
    ``DD_BOTOCORE_ADD_SPAN_POINTERS=false`` turns pointers off.
    """
    try:
        enabled = _env(_ENABLED)
        if enabled is not None and enabled.lower() not in _ON:
            return EMPTY
        plan = _plans.get((service, operation))
        if plan is None:
            if type(service) is not str or type(operation) is not str:
                return EMPTY
            plan = _plan(service, operation)
        if plan is _NO_WRITE:
            return EMPTY
        payload = plan(request, response)
        if dynamodb_primary_keys is None:
            config = _env(_KEYS) or b""
        else:
            config = _config_text(dynamodb_primary_keys)
        return parse((_loaded_host or _host()).call_response(payload, config))
    except Exception as e:
        return failure(f"span-autolink could not compute pointers for {service} {operation}: {type(e).__name__}: {e}")


def pointers_for_event(event: Any) -> Outcome:
    """Consumer pointers (direction ``u``) of a Lambda event: S3
    notifications and DynamoDB Stream records, direct or wrapped in SQS,
    SNS, EventBridge or Kinesis. ``event`` is the event as the handler
    receives it."""
    global _event_projection
    try:
        if not _enabled():
            return EMPTY
        project = _event_projection
        if project is None:
            project = _event_projection = compile_projector(json.loads(_host().event_projection()))
        payload = encode_marshal(project(event))
        return parse((_loaded_host or _host()).call_event(payload))
    except Exception as e:
        return failure(f"span-autolink could not compute pointers for an event: {type(e).__name__}: {e}")


CHANGE_TIME_ATTRIBUTE = "span_autolink.change_time"


def span_link_attributes(pointer: Pointer) -> Dict[str, Union[str, int]]:
    """The attributes of the span link that carries ``pointer`` (its trace
    and span ids are both 0): ``link.kind``, ``ptr.kind``, ``ptr.dir``,
    ``ptr.hash``, and ``span_autolink.change_time`` (integer Unix
    nanoseconds) where the pointer has a change time."""
    attributes: Dict[str, Union[str, int]] = {
        "link.kind": "span-pointer",
        "ptr.kind": pointer.kind,
        "ptr.dir": pointer.direction,
        "ptr.hash": pointer.hash,
    }
    change_time = getattr(pointer, "change_time", None)
    if type(change_time) is int:
        attributes[CHANGE_TIME_ATTRIBUTE] = change_time
    return attributes


def keep_for_sampling(hash: str, rate: float) -> bool:
    """Whether a span carrying the pointer ``hash`` asks to keep its trace
    when sampling at ``rate`` (0 to 1). Both sides of a hop compute the same
    pointer hash, so they make the same decision. Never raises."""
    try:
        if type(hash) is not str or not isinstance(rate, (int, float)):
            return False
        return (_loaded_host or _host()).keep_for_sampling(f"{hash} {float(rate)!r}".encode("ascii", "replace"))
    except Exception:
        return False


def span_links_json(pointers: Iterable[Pointer]) -> str:
    """The pointers as the ``_dd.span_links`` meta value of tracers that
    write span links into a span's meta."""
    return json.dumps(
        [
            {
                "trace_id": "00000000000000000000000000000000",
                "span_id": "0000000000000000",
                "attributes": span_link_attributes(p),
            }
            for p in pointers
        ],
        separators=(",", ":"),
    )
