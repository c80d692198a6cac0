"""The module's answers as Python objects: pointers, issues, settings.

The module writes one line per result (``wasm/ABI.md``, "Output"):

    p KIND DIRECTION HASH[ CHANGE_TIME]
    i CODE MESSAGE
    t TABLE
    s NAME VALUE

A ``t`` line names a table whose key names a put needed and no call has
shown: the integrations' DescribeTable lookups read them (``tables``).

Kinds and directions are whatever the module writes; the few seen are
kept, so every pointer of a kind shares one string.
"""

from __future__ import annotations

from collections import namedtuple
from itertools import repeat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, NamedTuple, Optional, Tuple
else:

    class _NamedTupleType(type):
        """What ``typing.NamedTuple`` does with a class body (fields from its
        annotations, defaults from their values), without importing typing,
        whose import alone costs about as much as starting the interpreter."""

        def __new__(mcs, name, bases, body):  # type: ignore[no-untyped-def]
            if not bases:
                return super().__new__(mcs, name, bases, body)
            fields = list(body.get("__annotations__", {}))
            defaults = [body[f] for f in fields if f in body]
            cls = namedtuple(name, fields, defaults=defaults, module=body["__module__"])
            cls.__doc__ = body.get("__doc__")
            cls.__annotations__ = body.get("__annotations__", {})
            cls.__qualname__ = body.get("__qualname__", name)
            return cls

    class NamedTuple(metaclass=_NamedTupleType):
        pass


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
    consumer's event or read says; ``None`` when unknown."""


class Issue(NamedTuple):
    """Why a write or a record gave no pointer."""

    code: str
    """A stable snake_case code (the README lists them)."""
    message: str
    """A sentence for people."""


class Outcome(NamedTuple):
    """Pointers in input order, then the issues of what gave none."""

    pointers: Tuple[Pointer, ...] = ()
    issues: Tuple[Issue, ...] = ()


class Settings(NamedTuple):
    """The settings read from the environment (the README lists the variables)."""

    enabled: bool = True
    """Whether calls give pointers at all."""
    dynamodb_primary_keys: Optional[str] = None
    """The key-name configuration text in force (JSON), or ``None``."""
    pointer_sampling: Optional[float] = None
    """The rate at which spans with pointers keep their traces, or ``None``."""
    describe_table: bool = False
    """Whether PutItem may learn key names by asking DynamoDB."""
    issues: Tuple[Issue, ...] = ()
    """What was wrong with the variables' values."""


EMPTY = Outcome()
_new = tuple.__new__
_KINDS_KEPT = 16


class Reader:
    """Output bytes to outcomes, remembering the heads of pointer lines."""

    def __init__(self) -> None:
        # b"p KIND DIRECTION " -> (kind, direction)
        self.heads: Dict[bytes, Tuple[str, str]] = {}

    def outcome(self, out: bytes) -> Outcome:
        heads = self.heads
        # The commonest answer: one pointer line without a change time (its
        # only line break is its last byte).
        known = heads.get(out[:-33])
        if known is not None and out.find(b"\n") == len(out) - 1:
            return _new(Outcome, ((_new(Pointer, (known[0], known[1], out[-33:-1].decode(), None)),), ()))
        if not out:
            return EMPTY
        if out[:2] == b"p ":
            batch = self.uniform(out)
            if batch is not None:
                return _new(Outcome, (batch, ()))
        pointers: List[Pointer] = []
        issues: List[Issue] = []
        for line in out.split(b"\n"):
            tag = line[:2]
            if tag == b"p ":
                fields = line.split(b" ")
                if len(fields) not in (4, 5):
                    continue
                head = line[: len(fields[0]) + len(fields[1]) + len(fields[2]) + 3]
                known = heads.get(head)
                if known is None:
                    known = (fields[1].decode("ascii", "replace"), fields[2].decode("ascii", "replace"))
                    if len(heads) < _KINDS_KEPT:
                        heads[head] = known
                change_time = int(fields[4]) if len(fields) == 5 and fields[4].isdigit() else None
                pointers.append(_new(Pointer, (known[0], known[1], fields[3].decode("ascii", "replace"), change_time)))
            elif tag == b"i ":
                code, _, message = line[2:].decode("utf-8", "replace").partition(" ")
                issues.append(_new(Issue, (code, message)))
        return _new(Outcome, (tuple(pointers), tuple(issues)))

    def uniform(self, out: bytes) -> Optional[Tuple[Pointer, ...]]:
        """The pointers of an output of pointer lines only, all of one kind and
        direction, all with a change time or all without (a batch of records
        commonly is), or None for any other output. The fields are found by
        one split of the whole text and the pointers made by ``map``, so no
        Python code runs per line; every line's fields are checked where
        the split put them (an issue line, or a line with a field too many
        or too few, puts other fields there)."""
        lines = out.count(b"\n")
        first = out[: out.find(b"\n")].split(b" ")
        k = len(first)
        if k not in (4, 5) or not lines or out[-1] != 10:
            return None
        known = self.heads.get(b" ".join(first[:3]) + b" ")
        if known is None:
            return None
        try:
            parts = out.decode("ascii").split()
        except UnicodeDecodeError:
            return None
        kind, direction = known
        hashes = parts[3::k]
        if (
            len(parts) != k * lines
            or parts[0::k].count("p") != lines
            or parts[1::k].count(kind) != lines
            or parts[2::k].count(direction) != lines
            or len("".join(hashes)) != 32 * lines
        ):
            return None
        if k == 5:
            times = parts[4::k]
            # ASCII digits only, as the line-by-line reading takes them
            # (bytes.isdigit: str.isdigit looks each character up).
            if not "".join(times).encode("ascii").isdigit():
                return None
            changes: Any = map(int, times)
        else:
            changes = repeat(None, lines)
        return tuple(map(_new, repeat(Pointer, lines), zip(repeat(kind, lines), repeat(direction, lines), hashes, changes)))

    @staticmethod
    def tables(out: bytes) -> List[str]:
        """The tables of the ``t`` lines, which come last."""
        at = 0 if out[:2] == b"t " else out.find(b"\nt ") + 1
        if at == 0 and out[:2] != b"t ":
            return []
        return [line[2:].decode("ascii", "replace") for line in out[at:].split(b"\n") if line[:2] == b"t "]


def settings(out: bytes, environment: Dict[str, str]) -> Settings:
    """``sa_settings`` output, with ``environment`` the variables it was given."""
    values: Dict[str, object] = {}
    issues: List[Issue] = []
    for line in out.decode("utf-8", "replace").split("\n"):
        if line.startswith("s "):
            name, _, value = line[2:].partition(" ")
            if name in ("enabled", "describe_table"):
                values[name] = value == "true"
            elif name == "pointer_sampling":
                values[name] = float(value)
            elif name == "dynamodb_primary_keys":
                values[name] = environment.get(value)
        elif line.startswith("i "):
            code, _, message = line[2:].partition(" ")
            issues.append(Issue(code, message))
    return Settings(issues=tuple(issues), **values)  # type: ignore[arg-type]


def failure(code: str, message: str) -> Outcome:
    """An outcome of one issue; its message on one line, as the module's are."""
    return _new(Outcome, ((), (_new(Issue, (code, " ".join(message.split()))),)))
