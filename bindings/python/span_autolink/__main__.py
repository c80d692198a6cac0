"""``python -m span_autolink precompile DIR``: compiles the module for the
installed wasmtime into DIR, for a Lambda layer or a container image, so
that no cold start compiles it. By default for every CPU of this
machine's architecture (``--cpu portable``: x86-64-v2, or the aarch64
baseline), not just this machine's. Run it where the layer is built for
the function's architecture (the wasmtime wheels compile for their own
architecture only: for Graviton, build on arm64 or under emulation). Point
``SPAN_AUTOLINK_PRECOMPILED_DIR`` at DIR at run time (it may be read-only),
or precompile into the installed package's ``precompiled`` directory.

``python -m span_autolink check``: whether a cold start in this
environment compiles nothing (exit 0): the extension serves the calls
(Linux x86_64 and aarch64), or a precompiled module fits the installed
wasmtime and this CPU; or compiles the module (exit 1, with what to do):
for a layer's build, where the wheel's modules are for another wasmtime."""

from __future__ import annotations

import argparse
import sys
# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m span_autolink")
    commands = parser.add_subparsers(dest="command", required=True)
    pre = commands.add_parser("precompile", help="compile the module into DIR for the installed wasmtime")
    pre.add_argument("directory", metavar="DIR")
    pre.add_argument(
        "--cpu",
        choices=("portable", "native"),
        default="portable",
        help="portable (default): for every CPU of this architecture a Lambda function may run on "
        "(on Linux: x86-64-v2, the aarch64 baseline; elsewhere this machine's CPU); native: for this "
        "machine's CPU only (refused, and compiled at the first call, on a machine that lacks one of "
        "its features)",
    )
    commands.add_parser(
        "check", help="whether a cold start here compiles nothing: the extension, or a precompiled module for the installed wasmtime"
    )
    args = parser.parse_args(argv)

    from . import _cache, _extension, _runtime

    if args.command == "check" and _extension.load() is not None:
        print(f"the extension serves the calls: {_extension.path()}")
        print("a cold start here loads it: no wasmtime, no compile")
        return 0
    try:
        api = _runtime._choose_api()
        with open(_runtime.WASM_PATH, "rb") as f:
            wasm = f.read()
    except Exception as e:
        # check's 1 means "a cold start compiles": what stops it answering is 2.
        print(f"span_autolink {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2 if args.command == "check" else 1
    if args.command == "check":
        return check(api, wasm)
    try:
        cpu = _cache.portable_cpu() if args.cpu == "portable" else None
        path = _cache.precompile(api, wasm, args.directory, cpu)
    except Exception as e:
        print(f"span_autolink precompile: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


def check(api: Any, wasm: bytes) -> int:
    from . import _cache

    print(f"wasmtime {api.version} (the {api.name} host)")
    try:
        found = _cache.precompiled(api, api.engine(), _cache.module_key(api, wasm))
    except Exception as e:
        print(f"span_autolink check: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    if found is not None:
        print(f"precompiled module: {found[0]}")
        print("a cold start here loads it: no compile")
        return 0
    where = ", ".join(_cache.precompiled_directories()) or "no directory (SPAN_AUTOLINK_PRECOMPILED_DIR is empty)"
    print(f"no_precompiled_module: none for wasmtime {api.version} and this CPU in {where}")
    shipped = shipped_wasmtime()
    if shipped is None:
        install = ", or install the wasmtime the wheel's modules are for (the package's README says which)"
    elif shipped != api.version:
        install = f", or install span-autolink[lambda], which pins the wasmtime the wheel's modules are for ({shipped})"
    else:
        # The wheel's modules are for this wasmtime: another wasmtime would
        # not help (the directory, the platform or the CPU is why).
        install = ""
    print(
        "a cold start here compiles the module (on AWS Lambda with wasmtime's baseline compiler, "
        "whose code is slower): run `python -m span_autolink precompile DIR` where the layer or image "
        f"is built and set SPAN_AUTOLINK_PRECOMPILED_DIR=DIR{install}"
    )
    return 1


def shipped_wasmtime() -> Optional[str]:
    """The wasmtime the installed wheel's modules are for, which its
    ``lambda`` extra pins; None where no installed metadata says."""
    import re
    from importlib import metadata

    try:
        requirements = metadata.requires("span-autolink") or []
    except metadata.PackageNotFoundError:
        return None
    for requirement in requirements:
        pin = re.fullmatch(r"""wasmtime\s*==\s*([0-9][0-9.]*)\s*;\s*extra\s*==\s*["']lambda["']""", requirement.strip())
        if pin:
            return pin.group(1)
    return None


if __name__ == "__main__":
    sys.exit(main())
