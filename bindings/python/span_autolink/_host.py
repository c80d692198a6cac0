"""What both wasmtime hosts (``_capi.py``, ``_public.py``) share: the
module's exports (``wasm/ABI.md``) and the errors a host raises."""

from __future__ import annotations

EXPORTS = (
    "sa_abi_version",
    "sa_input",
    "sa_output",
    "sa_configure",
    "sa_pointers_for_response",
    "sa_pointers_for_event",
    "sa_operation",
    "sa_keep_for_sampling",
    "sa_settings",
    "sa_setting_variables",
    "sa_forget_tables",
    "sa_test_trap",
)

# Bit 31 of a result: memory grew since the last result that said so.
GREW = 0x80000000


class HostError(Exception):
    """The module could not be loaded or called."""


class Trap(HostError):
    """The module trapped; the instance that trapped is discarded."""


def message_of(error: BaseException) -> str:
    """An exception's message, even when its ``__str__`` raises."""
    try:
        return str(error)
    except Exception:
        return "(its message cannot be shown)"
