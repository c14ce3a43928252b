"""Ring benchmark: Myriad vs NEURON and CoreNEURON, 1 and 2 threads, against
the targets of issue 9.

    python -m benchmarks.ringtest_bench [--nring 128 --ncell 8 --nbranch 32
        --ncompart 4 --tstop 100 --dt 0.025] [--quick] [--skip-ENGINE]

Each simulation runs in its own subprocess (clean peak RSS, no state shared
between engines):

* Myriad: ``python -m applications.ringtest ... --method backward_euler
  --threads K --out FILE`` (docs/architecture.md CLI contract: last stdout line is JSON
  with compartments, steps, build_s, compile_s, startup_s, run_s,
  peak_rss_mb; ``--methods backward_euler crank_nicolson`` also runs the other
  integrators and shows their throughput relative to the first's).  Every Myriad run of one bench shares a cache directory that
  starts empty, so the first one compiles the model and the others load it;
  after them the first run is repeated to time a start from the cache;
* NEURON: ``python -m benchmarks.peers.neuron_models_cli ringtest ... --threads K
  --out FILE`` (same keys; fixed step = backward Euler, ``pc.psolve``);
* CoreNEURON: the same with ``--coreneuron`` (in memory, CPU, ``pc.nthread(K)``
  threads; its ``run_s`` is CoreNEURON's own solver time and its set-up
  before the time loop is ``build_s`` plus the copy into CoreNEURON).

Prints a table of every run, the Myriad/peer ratios, the issue's targets for
the medium ring (nring 128, ncell 8, nbranch 32, ncompart 4: 132,096
compartments, 100 ms at dt 0.025) with Myriad's figure, the peers' figures
from the same bench and whether each target is met, the spike comparisons
(Myriad and CoreNEURON against NEURON), and as the last line one JSON object
with all of it.  A run that fails is reported as failed with the tail of its
stderr; the others are reported regardless.  ``--quick`` uses a small ring
(nring 16, nbranch 16, ncompart 1) for a smoke run; the targets are then
shown but not judged (they are for the medium ring).

The helpers shared with ``benchmarks.dense_bench`` live here: ``run_cli``,
``run_row``, ``run_engines``, ``add_skip_options``, ``ok_rows``,
``speed_ratios``, ``print_target``, ``compare_with_neuron``,
``report_spikes``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

from myriad.context import METHODS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

QUICK = {"nring": 16, "nbranch": 16, "ncompart": 1}
FULL = {"nring": 128, "nbranch": 32, "ncompart": 4}

#: engines in the order they run; the peers are compared with Myriad
ENGINES = ("neuron", "coreneuron", "myriad")
PEERS = ("neuron", "coreneuron")
LABEL = {"neuron": "NEURON", "coreneuron": "CoreNEURON", "myriad": "Myriad"}

#: issue 9's targets are for the medium ring
MEDIUM = dict(FULL, ncell=8, tstop=100.0, dt=0.025)
TARGET_MSTEPS = {1: 100.0, 2: 190.0}  # M compartment-steps/s, at least
TARGET_RSS_ABOVE_BASELINE_MB = 63.0  # at most ("a third of NEURON's")
TARGET_FIRST_COMPILE_S = 3.0  # at most
TARGET_CACHED_STARTUP_S = 0.2  # at most

#: peak RSS of an interpreter that imported what each engine's CLI needs
#: before building a model; Myriad's memory target is measured above it
BASELINE_CODE = {
    "myriad": "import numpy, myriad",
    "neuron": "import numpy; from neuron import h; h.load_file('stdrun.hoc')",
}


def _tail(text, n=1500):
    text = (text or "").strip()
    return text[-n:]


def _last_json(stdout):
    for line in reversed((stdout or "").strip().splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except ValueError:
                return None
        if line:
            return None
    return None


def read_spikes(path):
    """Read a 'time gid' spike file; returns a list of (time, gid)."""
    spikes = []
    with open(path) as fh:
        for line in fh:
            parts = line.replace(",", " ").split()
            if len(parts) < 2:
                continue
            try:
                spikes.append((float(parts[0]), int(round(float(parts[1])))))
            except ValueError:
                continue  # header / comment
    spikes.sort()
    return spikes


def compare_spikes(test, ref):
    """Compare two spike lists matched by (gid, order of occurrence)."""
    a = collections.defaultdict(list)
    b = collections.defaultdict(list)
    for t, g in test:
        a[g].append(t)
    for t, g in ref:
        b[g].append(t)
    for d in (a, b):
        for v in d.values():
            v.sort()
    counts_equal = {g: len(v) for g, v in a.items()} == {g: len(v) for g, v in b.items()}
    max_dt = 0.0
    worst = None
    matched = 0
    for g in set(a) & set(b):
        for k, (p, q) in enumerate(zip(a[g], b[g])):
            matched += 1
            if abs(p - q) > max_dt:
                max_dt = abs(p - q)
                worst = {"gid": g, "index": k, "test": p, "ref": q}
    return {
        "gid_multiset_equal": bool(counts_equal),
        "n_test": len(test),
        "n_ref": len(ref),
        "matched": matched,
        "max_abs_dt_ms": max_dt if matched else None,
        "worst": worst,
        "identical": [(round(t, 6), g) for t, g in sorted(test)]
                     == [(round(t, 6), g) for t, g in sorted(ref)],
    }


def _env(threads=None, extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    env.update(extra or {})
    return env


def run_cli(cmd, threads, timeout, row, env=None):
    """Run one engine's CLI in a subprocess (own process: own peak RSS) with
    ``threads`` OpenMP threads and the variables ``env`` added to the
    environment; returns its final JSON summary, or None with ``row["error"]``
    saying why."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(threads, env), capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        row["error"] = "timeout after %ss; stderr tail: %s" % (
            timeout, _tail(exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr))
        return None
    except OSError as exc:
        row["error"] = "could not start: %s" % exc
        return None
    row["wall_s"] = time.perf_counter() - t0
    summary = _last_json(proc.stdout)
    if proc.returncode != 0 or summary is None:
        row["error"] = "rc=%d; %s; stderr tail: %s" % (
            proc.returncode,
            "no JSON summary on last stdout line" if summary is None else "non-zero exit",
            _tail(proc.stderr) or _tail(proc.stdout))
        return None
    missing = [k for k in ("compartments", "steps", "run_s", "peak_rss_mb") if k not in summary]
    if missing:
        row["error"] = "summary lacks %s: %s" % (missing, _tail(proc.stdout.splitlines()[-1]))
        return None
    return summary


