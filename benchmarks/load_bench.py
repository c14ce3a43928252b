"""Myriad and NEURON on 1 and 2 threads with and without a competing
CPU-bound process, against the targets of issue 19 (item 1).

    python -m benchmarks.load_bench [--rounds 3] [--conditions idle busy niced]
        [--omp-threads 1 [2]] [--skip-neuron] [--skip-myriad-omp] [--quick]
        [--timeout S]

Two models: the medium ring of benchmarks.ringtest_bench (nring 128, ncell 8,
nbranch 32, ncompart 4: 132,096 compartments) for 20 ms, and the dense model
of benchmarks.dense_bench with 200 cells (p = 1) for 20 ms, both at dt 0.025
with backward Euler.  Each runs on 1 and 2 threads under three conditions:

* ``idle``: nothing of ours competes;
* ``busy``: one competing process (a pure-Python busy loop) at nice 0;
* ``niced``: the same competitor at nice 19.

and with three engines, each run in its own subprocess through the helpers
of ringtest_bench and dense_bench (``run_one``: the application's CLI, whose
``run_s`` is the time loop's seconds):

* ``myriad``: Myriad as it is;
* ``myriad-omp``: Myriad with csolver's barrier of before issue 19, OpenMP's
  own ``#pragma omp barrier`` (benchmarks.omp_barrier), the reference for
  the 1-thread figures; by default on 1 thread only (``--omp-threads 1 2``
  adds its 2-thread runs, the figures issue 19 started from, which take
  tens of seconds each beside the competitor);
* ``neuron``: NEURON (``pc.nthread``, ``pc.psolve``).

The machine is usually shared, so the runs come in ``--rounds`` interleaved
rounds (every configuration once per round, the conditions in a rotated
order) and the figures are the medians over the rounds.  Prints a table of
the medians, the 2-thread/1-thread ratios, issue 19's targets for Myriad
with MET/MISSED (the other engines' figures beside them):

1. with the competitor (busy and niced), 2-thread time <= 1.25x the
   1-thread time;
2. without it, 2-thread throughput >= 1.85x the 1-thread throughput;
3. 1-thread time within 3% of the OpenMP barrier's (judged without the
   competitor; the loaded conditions' figures are shown);

then whether Myriad's spikes are the same in every run of a model (they must
be: the barrier does not change the arithmetic), and as the last line one
JSON object with all of it.  The load averages before and after, and at the
start of each condition's runs, are shown, with a warning when they say
that other work shared the machine, since it shows in the figures.  ``--quick`` uses
tiny models and one round for a smoke run; its targets are shown but not
judged (they are for the models above).  The default run takes a few
minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import dense_bench, ringtest_bench
from benchmarks.ringtest_bench import _fmt, compare_spikes, print_target, verdict

THREADS = (1, 2)
CONDITIONS = ("idle", "busy", "niced")
CONDITION_TEXT = {"idle": "no competitor", "busy": "competitor at nice 0",
                  "niced": "competitor at nice 19"}
LOADED = ("busy", "niced")
ENGINES = ("myriad", "myriad-omp", "neuron")
LABEL = {"myriad": "Myriad", "myriad-omp": "Myriad, omp barrier", "neuron": "NEURON"}
APPS = ("ringtest", "dense")
#: the Myriad module run for each engine and model (NEURON's are the helpers' own)
MYRIAD_MODULE = {("myriad", "ringtest"): "applications.ringtest",
                 ("myriad", "dense"): "applications.dense",
                 ("myriad-omp", "ringtest"): "benchmarks.omp_barrier.ringtest",
                 ("myriad-omp", "dense"): "benchmarks.omp_barrier.dense"}

FULL = {"ringtest": dict(ringtest_bench.MEDIUM, tstop=20.0),
        "dense": dict(dense_bench.FULL, ncell=200, tstop=20.0, dt=0.025)}
QUICK = {"ringtest": dict(nring=2, ncell=4, nbranch=2, ncompart=1, tstop=5.0, dt=0.025),
         "dense": dict(ncell=10, p=1.0, tstop=5.0, dt=0.025)}
TITLE = {"ringtest": "ringtest nring=%(nring)d ncell=%(ncell)d nbranch=%(nbranch)d "
                     "ncompart=%(ncompart)d tstop=%(tstop)g dt=%(dt)g",
         "dense": "dense ncell=%(ncell)d p=%(p)g tstop=%(tstop)g dt=%(dt)g"}

#: issue 19, item 1
TARGET_LOADED_RATIO = 1.25      # with the competitor: 2-thread time <= this x 1-thread time
TARGET_IDLE_SPEEDUP = 1.85      # without it: 1-thread time / 2-thread time >= this
TARGET_T1_CHANGE = 0.03         # |1-thread time / omp barrier's - 1| <= this

COMPETITOR = "while True:\n    pass\n"
#: above this median 1-min load average (plus 1 for the competitor) during a
#: condition's runs, other work shared the machine (the bench's own runs keep
#: it near 1-2)
IDLE_LOAD = 2.5


@contextlib.contextmanager
def competitor(condition, health):
    """One competing busy loop for ``busy`` (nice 0) and ``niced`` (nice 19),
    none for ``idle``; ``health[condition]`` is set False if it was not
    running at the end."""
    if condition == "idle":
        yield
        return
    niced = condition == "niced"
    proc = subprocess.Popen([sys.executable, "-c", COMPETITOR], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=(lambda: os.nice(19)) if niced else None)
    try:
        time.sleep(0.3)     # running before the first timed run starts
        yield
    finally:
        alive = proc.poll() is None
        health[condition] = health.get(condition, True) and alive
        proc.kill()
        proc.wait()


def run_one(app, engine, threads, params, workdir, timeout):
    """One run through the model's own bench helper: (row, spikes)."""
    helper_engine = "neuron" if engine == "neuron" else "myriad"
    module = MYRIAD_MODULE.get((engine, app))
    if app == "ringtest":
        row, spikes = ringtest_bench.run_one(helper_engine, threads, params, workdir, timeout,
                                             myriad_module=module or "applications.ringtest",
                                             name=engine)
    else:
        sub = os.path.join(workdir, engine)
        os.makedirs(sub, exist_ok=True)
        row, spikes = dense_bench.run_one(helper_engine, threads, params, params["tstop"], sub, timeout,
                                          myriad_module=module or "applications.dense")
    row["engine"] = engine
    row["app"] = app
    return row, spikes


