"""Run a NEURON script on Myriad and write its spikes as NEURON does.

    python -m applications.from_neuron [options] SCRIPT.py [script arguments]

The script runs unchanged, as ``__main__``, with ``sys.argv`` set to the
script and its arguments, up to its first run request (``h.run()``,
``h.continuerun(T)``, ``pc.psolve(T)``, a ``fadvance`` loop), ``h.quit()``,
``sys.exit()`` or its end; NEURON itself never runs
(``applications.neuron_import.script``).  The model it built is imported
(``applications.neuron_import``) and run on Myriad for the stop time, v_init
and dt of that request (h.tstop if the script asked for no run but set it),
unless --tstop/--dt say otherwise.  The spikes of every gid, and of every
detector without a gid under the id -1-k (k of the first NetCon[k] watching
it), are written sorted by time then id, one ``time<TAB>gid`` per line: the
format of NEURON's ringtest ``spk*.std`` files and CoreNEURON's ``out.dat``.
"""
from __future__ import annotations

import argparse
import math
import sys

from myriad import ModelError, app_cli
from myriad.atomic import write_atomic
from myriad.outputs import NEURON_SPIKE_LINE, spikes_text

from applications.neuron_import import from_neuron
from applications.neuron_import.script import run_script


def run_length(args, script) -> tuple[float, str]:
    """The run's stop time and where it came from: --tstop, the script's run request, or h.tstop it set."""
    if args.tstop is not None:
        return args.tstop, "--tstop"
    if script.request.unreadable:
        raise ModelError(f"{args.script}: {script.request.unreadable}: give the run length with --tstop")
    if script.request.tstop is not None:
        return script.request.tstop, script.request.tstop_from
    from neuron import h
    if script.tstop_set:
        return float(h.tstop), "h.tstop"
    raise ModelError(f"{args.script} asks for no run (it stopped at {script.request.tstop_from}) and sets no "
                     f"h.tstop: give the run length with --tstop")


def on_step_grid(tstop: float, dt: float, tstop_from: str) -> float:
    """Where NEURON's fixed step ends a run asked to stop at ``tstop``: ``psolve``
    after floor(tstop/dt) steps, ``run``/``continuerun`` once t >= tstop - dt/2
    (stdrun.hoc); Myriad's runs end on a whole step too, so an off-grid stop
    time is moved to the step NEURON would have stopped at."""
    count = tstop / dt
    fuzz = 1e-9 * max(1.0, count)
    steps = math.floor(count + fuzz) if tstop_from.startswith("psolve") else math.ceil(count - 0.5 - fuzz)
    return max(steps, 0) * dt


def _note(text: str) -> None:
    print(f"from_neuron: {text}", file=sys.stderr)


def main(argv=None) -> None:
    p = app_cli.parser(__doc__, dt=None, tstop=None)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.set_defaults(out="myriad_spk1.std")
    p.add_argument("--skip-unsupported", action="store_true",
                   help="run without the mechanisms Myriad cannot translate (listed on stderr)")
    p.add_argument("script", help="the NEURON script")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments for the script")
    args = p.parse_args(argv)

    def run():
        if app_cli.same_file(args.out, args.script):
            raise ModelError(f"--out {args.out} is the script itself; give another file for the spikes")
        script = run_script(args.script, args.script_args)
        from neuron import h
        if h.t > 0:
            _note(f"warning: the script ran NEURON to t = {h.t:g} ms itself (a run from hoc, which is not "
                  f"intercepted); the model is imported as that run left it")
        if not any(True for _ in h.allsec()):
            raise ModelError(f"{args.script} built no sections in NEURON before {script.request.tstop_from}")
        tstop, tstop_from = run_length(args, script)
        imported = from_neuron(skip_unsupported=args.skip_unsupported, tstop=tstop,
                               v_init=script.request.v_init, gids=script.gids)
        for note in imported.notes:
            _note(f"note: {note}")
        if not imported.spike_sources and not imported.recordings:
            raise ModelError(f"{args.script}: the model has no spike source (no pc.cell gid, no NetCon watching "
                             f"a voltage) and records nothing: a run would have no output")
        sim, _ = imported.simulation(**{**app_cli.simulation_options(args), "dt": args.dt or imported.dt})
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=imported.compartments,
                                           skipped=len(imported.skipped)))
            return
        end = on_step_grid(tstop, sim.dt, tstop_from)
        if abs(end - tstop) > 1e-9 * max(1.0, tstop):
            _note(f"note: {tstop:g} ms is not a whole number of steps of dt {sim.dt:g} ms; the run ends at "
                  f"{end:g} ms, where NEURON's fixed step stops for {tstop_from}")
        result = sim.run(end)
        times, gids = imported.spikes(result)
        if not len(times):
            n = imported.spike_sources
            _note(f"warning: the run recorded no spikes in {tstop:g} ms ({n} spike source{'s' * (n != 1)})")
        write_atomic(args.out, spikes_text(times, gids, NEURON_SPIKE_LINE))
        print(app_cli.summary(sim, result, compartments=imported.compartments, nspikes=len(times),
                              threads=args.threads, skipped=len(imported.skipped), out=args.out,
                              tstop=tstop, tstop_from=tstop_from, v_init=imported.v_init))
        del script

    app_cli.main_guard(run, "from_neuron")


if __name__ == "__main__":
    main()