#: summary keys a row keeps when the CLI reports them
ROW_KEYS = ("compartments", "steps", "build_s", "compile_s", "startup_s", "init_s", "run_s",
            "psolve_s", "transfer_s", "run_s_is_psolve", "peak_rss_mb", "n_graded",
            "n_halfgap")


def run_row(engine, threads, cmd, out, timeout, env=None, tag="bench", **fields):
    """Run ``cmd`` (which writes spikes to ``out``) as one row of a bench.

    Returns ``(row, spikes)``: the row has the engine, threads, ``fields``,
    the CLI's timings (``ROW_KEYS``), ``msteps_per_s`` (compartment-steps per
    second of the time loop, in millions) and ``status``; spikes is None if
    the run failed or wrote none."""
    row = {"engine": engine, "threads": threads, "status": "failed", "cmd": " ".join(cmd)}
    row.update(fields)
    print("[%s] running %s threads=%d %s..." % (
        tag, engine, threads, "".join("%s=%s " % kv for kv in fields.items())),
        file=sys.stderr, flush=True)
    summary = run_cli(cmd, threads, timeout, row, env)
    if summary is None:
        return row, None
    row.update((k, summary[k]) for k in ROW_KEYS if k in summary)
    try:
        row["msteps_per_s"] = (float(summary["compartments"]) * float(summary["steps"])
                               / float(summary["run_s"]) / 1e6)
    except (TypeError, ValueError, ZeroDivisionError):
        row["msteps_per_s"] = None
    spikes = None
    if os.path.exists(out):
        try:
            spikes = read_spikes(out)
            row["nspikes"] = len(spikes)
        except OSError as exc:
            row["spike_error"] = str(exc)
    else:
        row["spike_error"] = "no spike file written"
    row["status"] = "ok"
    return row, spikes


