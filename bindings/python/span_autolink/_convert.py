"""Python values to the module's input, and its output lines to objects.

The module says what it reads (``sa_response_projection``,
``sa_event_projection``); this file walks the caller's dicts and lists
along that projection and encodes only what it names, so that an S3
``Body`` (a file, a stream, megabytes of bytes) or a stream record's item
images are never read, copied or encoded. Two encodings, each where it
measured faster (``wasm/ABI.md`` describes both):

- One call's few members as JSON text, walked and written in one pass by
  generated f-strings (``compile_projection``): a PutObject in 0.6 us.
  Host types that JSON has no word for are written the way ABI.md asks:
  bytes as ``{"$bytes": base64}``, ``Decimal`` as a typed ``{"N": text}``.
- An event in Python's marshal format (``compile_projector`` and
  ``encode_marshal``): the walk keeps the caller's own objects where the
  projection takes a value whole, and ``marshal.dumps``, written in C,
  puts each string's length in front of it, so that nothing is escaped
  here or scanned there. A 1,000-record stream event takes 0.8 ms this way
  against 1.75 ms as JSON text; but ``marshal.dumps`` alone costs 0.4 us,
  more than a whole PutObject written as JSON.
"""

from __future__ import annotations

import json
import marshal
import sys
from binascii import b2a_base64
from collections.abc import Mapping, Set
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

Encode = Callable[[Any], str]
Project = Callable[[Any], Any]


def compile_projection(projection: Any) -> Encode:
    """A function that writes as JSON text (ASCII) only what ``projection``
    (ABI.md, "Projections") names of a value, walking and encoding in one
    pass without building a projected copy.

    The projection becomes Python source (one function per object or list
    level, each member inlined): for a 1,000-record stream event this runs
    in half the time of a tree of closures. Member names are embedded with
    ``repr``; nothing else from the module reaches the source."""
    encode: Encode = _compile(projection, _JSON_STYLE, {"text": encode_text, "esc": _escape})
    return encode


_MISSING = object()


class _Style(NamedTuple):
    """What a generated walker does at each kind of projection."""

    whole: str  # the function for a value taken whole ("" for none)
    other: str  # what a list or member projection returns for any other value
    each: Callable[[str], str]  # the expression for a list, given the element function
    members: Callable[[List[Tuple[str, str]], List[str]], None]  # appends an object's body


def _emit(projection: Any, lines: List[str], counter: List[int], style: _Style) -> str:
    """Appends the source of the walker for ``projection`` (one function
    per object or list level, nested ones first) and returns its name."""
    if projection is True:
        return style.whole
    counter[0] += 1
    name = f"_p{counter[0]}"
    if isinstance(projection, list) and len(projection) == 1:
        inner = _emit(projection[0], lines, counter, style)
        lines += [
            f"def {name}(v):",
            "    if type(v) is list or type(v) is tuple:",
            f"        return {style.each(inner)}",
            f"    return {style.other}",
        ]
        return name
    if not isinstance(projection, dict):
        raise ValueError(f"unknown projection {projection!r}")
    members = [(member, _emit(p, lines, counter, style)) for member, p in projection.items()]
    lines += [
        f"def {name}(v):",
        "    if type(v) is not dict and not isinstance(v, Mapping):",
        f"        return {style.other}",
    ]
    style.members(members, lines)
    return name


def _compile(projection: Any, style: _Style, names: Dict[str, Any]) -> Any:
    """The walker ``style`` generates for ``projection``, compiled with
    ``names`` (the functions its source calls) in scope."""
    if projection is True:
        return names[style.whole] if style.whole else _whole
    lines: List[str] = []
    top = _emit(projection, lines, [0], style)
    namespace: Dict[str, Any] = {**names, "Mapping": Mapping, "MISSING": _MISSING}
    exec("\n".join(lines), namespace)  # noqa: S102 - source generated above
    return namespace[top]


def _whole(value: Any) -> Any:
    return value


