"""The CLIs' contracts (docs/architecture.md): options, output formats, the final JSON line."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEYS = {"compartments", "steps", "build_s", "compile_s", "run_s", "peak_rss_mb"}


def _cli(name, *args):
    proc = subprocess.run([sys.executable, "-m", f"applications.{name}", *args], cwd=ROOT,
                          capture_output=True, text=True, env=os.environ.copy(), timeout=600)
    return proc


def _json(proc):
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    assert KEYS <= set(record)
    return record


def test_hh_soma_csv(tmp_path):
    out = tmp_path / "hh.csv"
    record = _json(_cli("hh_soma", "--tstop", "20", "--out", str(out)))
    lines = out.read_text().splitlines()
    assert lines[0] == "t,v"
    assert len(lines) == 1 + 801 and record["steps"] == 800 and record["compartments"] == 1
    t0, v0 = map(float, lines[1].split(","))
    assert t0 == 0.0 and v0 == -65.0


def test_cable_csv(tmp_path):
    out = tmp_path / "cable.csv"
    record = _json(_cli("cable", "--tstop", "5", "--nseg", "11", "--method", "rk4", "--dt", "0.005",
                        "--out", str(out)))
    lines = out.read_text().splitlines()
    assert lines[0] == "t,v0,vmid,vend" and len(lines) == 1002
    assert record["compartments"] == 11


@pytest.mark.slow
def test_ringtest_spike_file(tmp_path):
    out = tmp_path / "spk.dat"
    record = _json(_cli("ringtest", "--nring", "2", "--ncell", "4", "--nbranch", "4", "--ncompart", "2",
                        "--tstop", "30", "--threads", "2", "--out", str(out), "--plot", str(tmp_path / "raster.png")))
    assert (tmp_path / "raster.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = [line.split() for line in out.read_text().splitlines()]
    assert rows and all(len(r) == 2 and len(r[0].split(".")[1]) >= 4 for r in rows)
    spikes = [(float(t), int(g)) for t, g in rows]
    assert spikes == sorted(spikes)
    assert record["compartments"] == 8 * (1 + 4 * 2)


@pytest.mark.slow
def test_dense_spike_files_are_identical_on_one_and_two_threads(tmp_path):
    files, records = [], []
    for threads in ("1", "2"):
        out = tmp_path / f"dense{threads}.dat"
        records.append(_json(_cli("dense", "--ncell", "90", "--p", "0.95", "--tstop", "20",
                                  "--threads", threads, "--out", str(out))))
        files.append(out.read_bytes())
    assert records[0]["core_unknowns"] == 90 and records[0]["compartments"] == 90 * 5
    assert records[0]["nspikes"] > 0 and files[0] == files[1]


def _usage_error(proc, culprit):
    """An argparse refusal: exit 2, the usage lines, then one ``PROG: error: ...`` line naming the culprit."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("usage: "), proc.stderr
    assert ": error: " in lines[-1] and culprit in lines[-1], proc.stderr
    assert [line for line in lines if ": error: " in line] == [lines[-1]], proc.stderr


def _one_line(proc, culprit):
    """A refusal by app_cli.main_guard: exit 2 and exactly one ``PROG: error: ...`` line naming the culprit."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0] and culprit in lines[0], proc.stderr


@pytest.mark.parametrize("name,args,culprit", [
    ("dense", ["--p", "1.5"], "--p"),
    ("hh_soma", ["--dt", "-1"], "--dt"),
    ("hh_soma", ["--tstop", "nan"], "--tstop"),
    ("ringtest", ["--ncompart", "0"], "--ncompart"),
    ("cable", ["--nseg", "x"], "--nseg"),
    ("ringtest", ["--backend", "opencl"], "--backend"),
    ("hh_soma", ["--amp", "inf"], "--amp"),
    ("hh_soma", ["--threads", "100000"], "--threads"),
    ("hh_soma", ["--tstop", "1e300"], "--tstop"),
    ("hh_soma", ["--dt", "1e-300"], "--dt"),
    ("hh_soma", ["--out", os.path.join(ROOT, "no_such_dir", "v.csv")], "--out"),
    ("cable", ["--out", ROOT], "--out"),
    ("cable", ["--method", "euler"], "--method"),
    ("ringtest", ["--nring", "-1"], "--nring"),
    ("dense", ["--seed", "-1"], "--seed"),
    ("dense", ["--seed", "x"], "--seed"),
    ("dense", ["--amp-lo", "1", "--amp-hi", "0"], "--amp-hi"),
    ("fit_hh", ["--budget", "-5"], "--budget"),
    ("fit_hh", ["--batch", "0"], "--batch"),
    ("fit_hh", ["--seed", "x"], "--seed"),
    ("fit_hh", ["--strategy", "newton"], "--strategy"),
    ("fit_hh", ["--table", os.path.join(ROOT, "no_such_dir", "t.csv")], "--table"),
    ("from_neuron", ["--dt", "0", "model.py"], "--dt"),
])
def test_bad_arguments_exit_2_with_usage_and_one_error_line(name, args, culprit):
    _usage_error(_cli(name, *args), culprit)


@pytest.mark.parametrize("name,args,culprit", [
    ("dense", ["--ncell", "3000000", "--tstop", "1"], "out of memory"),
    ("from_neuron", [os.path.join(ROOT, "no_such_script.py")], "no such script"),
])
def test_refusals_after_parsing_exit_2_with_one_line(name, args, culprit):
    _one_line(_cli(name, *args), culprit)