def baseline_rss_mb(engine, timeout=300):
    """Peak RSS (MB) of a fresh interpreter that only imported what
    ``engine``'s CLI imports before building a model (``BASELINE_CODE``), or
    None if that fails."""
    code = BASELINE_CODE[engine] + (
        "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    try:
        proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(1),
                              capture_output=True, text=True, timeout=timeout)
        return int(proc.stdout.strip().splitlines()[-1]) / 1024.0
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def _model_args(p):
    return ["--nring", str(p["nring"]), "--ncell", str(p["ncell"]),
            "--nbranch", str(p["nbranch"]), "--ncompart", str(p["ncompart"]),
            "--tstop", repr(p["tstop"]), "--dt", repr(p["dt"])]


def run_one(engine, threads, params, workdir, timeout, backend="openmp",
            myriad_module="applications.ringtest", myriad_env=None, name=None, method="backward_euler"):
    out = os.path.join(workdir, "%s_t%d.dat" % (name or engine, threads))
    if engine == "myriad":
        cmd = [sys.executable, "-m", myriad_module] + _model_args(params) + [
            "--method", method, "--backend", backend,
            "--threads", str(threads), "--out", out]
    else:
        cmd = [sys.executable, "-m", "benchmarks.peers.neuron_models_cli", "ringtest"] + \
            _model_args(params) + ["--threads", str(threads), "--out", out] + \
            (["--coreneuron"] if engine == "coreneuron" else [])
    return run_row(engine, threads, cmd, out, timeout, myriad_env if engine == "myriad" else None,
                   tag="ringtest_bench")


def _fmt(x, spec):
    if x is None:
        return "-"
    try:
        return format(x, spec)
    except (TypeError, ValueError):
        return str(x)


def print_table(rows):
    hdr = "%-10s %-14s %7s %12s %6s %9s %9s %9s %8s %11s %8s  %s" % (
        "engine", "note", "threads", "compartments", "steps", "build_s", "compile_s",
        "startup_s", "run_s", "Mcs-steps/s", "RSS_MB", "status")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-10s %-14s %7d %12s %6s %9s %9s %9s %8s %11s %8s  %s" % (
            r["engine"], r.get("note", ""), r["threads"], _fmt(r.get("compartments"), "d"),
            _fmt(r.get("steps"), "d"), _fmt(r.get("build_s"), ".3f"),
            _fmt(r.get("compile_s"), ".3f"), _fmt(r.get("startup_s"), ".3f"),
            _fmt(r.get("run_s"), ".3f"), _fmt(r.get("msteps_per_s"), ".1f"),
            _fmt(r.get("peak_rss_mb"), ".1f"), r["status"]))
    for r in rows:
        if r["status"] != "ok":
            print("\n%s threads=%d FAILED: %s" % (r["engine"], r["threads"], r.get("error")))


def run_engines(args, run, engines=ENGINES):
    """``run(engine, threads)`` for each engine not skipped (``--skip-ENGINE``)
    at each thread count; returns the rows and the spikes by (engine, threads)."""
    rows, spikes = [], {}
    for engine in engines:
        if getattr(args, "skip_" + engine, False):
            continue
        for k in args.threads:
            row, spk = run(engine, k)
            rows.append(row)
            if spk is not None:
                spikes[(engine, k)] = spk
    return rows, spikes


def add_skip_options(ap, engines=ENGINES):
    for engine in engines:
        ap.add_argument("--skip-" + engine, action="store_true",
                        help="do not run %s" % LABEL[engine])


def ok_rows(rows):
    """The successful bench rows (not repeats such as the cached restart) by
    (engine, threads)."""
    return {(r["engine"], r["threads"]): r for r in rows
            if r["status"] == "ok" and not r.get("repeat")}


def speed_ratios(rows, threads, key, higher_is_faster, title):
    """Per peer and thread count, how many times faster Myriad ran than the
    peer by ``key`` (None if either failed or did not run), printed under
    ``title``; returns ``{peer: {"K": ratio}}``."""
    by = ok_rows(rows)
    ratios = {}
    for peer in PEERS:
        ratios[peer] = {}
        for k in threads:
            m, n = by.get(("myriad", k)), by.get((peer, k))
            ok = m and n and m.get(key) and n.get(key)
            ratios[peer][str(k)] = (((m[key] / n[key]) if higher_is_faster else (n[key] / m[key]))
                                    if ok else None)
    print("\n" + title)
    for k in threads:
        print("  threads=%d: %s" % (k, "   ".join(
            "vs %s %s" % (LABEL[p], _fmt(ratios[p][str(k)], ".2f")) for p in PEERS)))
    return ratios


