"""Ring benchmark: Myriad vs NEURON, 1 and 2 threads.

    python -m benchmarks.ringtest_bench [--nring 128 --ncell 8 --nbranch 32
        --ncompart 4 --tstop 100 --dt 0.025] [--quick]

Each simulation runs in its own subprocess (clean peak RSS):

* Myriad: ``python -m applications.ringtest ... --method backward_euler
  --threads K --out FILE`` (DESIGN.md CLI contract: last stdout line is JSON
  with compartments, steps, build_s, compile_s, run_s, peak_rss_mb);
* NEURON: ``python -m applications.neuron_models ringtest ... --threads K
  --out FILE`` (same summary keys; default fixed step = backward Euler).

Prints a table (engine, threads, compartments, run_s, compartment-steps per
second, peak RSS), the Myriad/NEURON throughput ratios for 1 and 2 threads,
whether Myriad's spikes equal NEURON's (same multiset of gids, max spike-time
difference after matching spikes by (gid, order of occurrence)), and as the
last line one JSON object with all of it.  A Myriad run that is missing or
fails is reported as failed with the tail of its stderr; the NEURON rows are
printed regardless.  ``--quick`` uses a small ring (nring 16, nbranch 16,
ncompart 1) for a smoke run.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

QUICK = {"nring": 16, "nbranch": 16, "ncompart": 1}
FULL = {"nring": 128, "nbranch": 32, "ncompart": 4}


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


def run_cli(cmd, threads, timeout, row):
    """Run one engine's CLI in a subprocess (own process: own peak RSS) with
    ``threads`` OpenMP threads; returns its final JSON summary, or None with
    ``row["error"]`` saying why."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["OMP_NUM_THREADS"] = str(threads)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
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


def _model_args(p):
    return ["--nring", str(p["nring"]), "--ncell", str(p["ncell"]),
            "--nbranch", str(p["nbranch"]), "--ncompart", str(p["ncompart"]),
            "--tstop", repr(p["tstop"]), "--dt", repr(p["dt"])]


def run_one(engine, threads, params, workdir, timeout, backend="openmp",
            myriad_module="applications.ringtest"):
    out = os.path.join(workdir, "%s_t%d.dat" % (engine, threads))
    if engine == "myriad":
        cmd = [sys.executable, "-m", myriad_module] + _model_args(params) + [
            "--method", "backward_euler", "--backend", backend,
            "--threads", str(threads), "--out", out]
    else:
        cmd = [sys.executable, "-m", "applications.neuron_models", "ringtest"] + \
            _model_args(params) + ["--threads", str(threads), "--out", out]
    row = {"engine": engine, "threads": threads, "status": "failed", "cmd": " ".join(cmd)}
    print("[ringtest_bench] running %s threads=%d ..." % (engine, threads),
          file=sys.stderr, flush=True)
    summary = run_cli(cmd, threads, timeout, row)
    if summary is None:
        return row, None
    for key in ("compartments", "steps", "build_s", "compile_s", "run_s", "peak_rss_mb"):
        row[key] = summary.get(key)
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


def _fmt(x, spec):
    if x is None:
        return "-"
    try:
        return format(x, spec)
    except (TypeError, ValueError):
        return str(x)


def print_table(rows):
    hdr = "%-7s %7s %12s %8s %10s %12s %9s  %s" % (
        "engine", "threads", "compartments", "steps", "run_s", "Mcs-steps/s", "RSS_MB",
        "status")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print("%-7s %7d %12s %8s %10s %12s %9s  %s" % (
            r["engine"], r["threads"], _fmt(r.get("compartments"), "d"),
            _fmt(r.get("steps"), "d"), _fmt(r.get("run_s"), ".3f"),
            _fmt(r.get("msteps_per_s"), ".1f"), _fmt(r.get("peak_rss_mb"), ".1f"),
            r["status"]))
    for r in rows:
        if r["status"] != "ok":
            print("\n%s threads=%d FAILED: %s" % (r["engine"], r["threads"], r.get("error")))




def run_engines(args, run):
    """``run(engine, threads)`` for each engine not skipped (``--skip-neuron``,
    ``--skip-myriad``) at each thread count; returns the rows and the spikes
    by (engine, threads)."""
    rows, spikes = [], {}
    for engine in ("neuron", "myriad"):
        if getattr(args, "skip_" + engine):
            continue
        for k in args.threads:
            row, spk = run(engine, k)
            rows.append(row)
            if spk is not None:
                spikes[(engine, k)] = spk
    return rows, spikes


def speed_ratios(rows, threads, key, higher_is_faster, title):
    """Per thread count, how many times faster Myriad ran than NEURON by ``key``
    (None if either failed), printed under ``title``."""
    by = {(r["engine"], r["threads"]): r for r in rows}
    ratios = {}
    for k in threads:
        m, n = by.get(("myriad", k)), by.get(("neuron", k))
        ok = m and n and m["status"] == "ok" and n["status"] == "ok" and m.get(key) and n.get(key)
        ratios[str(k)] = ((m[key] / n[key]) if higher_is_faster else (n[key] / m[key])) if ok else None
    print("\n" + title)
    for k in threads:
        print("  threads=%d: %s" % (k, _fmt(ratios[str(k)], ".2f")))
    return ratios

def report_spikes(spikes, comparisons, heading):
    """Add each engine's thread-count invariance to ``comparisons`` and print them all."""
    for engine in ("myriad", "neuron"):
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
    ap.add_argument("--myriad-module", default="applications.ringtest",
                    help="module run with -m for the Myriad side")
    ap.add_argument("--quick", action="store_true",
                    help="small ring (nring 16, nbranch 16, ncompart 1)")
    ap.add_argument("--timeout", type=float, default=1800.0,
                    help="seconds per simulation subprocess")
    ap.add_argument("--skip-neuron", action="store_true")
    ap.add_argument("--skip-myriad", action="store_true")
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

    with tempfile.TemporaryDirectory(prefix="ringtest_bench_") as work:
        rows, spikes = run_engines(args, lambda engine, k: run_one(
            engine, k, params, work, args.timeout, args.backend, args.myriad_module))

    print("\nringtest nring=%(nring)d ncell=%(ncell)d nbranch=%(nbranch)d "
          "ncompart=%(ncompart)d tstop=%(tstop)g dt=%(dt)g" % params)
    print_table(rows)

    ratios = speed_ratios(rows, args.threads, "msteps_per_s", higher_is_faster=True,
                          title="Myriad/NEURON throughput ratio (compartment-steps/s; >1 = Myriad faster):")

    comparisons = {}
    ref = spikes.get(("neuron", 1)) or next(
        (v for (e, _k), v in sorted(spikes.items()) if e == "neuron"), None)
    if ref is not None:
        for (engine, k), spk in sorted(spikes.items()):
            if engine != "myriad":
                continue
            comparisons["myriad_t%d_vs_neuron" % k] = compare_spikes(spk, ref)
    report_spikes(spikes, comparisons, "Spikes:")

    result = {
        "benchmark": "ringtest",
        "params": params,
        "runs": rows,
        "myriad_over_neuron_throughput": ratios,
        "spikes": comparisons,
    }
    sys.stdout.flush()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