def _json_members(members: List[Tuple[str, str]], lines: List[str]) -> None:
    if not members:
        lines.append("    return '{}'")
        return
    lines.append("    g = v.get")
    # Per member: its `"name":` as f-string text (braces doubled), and the
    # f-string field that writes its value.
    parts = []
    for i, (member, inner) in enumerate(members):
        lines.append(f"    x{i} = g({member!r}, MISSING)")
        name_text = (_escape(str(member)) + ":").replace("{", "{{").replace("}", "}}")
        value = f"(esc(x{i}) if type(x{i}) is str else text(x{i}))" if inner == "text" else f"{inner}(x{i})"
        parts.append((name_text, "{" + value + "}", inner == "text"))
    # The usual shape, in one expression: every member read whole is there
    # and every member projected further is not (a PutObject's Bucket and
    # Key, its ETag without the v2 SDK's `data`).
    if any(whole for _, _, whole in parts):
        test = " and ".join(
            f"x{i} is not MISSING" if whole else f"x{i} is MISSING" for i, (_, _, whole) in enumerate(parts)
        )
        # One f-string: a single join, where `+` would copy at every step.
        template = "{{" + ",".join(name_text + value for name_text, value, whole in parts if whole) + "}}"
        lines += [f"    if {test}:", f"        return f{template!r}"]
    # Otherwise each member there is appended as ',"name":value' (one
    # f-string each); the first comma goes.
    lines.append("    s = ''")
    for i, (name_text, value, _) in enumerate(parts):
        lines += [f"    if x{i} is not MISSING:", "        s = f" + repr("{s}," + name_text + value)]
    lines.append("    return f'{{{s[1:]}}}'")


_JSON_STYLE = _Style(
    whole="text",
    other="text(v)",
    each=lambda inner: f"f\"[{{','.join([{inner}(x) for x in v])}}]\"",
    members=_json_members,
)


def _bytes(value: Any) -> Dict[str, str]:
    return {"$bytes": b2a_base64(value, newline=False).decode("ascii")}


def _host_value(value: Any) -> Any:
    """``default=`` of the encoder: types JSON does not know."""
    value = _foreign(value)
    return _bytes(value) if type(value) is bytes else value


def _foreign(value: Any) -> Any:
    """A host type that neither JSON nor marshal writes, as the plain value
    ABI.md asks for: bytes, a dict, a list, or a marker of what it was."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    # A Decimal can only exist once the decimal module is loaded; not
    # importing it here keeps `import span_autolink` cheap.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        # A number marshal can carry when a float holds it exactly (a time
        # in seconds); a typed number otherwise, exact for the key rules.
        try:
            as_float = float(value)
            if value.is_finite() and decimal.Decimal(repr(as_float)) == value:
                return as_float
        except (ValueError, OverflowError, ArithmeticError):
            pass
        return {"N": str(value)}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Set):
        return list(value)
    binary = getattr(value, "value", None)  # boto3.dynamodb.types.Binary, duck-typed
    if isinstance(binary, (bytes, bytearray, memoryview)):
        return bytes(binary)
    # Something no rule can read (a stream, a date): never iterate it, and
    # never turn it into text that could pass for a key value.
    return {"$unsupported": type(value).__name__}


def _encoders() -> Tuple[Encode, Encode]:
    """(JSON text of a value, JSON text of a string), ASCII only.

    The json module's C encoder, made once: ``json.dumps`` and
    ``JSONEncoder.encode`` build a new one on every call, which costs more
    than encoding a whole PutObject. No circular-reference bookkeeping (it
    would be shared between threads): circular input ends in RecursionError,
    which the caller reports."""
    from json.encoder import encode_basestring_ascii

    slow = json.JSONEncoder(
        skipkeys=True, ensure_ascii=True, allow_nan=True, separators=(",", ":"), default=_host_value
    ).encode
    try:
        from json.encoder import c_make_encoder  # type: ignore[attr-defined]

        fast = c_make_encoder(None, _host_value, encode_basestring_ascii, None, ":", ",", False, True, True)
        join = "".join
        esc = encode_basestring_ascii

        def text(value: Any) -> str:
            if type(value) is str:
                return esc(value)
            if type(value) is dict:
                # Maps of one-member maps of strings ({"id": {"S": "x"}}:
                # every typed key, stream Keys included) in one pass; the C
                # encoder spends about 300 ns on each dict it enters. Any
                # other shape, or a key or value that is not a string
                # (esc raises TypeError), goes to the C encoder.
                s = ""
                try:
                    for k, x in value.items():
                        if type(x) is not dict or len(x) != 1:
                            break
                        for t, y in x.items():
                            s = f"{s},{esc(k)}:{{{esc(t)}:{esc(y)}}}"
                    else:
                        return f"{{{s[1:]}}}"
                except TypeError:
                    pass
            return join(fast(value, 0))

        sample = {"a": [1, 2.5, None, True, "\u00e9"], "b": b"\x00", "c": {1: "x"}, "d": "\ud800"}
        typed = {"k\u00e9": {"S": "\ud800\""}, "n": {"N": "1.50"}}
        if text(sample) == slow(sample) and text(typed) == slow(typed):
            return text, encode_basestring_ascii
    except Exception:
        pass
    return slow, encode_basestring_ascii


encode_text, _escape = _encoders()


# In front of marshal data in the module's input (ABI.md); JSON text never
# starts with a NUL byte.
_TAG = b"\0m"
_VERSION = 4  # the marshal format version ABI.md describes
_dumps = marshal.dumps

# Deeper than the module reads (128 levels), so that what is cut off here
# is refused there with input_invalid.
_MAX_DEPTH = 130


def encode_marshal(value: Any) -> bytes:
    """The module's input for ``value`` (a projected value: plain types, or
    the caller's own objects where a projection keeps a value whole)."""
    try:
        return _TAG + _dumps(value, _VERSION)
    except ValueError:
        # A type marshal does not write (Decimal, a Mapping that is not a
        # dict, a str subclass) or nesting beyond its limit.
        return _TAG + _dumps(_plain(value, 0), _VERSION)


