"""``python -m span_autolink precompile DIR``: compiles the module for the
installed wasmtime into DIR, for a Lambda layer or a container image, so
that no cold start compiles it. By default for every CPU of this
machine's architecture (``--cpu portable``: x86-64-v2, or the aarch64
baseline), not just this machine's. Run it where the layer is built for
the function's architecture (the wasmtime wheels compile for their own
architecture only: for Graviton, build on arm64 or under emulation). Point
``SPAN_AUTOLINK_PRECOMPILED_DIR`` at DIR at run time (it may be read-only),
or precompile into the installed package's ``precompiled`` directory."""

from __future__ import annotations

import argparse
import sys
# typing is not imported at run time: its import alone costs about as
# much as starting the interpreter, on every cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional


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
    args = parser.parse_args(argv)

    from . import _cache, _runtime

    api = _runtime._choose_api()
    with open(_runtime.WASM_PATH, "rb") as f:
        wasm = f.read()
    try:
        cpu = _cache.portable_cpu() if args.cpu == "portable" else None
        path = _cache.precompile(api, wasm, args.directory, cpu)
    except Exception as e:
        print(f"span_autolink precompile: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
