"""Every step of the tutorial (examples/NN_*.py) runs at its quick size and
draws its figure, so the tutorial cannot rot unnoticed."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))


def test_the_tutorial_ladder_is_there():
    assert [path.stem for path in EXAMPLES] == ["01_channel", "02_dendrite", "03_recording", "04_network",
                                                "05_stimuli", "06_saving", "07_fit"]
    tutorial = (ROOT / "docs" / "tutorial.md").read_text()
    assert all(f"examples/{path.name}" in tutorial for path in EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_an_example_runs_and_draws_its_figure(example, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MYRIAD_EXAMPLES_QUICK="1", OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, str(example), "--out", str(tmp_path)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    figure = tmp_path / f"{example.stem}.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and figure.stat().st_size > 20_000