def compile_projector(projection: Any) -> Project:
    """A function that returns only what ``projection`` (ABI.md,
    "Projections") names of a value: a dict of the named members, each
    projected in turn, a list of projected elements, and the caller's own
    object wherever the projection takes a value whole; nothing is copied
    or converted.

    The projection becomes Python source (one function per object or list
    level, each member inlined), which runs in half the time of a tree of
    closures. Member names are embedded with ``repr``; nothing else from
    the module reaches the source."""
    project: Project = _compile(projection, _PROJECTOR_STYLE, {})
    return project


def _projector_members(members: List[Tuple[str, str]], lines: List[str]) -> None:
    if not members:
        lines.append("    return {}")
        return
    # `in` then `[]` costs less than `.get(name, MISSING)` on a dict, and
    # means the same for any Mapping.
    for i, (member, _) in enumerate(members):
        lines.append(f"    x{i} = v[{member!r}] if {member!r} in v else MISSING")
    # The usual shape, as one dict display: every member kept whole is
    # there and every member projected further is not (a PutObject's
    # Bucket and Key, its ETag without the v2 SDK's `data`).
    if any(not inner for _, inner in members):
        test = " and ".join(
            f"x{i} is not MISSING" if not inner else f"x{i} is MISSING" for i, (_, inner) in enumerate(members)
        )
        display = ", ".join(f"{member!r}: x{i}" for i, (member, inner) in enumerate(members) if not inner)
        lines += [f"    if {test}:", f"        return {{{display}}}"]
    lines.append("    d = {}")
    for i, (member, inner) in enumerate(members):
        value = f"{inner}(x{i})" if inner else f"x{i}"
        lines += [f"    if x{i} is not MISSING:", f"        d[{member!r}] = {value}"]
    lines.append("    return d")


_PROJECTOR_STYLE = _Style(
    whole="",
    other="v",
    each=lambda inner: f"[{inner}(x) for x in v]" if inner else "[x for x in v]",
    members=_projector_members,
)


