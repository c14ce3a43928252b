"""Morphology files that cannot be read: one line naming the file, the line and
the sample, from ``load_morphology`` and from ``python -m applications.morphology``
(exit status 2, no traceback); and the command's summary against NEURON's."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.requirements import require_morphio, require_neuron

from applications.neuro.morphology import MorphologyError, load_morphology

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "morphology"

GOOD = """# a soma and a dendrite
1 1 0 0 0 5 -1
2 3 5 0 0 1 1
3 3 10 0 0 1 2
4 3 15 0 0 0.5 3
"""

#: each error class: the file's text, the line and sample the message must name, words it must contain
BAD = {
    "missing parent": (GOOD.replace("4 3 15 0 0 0.5 3", "4 3 15 0 0 0.5 9"), 5, 4, "parent 9 does not exist"),
    "cycle": (GOOD + "5 3 20 0 0 0.5 6\n6 3 25 0 0 0.5 5\n", 6, 5, "cycle"),
    "zero radius": (GOOD.replace("3 3 10 0 0 1 2", "3 3 10 0 0 0 2"), 4, 3, "radius must be positive"),
    "negative radius": (GOOD.replace("3 3 10 0 0 1 2", "3 3 10 0 0 -1 2"), 4, 3, "radius must be positive"),
    "unknown type": (GOOD.replace("2 3 5 0 0 1 1", "2 0 5 0 0 1 1"), 3, 2, "unknown point type 0"),
    "duplicate id": (GOOD + "3 3 20 0 0 0.5 2\n", 6, 3, "used twice (first at line 4)"),
    "second root": (GOOD + "5 1 50 0 0 5 -1\n", 6, 5, "second root"),
    "parent after child": (GOOD + "5 3 20 0 0 0.5 6\n6 3 25 0 0 0.5 4\n", 6, 5, "not smaller"),
    "not seven numbers": (GOOD.replace("3 3 10 0 0 1 2", "3 3 10 0 0 1"), 4, None, "expected 7 numbers"),
    "not a number": (GOOD.replace("3 3 10 0 0 1 2", "3 3 ten 0 0 1 2"), 4, 3, "must be numbers"),
}


def _write(tmp_path, text, name="cell.swc"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_malformed_swc_is_one_line_naming_file_line_and_sample(tmp_path, case):
    text, line, sample, words = BAD[case]
    path = _write(tmp_path, text)
    with pytest.raises(MorphologyError) as caught:
        load_morphology(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: " + ("" if sample is None else f"sample {sample}: ")), message
    assert words in message


def test_an_empty_file_is_named(tmp_path):
    path = _write(tmp_path, "# only a comment\n\n")
    with pytest.raises(MorphologyError, match=rf"^{path}: no samples \(an empty SWC file\)$"):
        load_morphology(path)


def test_the_good_file_loads(tmp_path):
    cell = load_morphology(_write(tmp_path, GOOD))
    assert list(cell.sections) == ["soma", "dend[0]"]


def _cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "applications.morphology", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_cli_exits_2_with_one_line_for_bad_files(tmp_path):
    for case in ("cycle", "zero radius"):
        path = _write(tmp_path, BAD[case][0], f"{case.replace(' ', '_')}.swc")
        proc = _cli(path)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"morphology: error: {path}:"), proc.stderr
    proc = _cli(_write(tmp_path, "", "empty.swc"))
    assert proc.returncode == 2 and "no samples" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_the_cli_never_writes_its_spikes_over_the_file_and_names_a_missing_one(tmp_path):
    path = _write(tmp_path, GOOD)
    proc = _cli(path, "--tstop", "1", "--out", path)
    assert proc.returncode == 2 and "is the morphology file itself" in proc.stderr, proc.stderr
    assert path.read_text() == GOOD
    proc = _cli(tmp_path / "missing.swc")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "missing.swc: cannot read" in proc.stderr


@pytest.mark.slow
def test_a_broken_asc_file_is_one_line(tmp_path):
    require_morphio()
    path = _write(tmp_path, '("CellBody"\n  (CellBody)\n  (0 0 0 1)\n  (1 1 0 1)\n  (1 0 0 1)\n)\n\n( (Dendrite)\n'
                            '  (0 0 0 1\n', "broken.asc")
    proc = _cli(path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"morphology: error: {path}:10: ") and "\x1b" not in proc.stderr, proc.stderr


@pytest.mark.slow
@pytest.mark.neuron
def test_the_cli_summary_is_neurons_sums():
    require_neuron()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    path = DATA / "morph_allen_485574832.swc"
    proc = _cli(path, "--d-lambda", "0.05", "--freq", "200")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    peer = subprocess.run([sys.executable, "-m", "benchmarks.peers.neuron_morphology", "geometry", str(path),
                           "--d-lambda", "0.05", "--freq", "200"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    rows = json.loads(peer.stdout.strip().splitlines()[-1])["sections"]
    assert summary["sections"] == len(rows)
    assert summary["segments"] == sum(row["nseg"] for row in rows)
    assert summary["area_um2"] == pytest.approx(sum(sum(row["area"]) for row in rows), rel=1e-12)
    assert summary["length_um"] == pytest.approx(sum(row["L"] for row in rows), rel=1e-12)
    for region in ("soma", "axon", "dend", "apic"):
        assert summary["area_by_type"][region] == pytest.approx(
            sum(sum(row["area"]) for row in rows if row["name"].startswith(region + "[")), rel=1e-12)