def medians(rows):
    """{app: {engine: {condition: {"K": median run_s}}}} over the ok rows, and
    the same with (min, max, n) for the spread."""
    runs = {}
    for r in rows:
        if r["status"] == "ok":
            runs.setdefault((r["app"], r["engine"], r["condition"], r["threads"]), []).append(r["run_s"])
    med, spread = {}, {}
    for (app, engine, cond, k), xs in runs.items():
        med.setdefault(app, {}).setdefault(engine, {}).setdefault(cond, {})[str(k)] = statistics.median(xs)
        spread.setdefault(app, {}).setdefault(engine, {}).setdefault(cond, {})[str(k)] = (
            min(xs), max(xs), len(xs))
    return med, spread


def _get(med, app, engine, cond, k):
    return med.get(app, {}).get(engine, {}).get(cond, {}).get(str(k))


def _ratio(a, b):
    return a / b if a is not None and b else None


def print_medians(med, spread, apps, engines, conditions, params):
    for app in apps:
        print("\n" + TITLE[app] % params[app])
        hdr = "%-20s %7s" % ("engine", "threads") + "".join(
            " %24s" % ("%s run_s" % c) for c in conditions)
        print(hdr)
        print("-" * len(hdr))
        for engine in engines:
            for k in THREADS:
                cells = []
                for c in conditions:
                    m = _get(med, app, engine, c, k)
                    s = spread.get(app, {}).get(engine, {}).get(c, {}).get(str(k))
                    cells.append(" %24s" % ("-" if m is None else "%.3f (%.3f-%.3f)" % (m, s[0], s[1])))
                print("%-20s %7d" % (LABEL[engine], k) + "".join(cells))
        print("  (medians over the rounds, min-max in brackets; the time loop's seconds)")
        for engine in engines:
            print("  %-20s 2-thread/1-thread time: %s" % (LABEL[engine], "   ".join(
                "%s %s" % (c, _fmt(_ratio(_get(med, app, engine, c, 2), _get(med, app, engine, c, 1)), ".2f"))
                for c in conditions)))