def _plain(value: Any, depth: int) -> Any:
    """``value`` in the types marshal writes: what a host hands over that
    marshal has no word for, the way ABI.md asks for it."""
    scalar = _scalar(value)
    if scalar is not _MISSING:
        return scalar
    if type(value) is bytes:
        return value
    if depth > _MAX_DEPTH:
        return None
    depth += 1
    if isinstance(value, Mapping):
        plain = {}
        for k, x in value.items():
            # Keys as ``json.dumps(..., skipkeys=True)`` takes them: a
            # member under any other key is left out.
            k = _scalar(k)
            if k is not _MISSING:
                plain[k] = _plain(x, depth)
        return plain
    if isinstance(value, (list, tuple, Set)):
        return [_plain(x, depth) for x in value]
    plain = _foreign(value)
    return _plain(plain, depth) if type(plain) is not bytes else plain


def _scalar(value: Any) -> Any:
    """A str, int, float, bool or None as its exact type (marshal refuses
    subclasses), or ``_MISSING`` for any other value."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return _MISSING


class Pointer(NamedTuple):
    """A span pointer (SPEC section 2)."""

    kind: str
    """``aws.s3.object`` or ``aws.dynamodb.item``."""
    direction: str
    """``d`` (this span wrote the object or item) or ``u`` (it was triggered by it)."""
    hash: str
    """32 lowercase hex characters."""
    change_time: Optional[int] = None
    """When the object or item changed, in Unix nanoseconds, where the
    consumer's event says (S3 ``eventTime``, DynamoDB
    ``ApproximateCreationDateTime``, Kinesis ``approximateArrivalTimestamp``);
    ``None`` when unknown."""


class Issue(NamedTuple):
    """Why a write or a record gave no pointer."""

    code: str
    """A stable snake_case code (conformance/README.md lists them)."""
    message: str
    """A sentence for people."""


class Outcome(NamedTuple):
    """Pointers in input order, then the issues of what gave none."""

    pointers: Tuple[Pointer, ...] = ()
    issues: Tuple[Issue, ...] = ()


EMPTY = Outcome()
# "p KIND DIRECTION " of every pointer line (ABI.md, "Output"), for the
# commonest output: exactly one pointer.
_ONE_POINTER = {
    f"p {kind} {direction} ".encode(): (kind, direction)
    for kind in ("aws.s3.object", "aws.dynamodb.item")
    for direction in ("d", "u")
}
_new = tuple.__new__


def parse(out: bytes) -> Outcome:
    """The module's output lines (``p KIND DIR HASH [CHANGE_TIME]``,
    ``i CODE MESSAGE``)."""
    if not out:
        return EMPTY
    one = _ONE_POINTER.get(out[:-33])  # one pointer line: a known head, then the hash
    if one is not None and out[-1] == 10:
        # The module writes hashes as hex digits: the plain decode is exact.
        return _new(Outcome, ((_new(Pointer, (one[0], one[1], out[-33:-1].decode(), None)),), ()))
    if out[0] == 112 and b"\ni " not in out:  # pointers only, one line each
        # A stream's pointers usually share their kind and direction and
        # have no change time: then the lines have one width, and each hash
        # is a slice of the text. (A hash is hex, so the head is found only
        # at the starts of lines.)
        head = out[: out.find(b"\n") - 32]
        shared = _ONE_POINTER.get(head)
        width = len(head) + 33
        if shared is not None and out.count(head) * width == len(out):
            kind, direction = shared
            text = out.decode()
            return _new(
                Outcome,
                (
                    tuple(
                        [_new(Pointer, (kind, direction, text[i : i + 32], None)) for i in range(len(head), len(out), width)]
                    ),
                    (),
                ),
            )
    text = out.decode("utf-8", "replace")
    pointers: List[Pointer] = []
    issues: List[Issue] = []
    for line in text.split("\n"):
        if line.startswith("p "):
            fields = line[2:].split(" ")
            if len(fields) == 3:
                pointers.append(_new(Pointer, (fields[0], fields[1], fields[2], None)))
            elif len(fields) == 4 and fields[3].isdigit():
                pointers.append(_new(Pointer, (fields[0], fields[1], fields[2], int(fields[3]))))
        elif line.startswith("i "):
            code, _, message = line[2:].partition(" ")
            issues.append(_new(Issue, (code, message)))
    return _new(Outcome, (tuple(pointers), tuple(issues)))


def failure(message: str) -> Outcome:
    message = " ".join(message.split())  # one line, like the module's messages
    return _new(Outcome, ((), (_new(Issue, ("internal_error", message)),)))

