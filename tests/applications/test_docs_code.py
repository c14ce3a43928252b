"""The code blocks of docs/mechanisms.md run, in order, as one script: the
mechanisms it teaches compile and behave as it says."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def python_blocks(markdown: str) -> list[str]:
    """The ```python blocks of a markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M)


def test_the_blocks_are_found():
    blocks = python_blocks((ROOT / "docs" / "mechanisms.md").read_text())
    assert len(blocks) == 5 and blocks[0].startswith("import math") and "sim.run" in blocks[-1]


@pytest.mark.slow
def test_the_mechanisms_guide_runs(tmp_path):
    script = tmp_path / "mechanisms_md.py"
    script.write_text("\n".join(python_blocks((ROOT / "docs" / "mechanisms.md").read_text())))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