def compare_with_neuron(spikes, tmax=None):
    """Each Myriad and CoreNEURON spike list against NEURON's (1 thread if it
    ran, else its first), over t < ``tmax`` if given."""
    def cut(spk):
        return spk if tmax is None else [(t, g) for t, g in spk if t < tmax]

    comparisons = {}
    ref = spikes.get(("neuron", 1)) or next(
        (v for (e, _k), v in sorted(spikes.items()) if e == "neuron"), None)
    if ref is not None:
        for (engine, k), spk in sorted(spikes.items()):
            if engine != "neuron":
                comparisons["%s_t%d_vs_neuron" % (engine, k)] = compare_spikes(cut(spk), cut(ref))
    return comparisons


def report_spikes(spikes, comparisons, heading):
    """Add each engine's thread-count invariance to ``comparisons`` and print them all."""
    for engine in ENGINES:
        ks = sorted(k for (e, k) in spikes if e == engine)
        if len(ks) > 1:
            comparisons["%s_threads_identical" % engine] = all(
                spikes[(engine, k)] == spikes[(engine, ks[0])] for k in ks[1:])
    print("\n" + heading)
    if not comparisons:
        print("  no comparison possible (missing spike files)")
    for name, c in comparisons.items():
        if isinstance(c, dict):
            print("  %s: gid multiset equal=%s, n=%d vs %d, max |dt|=%s ms, identical=%s"
                  % (name, c["gid_multiset_equal"], c["n_test"], c["n_ref"],
                     _fmt(c["max_abs_dt_ms"], ".4f"), c["identical"]))
        else:
            print("  %s: %s" % (name, c))


def verdict(value, bound, at_least, judged=True):
    """'MET' / 'MISSED' for ``value`` against ``bound`` (>= if ``at_least``,
    else <=); None when not measured or not ``judged`` (other sizes)."""
    if value is None or not judged:
        return None
    return "MET" if (value >= bound if at_least else value <= bound) else "MISSED"


def print_target(title, myriad, unit, bound, at_least, judged, peers, spec=".1f"):
    """One target line: Myriad's figure, the target, the verdict, then the
    peers' figures (``peers``: list of (label, value, note)).  Returns the
    JSON record."""
    v = verdict(myriad, bound, at_least, judged)
    print("  %-34s Myriad %s %s  (target %s %g)  %s" % (
        title, _fmt(myriad, spec), unit, ">=" if at_least else "<=", bound,
        v or ("not measured" if myriad is None else "not judged at this size")))
    for label, value, note in peers:
        print("  %-34s   %s %s %s%s" % ("", label, _fmt(value, spec), unit,
                                        ("  " + note) if note else ""))
    return {"myriad": myriad, "unit": unit, "target": bound,
            "comparison": ">=" if at_least else "<=", "verdict": v,
            "peers": {label: value for label, value, _n in peers}}


def _failed_note(rows, engine):
    bad = [r for r in rows if r["engine"] == engine and r["status"] != "ok"]
    return ("not measured: %s" % (bad[0].get("error") or "failed").splitlines()[0][:160]
            if bad else "not run")


def _throughput_targets(rows, threads, judged):
    """Target 1: Myriad's compartment-steps per second on 1 and 2 threads."""
    by = ok_rows(rows)
    targets = {}
    for k in threads:
        if k not in TARGET_MSTEPS:
            continue
        m = by.get(("myriad", k), {}).get("msteps_per_s")
        peers = []
        for p in PEERS:
            x = by.get((p, k), {}).get("msteps_per_s")
            peers.append((LABEL[p], x, "(Myriad %sx)" % _fmt(m / x if m and x else None, ".2f")
                          if x else _failed_note(rows, p)))
        targets["throughput_t%d" % k] = print_target(
            "1. throughput, %d thread%s:" % (k, "s" if k > 1 else ""), m,
            "M compartment-steps/s", TARGET_MSTEPS[k], True, judged, peers)
    return targets


