"""python -m applications.nmodl FILE.mod [--out FILE.py] | --smoke FILE...

Prints the Myriad mechanism class generated from a MOD file (or writes it
with --out); --smoke translates, compiles and runs each file in one
compartment for 5 ms and prints one JSON line per file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from myriad.atomic import unwritable, write_atomic


def main(argv=None, prog: str = "python -m applications.nmodl") -> None:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE.mod", help="NMODL files")
    p.add_argument("--out", help="write the generated Python here (one FILE.mod only)")
    p.add_argument("--smoke", action="store_true",
                   help="translate, compile and run each file 5 ms in one compartment; one JSON line per file")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="seconds each file may take under --smoke (default 120)")
    args = p.parse_args(argv)
    if args.smoke and args.out:
        p.error("--out writes one file's class; it does not go with --smoke")
    if args.time_limit is not None and not (args.smoke and args.time_limit > 0):
        p.error("--time-limit is a positive number of seconds, for --smoke")
    if args.smoke:
        sys.exit(_smoke(args))
    if len(args.files) != 1:
        p.error("give one FILE.mod (or --smoke with several)")
    if args.out and unwritable(args.out):
        p.error(f"--out {args.out}: {unwritable(args.out)}")
    from myriad.app_cli import error_line

    from applications.nmodl import translate
    try:
        source = translate(args.files[0])
    except Exception as exc:
        if not error_line(exc, "nmodl"):
            raise
        sys.exit(2)
    if args.out:
        write_atomic(args.out, source)
    else:
        sys.stdout.write(source)


def _smoke(args) -> int:
    from applications.nmodl import smoke
    missing = [f for f in args.files if not os.path.isfile(f)]
    for outcome in smoke.run_many([f for f in args.files if f not in missing],
                                  args.time_limit or smoke.TIME_LIMIT_S):
        print(json.dumps(outcome), flush=True)
    for f in missing:
        print(json.dumps({"file": f, "status": "failed", "reason": "no such file"}), flush=True)
    return 1 if missing else 0


if __name__ == "__main__":
    main()
