"""Pointer sampling in the tracer integrations (``span_autolink.ddtrace``,
``span_autolink.opentelemetry``): whether a span carrying an outcome's
pointers asks to keep its trace."""

from __future__ import annotations

from typing import Optional

import span_autolink as _sa
from span_autolink import Outcome


def kept_by_pointer(outcome: Outcome, rate: Optional[float] = None) -> bool:
    """With a pointer sampling rate (``rate``, else the setting
    SPAN_AUTOLINK_POINTER_SAMPLING), whether the core's keep rule holds for
    one of the outcome's pointers. Both sides of a hop hash the same
    pointer, so they decide alike and a linked pair survives sampling
    together. Never raises."""
    try:
        if type(rate) not in (int, float):
            rate = _sa.settings().pointer_sampling
            if rate is None:
                return False
        return any(_sa.keep_for_sampling(p.hash, rate) for p in outcome.pointers)
    except Exception:
        return False