def _memory_target(rows, judged, baselines):
    """Target 2: Myriad's largest peak RSS minus the interpreter baseline;
    the peers' peaks, also above their own baseline (neuron imported)."""
    def peak(engine):
        return max((r["peak_rss_mb"] for (e, _k), r in ok_rows(rows).items() if e == engine),
                   default=None)

    mine, base, nbase = peak("myriad"), baselines.get("myriad"), baselines.get("neuron")
    above = mine - base if mine is not None and base is not None else None
    peers = []
    for p in PEERS:
        pk = peak(p)
        theirs = pk - nbase if pk is not None and nbase is not None else None
        peers.append((LABEL[p] + " peak", pk, _failed_note(rows, p) if pk is None else
                      "(%s MB above an interpreter with neuron imported, %s MB; Myriad's "
                      "figure is %s of that)" % (
                          _fmt(theirs, ".1f"), _fmt(nbase, ".1f"),
                          _fmt(above / theirs if above is not None and theirs else None, ".2f"))))
    print("  (Myriad: largest peak RSS of its runs, %s MB, minus that of an interpreter with"
          " numpy and myriad imported, %s MB)" % (_fmt(mine, ".1f"), _fmt(base, ".1f")))
    record = print_target("2. peak RSS above baseline:", above, "MB",
                          TARGET_RSS_ABOVE_BASELINE_MB, False, judged, peers)
    record["baselines_mb"] = baselines
    return {"rss_above_baseline": record}


def _startup_targets(rows, threads, judged, cold, warm):
    """Target 4: the first compile (empty cache) and the start from the cache;
    the peers' set-up before their time loop."""
    by = ok_rows(rows)
    cold, warm = cold or {}, warm or {}
    first = print_target("4. first compile (empty cache):", cold.get("compile_s"), "s",
                         TARGET_FIRST_COMPILE_S, False, judged, [], spec=".3f")
    first["startup_s"] = cold.get("startup_s")
    print("  %-34s   start-up of that run %s s (CLI body start to time loop)"
          % ("", _fmt(cold.get("startup_s"), ".3f")))
    peers = []
    for p in PEERS:
        r = by.get((p, threads[0]))
        peers.append((LABEL[p] + " set-up", r.get("startup_s") if r else None,
                      "(model building + stdinit%s: before the time loop)" % (
                          " + copy into CoreNEURON" if p == "coreneuron" else "")
                      if r else _failed_note(rows, p)))
    cached = print_target("4. start-up from the cache:", warm.get("startup_s"), "s",
                          TARGET_CACHED_STARTUP_S, False, judged, peers, spec=".3f")
    cached["compile_s"] = warm.get("compile_s")
    print("  %-34s   (a second Myriad process, same cache: its compile_s %s s)"
          % ("", _fmt(warm.get("compile_s"), ".3f")))
    return {"first_compile": first, "cached_startup": cached}


def report_targets(rows, threads, judged, baselines, cold, warm):
    """Print issue 9's ringtest targets (1 throughput, 2 memory, 4 start-up)
    with Myriad's figure, the peers' and the verdicts; returns the JSON record.
    ``cold``/``warm``: the Myriad rows run with an empty / a filled cache."""
    print("\nIssue 9 targets (ringtest medium)%s:" % (
        "" if judged else " -- this is not the medium ring: figures shown, not judged"))
    targets = _throughput_targets(rows, threads, judged)
    targets.update(_memory_target(rows, judged, baselines))
    targets.update(_startup_targets(rows, threads, judged, cold, warm))
    return targets


def _other_methods(args, params, work, myriad_env):
    """Myriad with each integrator after the first (``--methods``) at each thread count, as
    repeats: the targets and peer ratios stay the first method's."""
    rows = []
    for method, k in ((m, k) for m in args.methods[1:] for k in args.threads):
        row, _spk = run_one("myriad", k, params, work, args.timeout, args.backend, args.myriad_module,
                            myriad_env, name="myriad_" + method, method=method)
        rows.append(dict(row, note=method[:14], method=method, repeat=True))
    return rows