def report_targets(med, apps, conditions, judged):
    """Print issue 19's targets for Myriad (the other engines' figures as
    peers); returns the JSON record."""
    def peers(fn, engines=("myriad-omp", "neuron")):
        return [(LABEL[e], fn(e), "") for e in engines]

    targets = {}
    print("\nIssue 19 targets (item 1)%s:" % ("" if judged else " -- not the bench's models: figures shown, "
                                                                 "not judged"))
    for app in apps:
        for cond in (c for c in LOADED if c in conditions):
            def loaded(engine, app=app, cond=cond):
                return _ratio(_get(med, app, engine, cond, 2), _get(med, app, engine, cond, 1))
            targets["%s_%s_t2_over_t1" % (app, cond)] = print_target(
                "%s, %s: t(2)/t(1)" % (app, CONDITION_TEXT[cond]), loaded("myriad"), "x",
                TARGET_LOADED_RATIO, False, judged, peers(loaded), spec=".2f")
        if "idle" in conditions:
            def speedup(engine, app=app):
                return _ratio(_get(med, app, engine, "idle", 1), _get(med, app, engine, "idle", 2))
            targets["%s_idle_speedup" % app] = print_target(
                "%s, no competitor: t(1)/t(2)" % app, speedup("myriad"), "x",
                TARGET_IDLE_SPEEDUP, True, judged, peers(speedup), spec=".2f")
        for cond in conditions:
            new, old = _get(med, app, "myriad", cond, 1), _get(med, app, "myriad-omp", cond, 1)
            change = _ratio(new, old)
            change = abs(change - 1.0) if change is not None else None
            v = verdict(change, TARGET_T1_CHANGE, False, judged and cond == "idle")
            print("  %-34s Myriad %s s, omp barrier %s s: %s  (target <= %g%%)  %s" % (
                "%s, %s: 1 thread" % (app, CONDITION_TEXT[cond]), _fmt(new, ".3f"), _fmt(old, ".3f"),
                "-" if change is None else "%.1f%%" % (100 * change), 100 * TARGET_T1_CHANGE,
                v or ("not measured" if change is None else
                      "shown, not judged (%s)" % ("with the competitor" if cond != "idle" else
                                                  "not the bench's models"))))
            targets["%s_%s_t1_vs_omp" % (app, cond)] = {
                "myriad": change, "unit": "", "target": TARGET_T1_CHANGE, "comparison": "<=",
                "verdict": v, "t1": new, "t1_omp": old}
    return targets


