"""Python values into the module's input (``wasm/ABI.md``, "Input").

The generated walkers (``_generated.py``) return what marshal writes of a
call or an event along the core's projections: tuples of the members a
projection names, lists of walked items, and the caller's own objects
wherever a value is taken whole. ``marshal.dumps``, written in C, puts
each string's length in front of it and writes a shared object once, as
a reference. Values marshal has no word for (a ``Decimal``, a ``datetime``,
a ``Mapping`` that is not a dict, subclasses of ``str`` and ``int``) send
the input through this file's own writer of the same format, which writes
each as the plain value the rules read, and each container once, so
shared structure stays shared.

Work stops at the core's bounds before it is done: a list longer than any
AWS list, nesting deeper than the module reads, input larger than it reads.
"""

from __future__ import annotations

import marshal
import struct
import sys
from collections.abc import Mapping, Set
# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Tuple

# _generated imports this module once its constants are set.
from ._generated import MAX_DEPTH, MAX_INPUT_BYTES, MAX_LIST_ITEMS, TOO_DEEP, TOO_LARGE, TOO_MANY_ITEMS

# In front of marshal data in the module's input; JSON text never starts with a NUL byte.
TAG = b"\0m"
VERSION = 4  # the marshal format ABI.md describes
_dumps = marshal.dumps


class Bound(Exception):
    """An input passed one of the core's bounds; the message is the core's sentence."""


def too_many_items() -> None:
    raise Bound(TOO_MANY_ITEMS)


def other_object(value: Any) -> Any:
    """A value where a projection names members, that is not a mapping: it
    goes whole, and the rules see its type. A tuple goes as a list, since a
    tuple there would read as the projected object."""
    if isinstance(value, tuple):
        return list(value)
    return value


def other_list(value: Any, item: Callable[[Any], Any]) -> Any:
    """A value where a projection walks a list's items, that is not a list:
    a tuple is walked as a list; anything else goes whole."""
    if isinstance(value, tuple):
        if len(value) > MAX_LIST_ITEMS:
            too_many_items()
        return [None if x is None else item(x) for x in value]
    return other_object(value)


def encode(value: Any) -> bytes:
    """The module's input for a walked value."""
    try:
        data = _dumps(value, VERSION)
    except ValueError:
        # A type marshal does not write, or nesting beyond its own limit.
        data = Writer().value(value, 0).data()
    if len(data) + 2 > MAX_INPUT_BYTES:
        raise Bound(TOO_LARGE)
    return TAG + data


