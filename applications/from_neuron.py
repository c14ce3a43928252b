"""Run a NEURON model-building script on Myriad and write its spikes as NEURON does.

    python -m applications.from_neuron [options] SCRIPT.py [script arguments]

The script runs as a module named ``__myriad_import__`` (so the simulation it
guards with ``if __name__ == "__main__":`` does not run), with ``sys.argv``
set to the script and its arguments.  The model it leaves in NEURON is
imported (``applications.neuron_import``), run on Myriad for ``h.tstop`` ms
at ``h.dt`` unless --tstop/--dt say otherwise, and the spikes of every gid
are written sorted by time then gid, one ``time<TAB>gid`` per line, the
format of NEURON's ringtest ``spk*.std`` files and CoreNEURON's ``out.dat``:
``diff -w`` against NEURON's own file is the check.
"""
from __future__ import annotations

import argparse
import os
import runpy
import sys

from myriad import ModelError, app_cli
from myriad.atomic import write_atomic
from myriad.outputs import NEURON_SPIKE_LINE, spikes_text

from applications.neuron_import import from_neuron

RUN_NAME = "__myriad_import__"


def run_script(path: str, args: list[str]) -> dict:
    """Run a model-building script as NEURON would (its directory first on
    sys.path, its arguments in sys.argv); returns its namespace, which must
    stay alive while the model is used (NEURON drops unreferenced sections).
    A script that cannot import NEURON is a ModelError that says to install it."""
    if not os.path.isfile(path):
        raise ModelError(f"no such script: {path}")
    saved = sys.argv[:], sys.path[:]
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        return runpy.run_path(path, run_name=RUN_NAME)
    except ImportError as exc:
        if (exc.name or "").split(".")[0] != "neuron":
            raise
        raise ModelError(f"from_neuron needs NEURON: pip install neuron ({path}: {exc})") from None
    finally:
        sys.argv, sys.path[:] = saved


def main(argv=None) -> None:
    p = app_cli.parser(__doc__, dt=None, tstop=None)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(out="myriad_spk1.std")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="run without the mechanisms Myriad cannot translate (listed on stderr)")
    p.add_argument("script", help="the NEURON model-building script")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")
    args = p.parse_args(argv)

    def run():
        if not os.path.isfile(args.script):
            raise ModelError(f"no such script: {args.script}")
        if app_cli.same_file(args.out, args.script):
            raise ModelError(f"--out {args.out} is the script itself; give another file for the spikes")
        namespace = run_script(args.script, args.script_args)
        try:
            from neuron import h
        except ImportError:
            raise ModelError("from_neuron needs NEURON: pip install neuron") from None

        if h.t > 0:
            print(f"from_neuron: note: the script ran NEURON to t = {h.t:g} ms while building; guard its "
                  f"run with `if __name__ == \"__main__\":` to skip that", file=sys.stderr)
        imported = from_neuron(skip_unsupported=args.skip_unsupported, tstop=args.tstop)
        for note in imported.notes:
            print(f"from_neuron: note: {note}", file=sys.stderr)
        sim, _ = imported.simulation(**{**app_cli.simulation_options(args), "dt": args.dt or imported.dt})
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=imported.compartments,
                                           skipped=len(imported.skipped)))
            return
        result = sim.run(imported.tstop)
        times, gids = imported.spikes(result)
        write_atomic(args.out, spikes_text(times, gids, NEURON_SPIKE_LINE))
        print(app_cli.summary(sim, result, compartments=imported.compartments, nspikes=len(times),
                              threads=args.threads, skipped=len(imported.skipped), out=args.out))
        del namespace

    app_cli.main_guard(run, "from_neuron")


if __name__ == "__main__":
    main()