def check_spikes(rows, spikes):
    """Whether every Myriad run of a model (both barriers, all conditions and
    thread counts) gave the same spikes, and how the first compares with
    NEURON's first."""
    out = {}
    for app in sorted({a for (a, _e, _c, _k, _r) in spikes}):
        mine = [v for (a, e, _c, _k, _r), v in sorted(spikes.items()) if a == app and e != "neuron"]
        theirs = [v for (a, e, _c, _k, _r), v in sorted(spikes.items()) if a == app and e == "neuron"]
        record = {"myriad_runs": len(mine),
                  "myriad_identical": bool(mine) and all(v == mine[0] for v in mine[1:]),
                  "nspikes": len(mine[0]) if mine else None}
        if mine and theirs:
            cmp = compare_spikes(mine[0], theirs[0])
            record["vs_neuron"] = {k: cmp[k] for k in ("gid_multiset_equal", "n_test", "n_ref",
                                                        "max_abs_dt_ms")}
        out[app] = record
        print("  %s: %d Myriad runs, spikes identical in all: %s (%s spikes)%s" % (
            app, record["myriad_runs"], record["myriad_identical"], record["nspikes"],
            "; vs NEURON: gid multiset equal=%s, max |dt|=%s ms" % (
                record["vs_neuron"]["gid_multiset_equal"], _fmt(record["vs_neuron"]["max_abs_dt_ms"], ".4f"))
            if "vs_neuron" in record else ""))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.load_bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3; 1 with --quick)")
    ap.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS),
                    help="which conditions to run (default: all)")
    ap.add_argument("--omp-threads", type=int, nargs="+", choices=THREADS, default=[1],
                    help="thread counts of the omp barrier's runs (default: 1)")
    ap.add_argument("--quick", action="store_true", help="tiny models, one round (smoke run)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per simulation subprocess")
    for engine in ENGINES[1:]:
        ap.add_argument("--skip-" + engine, action="store_true", help="do not run %s" % LABEL[engine])
    args = ap.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    if rounds < 1:
        ap.error("--rounds must be a positive integer")
    params = QUICK if args.quick else FULL
    engines = [e for e in ENGINES if not getattr(args, "skip_" + e.replace("-", "_"), False)]
    conditions = [c for c in CONDITIONS if c in args.conditions]
    judged = not args.quick

    load_before = os.getloadavg()
    print("[load_bench] %d CPUs, load averages %s before the runs" % (
        os.cpu_count(), " ".join("%.2f" % x for x in load_before)), file=sys.stderr, flush=True)
    rows, spikes, health = [], {}, {}
    with tempfile.TemporaryDirectory(prefix="load_bench_") as work:
        for r in range(rounds):
            order = conditions[r % len(conditions):] + conditions[:r % len(conditions)]
            for cond in order:
                print("[load_bench] round %d/%d: %s" % (r + 1, rounds, CONDITION_TEXT[cond]),
                      file=sys.stderr, flush=True)
                with competitor(cond, health):
                    for app in APPS:
                        for engine in engines:
                            for k in (args.omp_threads if engine == "myriad-omp" else THREADS):
                                load1 = os.getloadavg()[0]
                                row, spk = run_one(app, engine, k, params[app], work, args.timeout)
                                row.update(condition=cond, round=r, load1_before=load1)
                                rows.append(row)
                                if spk is not None:
                                    spikes[(app, engine, cond, k, r)] = spk
    load_after = os.getloadavg()

    med, spread = medians(rows)
    print("\nload_bench: %d round(s); load averages (1, 5, 15 min) %s before, %s after" % (
        rounds, " ".join("%.2f" % x for x in load_before), " ".join("%.2f" % x for x in load_after)))
    for cond in conditions:
        if cond in LOADED and not health.get(cond, True):
            print("WARNING: the competitor of condition %r stopped before its runs ended" % cond)
            judged = False
    print("1-min load average at the start of the runs (median, min-max), the competitor included:")
    busy_machine = False
    for cond in conditions:
        loads = [r["load1_before"] for r in rows if r["condition"] == cond]
        print("  %-22s %.2f (%.2f-%.2f)" % (CONDITION_TEXT[cond], statistics.median(loads), min(loads), max(loads)))
        busy_machine |= statistics.median(loads) > IDLE_LOAD + (cond != "idle")
    if busy_machine:
        print("WARNING: other work was running on the machine (this bench's own runs keep the load near 1-2, "
              "the competitor adds 1): the figures, and the verdicts, include its effect")
    print_medians(med, spread, APPS, engines, conditions, params)
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        print("\n%s %s threads=%d (%s, round %d) FAILED: %s" % (
            r["engine"], r["app"], r["threads"], r["condition"], r["round"] + 1, r.get("error")))
    targets = report_targets(med, APPS, conditions, judged)
    print("\nSpikes:")
    spike_check = check_spikes(rows, spikes)

    result = {
        "benchmark": "load",
        "params": dict(params, rounds=rounds, threads=list(THREADS), conditions=conditions,
                       engines=engines, omp_threads=args.omp_threads),
        "cpus": os.cpu_count(),
        "load_average": {"before": list(load_before), "after": list(load_after)},
        "competitor_ran_throughout": {c: health.get(c, True) for c in conditions if c in LOADED},
        "other_load_seen": busy_machine,
        "runs": rows,
        "medians_run_s": med,
        "targets": targets,
        "spikes": spike_check,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