class Writer:
    """Writes one input in marshal's format where ``marshal.dumps`` cannot:
    the types it has no word for as the plain values the rules read, each
    container once (later as a reference), so shared structure stays
    shared. ``wasm/ABI.md`` lists the type bytes."""

    def __init__(self) -> None:
        self.parts: List[bytes] = []
        self.size = 0
        # id -> (the object, its reference index): the object is kept so
        # that its id cannot be reused by another one during this input.
        self.indices: Dict[int, Tuple[Any, int]] = {}

    def data(self) -> bytes:
        return b"".join(self.parts)

    def put(self, part: bytes) -> None:
        self.size += len(part)
        if self.size > MAX_INPUT_BYTES:
            raise Bound(TOO_LARGE)
        self.parts.append(part)

    def value(self, value: Any, depth: int) -> "Writer":
        t = type(value)
        if value is None:
            self.put(b"N")
        elif t is bool:
            self.put(b"T" if value else b"F")
        elif t is int:
            self.integer(value)
        elif t is float:
            self.put(b"g" + _pack_double(value))
        elif t is str:
            self.text(value)
        elif t is bytes:
            self.put(b"s" + _pack_length(len(value)) + value)
        else:
            if depth > MAX_DEPTH:
                raise Bound(TOO_DEEP)
            seen = self.indices.get(id(value))
            if seen is not None:
                self.put(b"r" + _pack_length(seen[1]))
            else:
                self.other(value, t, depth)
        return self

    def flagged(self, type_byte: str, value: Any) -> bytes:
        """The type byte of a container, flagged: it takes the next reference index."""
        self.indices[id(value)] = (value, len(self.indices))
        return bytes([ord(type_byte) | _FLAG_REF])

    def other(self, value: Any, t: type, depth: int) -> None:
        if t is dict or isinstance(value, Mapping):
            self.put(self.flagged("{", value))
            for k, x in value.items():
                # A member under a key no JSON text could name is left out,
                # as the module leaves it out of a dict.
                k = _scalar(k)
                if k is not _NOT_SCALAR:
                    self.value(k, depth + 1)
                    self.value(x, depth + 1)
            self.put(b"0")
        elif isinstance(value, (list, tuple, Set, frozenset)):
            if len(value) > MAX_LIST_ITEMS:
                too_many_items()
            # A tuple the walkers made is a projected object: it stays a tuple.
            if isinstance(value, tuple) and len(value) < 256:
                self.put(self.flagged(")", value) + bytes([len(value)]))
            elif isinstance(value, tuple):
                self.put(self.flagged("(", value) + _pack_length(len(value)))
            else:
                self.put(self.flagged("[", value) + _pack_length(len(value)))
            for x in value:
                self.value(x, depth + 1)
        else:
            plain = _foreign(value)
            if type(plain) is _Number:
                self.put(b"f" + bytes([len(plain.text)]) + plain.text)
            else:
                self.value(plain, depth + 1)

    def integer(self, value: int) -> None:
        if -(2**31) <= value < 2**31:
            self.put(b"i" + _pack_int(value))
            return
        digits = []
        magnitude = abs(value)
        while magnitude:
            digits.append(magnitude & 0x7FFF)
            magnitude >>= 15
        count = len(digits) if value > 0 else -len(digits)
        self.put(b"l" + _pack_int(count) + b"".join(_pack_digit(d) for d in digits))

    def text(self, value: str) -> None:
        # Lone surrogates as Python's marshal writes them; the module reads
        # each as U+FFFD.
        encoded = value.encode("utf-8", "surrogatepass")
        self.put(b"u" + _pack_length(len(encoded)) + encoded)


_FLAG_REF = 0x80
_pack_int = struct.Struct("<i").pack
_pack_length = struct.Struct("<I").pack
_pack_double = struct.Struct("<d").pack
_pack_digit = struct.Struct("<H").pack


class _Number:
    """A number as its exact decimal text (a ``Decimal``), which marshal
    writes as ``f``: text of at most 255 characters."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text


_NOT_SCALAR = object()


def _scalar(value: Any) -> Any:
    """A str, int, float, bool or None as its exact type (marshal refuses
    subclasses), or ``_NOT_SCALAR``."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return _NOT_SCALAR


def _foreign(value: Any) -> Any:
    """A host value neither marshal nor JSON has a word for, as the plain
    value the rules read: its bytes, a number, a time, or a marker of what
    it was."""
    scalar = _scalar(value)
    if scalar is not _NOT_SCALAR:
        return scalar
    if isinstance(value, (bytes, bytearray, memoryview)):
        # The buffer's own content, as botocore sends it: a subclass's
        # __bytes__ is not what went over the wire.
        return memoryview(value).tobytes()
    # A Decimal or a datetime can only exist once their modules are
    # loaded; not importing them here keeps `import span_autolink` cheap.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        return _decimal(value)
    datetime = sys.modules.get("datetime")
    if datetime is not None and isinstance(value, datetime.datetime):
        # RFC 3339, as the SDKs put times on the wire; a naive time is UTC,
        # as botocore parses the service's times.
        text = value.isoformat()
        return text if value.utcoffset() is not None else text + "Z"
    binary = getattr(value, "value", None)  # boto3.dynamodb.types.Binary, duck-typed
    if isinstance(binary, (bytes, bytearray, memoryview)):
        return memoryview(binary).tobytes()
    # Something no rule can read (a stream, a file): never iterate it, and
    # never turn it into text that could pass for a key value.
    return {"$unsupported": type(value).__name__}


def _decimal(value: Any) -> Any:
    """A ``Decimal`` as the number it is, exactly: its text. NaN and the
    infinities are no number a rule takes; as typed numbers they say so
    (``number_invalid``) where a key value is read."""
    if not value.is_finite():
        return {"N": str(value)}
    text = str(value).encode("ascii")
    if len(text) > 255:
        raise Bound("a number has more than 255 characters, more than DynamoDB or any AWS number")
    return _Number(text)