def _method_ratios(rows, methods, threads):
    """Each other method's Myriad throughput over the first method's, per thread count (printed)."""
    first = ok_rows(rows)
    speed = {(r["method"], r["threads"]): r.get("msteps_per_s") for r in rows
             if r.get("method") and r["status"] == "ok"}
    ratios = {m: {str(k): (speed[m, k] / first["myriad", k]["msteps_per_s"]
                           if speed.get((m, k)) and ("myriad", k) in first else None) for k in threads}
              for m in methods[1:]}
    for m, by_k in ratios.items():
        print("\nMyriad throughput with %s relative to %s: %s" % (m, methods[0], "   ".join(
            "threads=%s %s" % (k, _fmt(x, ".3f")) for k, x in by_k.items())))
    return ratios


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ringtest_bench",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--nring", type=int, default=None)
    ap.add_argument("--ncell", type=int, default=8)
    ap.add_argument("--nbranch", type=int, default=None)
    ap.add_argument("--ncompart", type=int, default=None)
    ap.add_argument("--tstop", type=float, default=100.0)
    ap.add_argument("--dt", type=float, default=0.025)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts to run (default: 1 2)")
    ap.add_argument("--backend", default="openmp", help="Myriad backend (default openmp)")
    ap.add_argument("--methods", nargs="+", choices=list(METHODS), default=["backward_euler"],
                    help="Myriad's integrators: the first is judged against the targets and peers "
                         "(default backward_euler); each other one runs too, at each thread count, "
                         "and its throughput is shown relative to the first's")
    ap.add_argument("--myriad-module", default="applications.ringtest",
                    help="module run with -m for the Myriad side")
    ap.add_argument("--quick", action="store_true",
                    help="small ring (nring 16, nbranch 16, ncompart 1)")
    ap.add_argument("--timeout", type=float, default=1800.0,
                    help="seconds per simulation subprocess")
    add_skip_options(ap)
    args = ap.parse_args(argv)

    base = QUICK if args.quick else FULL
    params = {
        "nring": args.nring if args.nring is not None else base["nring"],
        "ncell": args.ncell,
        "nbranch": args.nbranch if args.nbranch is not None else base["nbranch"],
        "ncompart": args.ncompart if args.ncompart is not None else base["ncompart"],
        "tstop": args.tstop,
        "dt": args.dt,
    }
    for k in ("nring", "ncell", "nbranch", "ncompart"):
        if params[k] < 1:
            ap.error("--%s must be a positive integer" % k)
    if not (args.tstop > 0 and args.dt > 0):
        ap.error("--tstop and --dt must be positive")
    if any(t < 1 for t in args.threads):
        ap.error("--threads must be positive integers")
    judged = params == MEDIUM

    with tempfile.TemporaryDirectory(prefix="ringtest_bench_") as work:
        cache = os.path.join(work, "myriad-cache")  # empty: the first Myriad run compiles
        os.mkdir(cache, 0o700)
        myriad_env = {"MYRIAD_CACHE_DIR": cache}
        rows, spikes = run_engines(args, lambda engine, k: run_one(
            engine, k, params, work, args.timeout, args.backend, args.myriad_module, myriad_env))
        # the first Myriad run compiled the model; the same command again
        # starts from the cache
        first = next((r for r in rows if r["engine"] == "myriad"), None)
        cold = warm = None
        if first is not None:
            first["note"] = "first compile"
            cold = first if first["status"] == "ok" else None
            row, _spk = run_one("myriad", first["threads"], params, work, args.timeout,
                                args.backend, args.myriad_module, myriad_env, name="cached")
            row.update(note="cached restart", repeat=True)
            rows.append(row)
            warm = row if row["status"] == "ok" else None
        if "myriad" in {r["engine"] for r in rows}:
            rows += _other_methods(args, params, work, myriad_env)
    print("[ringtest_bench] measuring interpreter baselines ...", file=sys.stderr, flush=True)
    baselines = {e: baseline_rss_mb(e) for e in BASELINE_CODE}

    print("\nringtest nring=%(nring)d ncell=%(ncell)d nbranch=%(nbranch)d "
          "ncompart=%(ncompart)d tstop=%(tstop)g dt=%(dt)g" % params)
    print_table(rows)

    ratios = speed_ratios(rows, args.threads, "msteps_per_s", higher_is_faster=True,
                          title="Myriad/peer throughput ratio (compartment-steps/s; >1 = Myriad faster):")
    targets = report_targets(rows, args.threads, judged, baselines, cold, warm)

    comparisons = compare_with_neuron(spikes)
    report_spikes(spikes, comparisons, "5. Spikes (against NEURON's):")
    method_ratios = _method_ratios(rows, args.methods, args.threads)

    result = {
        "benchmark": "ringtest",
        "params": params,
        "runs": rows,
        "myriad_over_peer_throughput": ratios,
        "targets": targets,
        "spikes": comparisons,
        "method_throughput_ratio": method_ratios,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
