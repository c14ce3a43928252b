"""Result files are replaced whole: a writer killed in the middle leaves the old
file as it was, and its temporary is removed by a later write once stale."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from myriad import atomic

ROOT = Path(__file__).resolve().parents[2]
CHUNK, CHUNKS = 1 << 20, 16

WRITER = f'''import sys, time
from myriad.atomic import replace_atomic

path, started, slow = sys.argv[1], sys.argv[2], sys.argv[3] == "slow"

def write(tmp):
    with open(tmp, "wb") as handle:
        for i in range({CHUNKS}):
            handle.write(bytes([65 + i]) * {CHUNK})
            handle.flush()
            if i == 2:
                open(started, "w").close()
            if slow and i >= 2:
                time.sleep(1.0)

replace_atomic(path, write)
'''


def _writer(tmp_path: Path, target: Path, slow: bool) -> subprocess.Popen:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    started = tmp_path / "started"
    started.unlink(missing_ok=True)
    return subprocess.Popen([sys.executable, str(script), str(target), str(started), "slow" if slow else "fast"],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def _temporaries(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.*.tmp"))


def test_a_writer_killed_mid_file_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "result.dat"
    old = b"old result\n" * 400_000
    atomic.write_atomic(target, old.decode())
    writer = _writer(tmp_path, target, slow=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "started").exists():
        assert writer.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    writer.send_signal(signal.SIGKILL)
    assert writer.wait(timeout=30) == -signal.SIGKILL
    assert target.read_bytes() == old
    partial, = _temporaries(target)
    assert 3 * CHUNK <= partial.stat().st_size < CHUNKS * CHUNK     # killed in the middle

    writer = _writer(tmp_path, target, slow=False)
    assert writer.wait(timeout=60) == 0
    assert target.read_bytes() == b"".join(bytes([65 + i]) * CHUNK for i in range(CHUNKS))
    assert _temporaries(target) == [partial]        # too young to be taken for a dead writer's


def test_a_later_write_removes_stale_temporaries_of_its_file_only(tmp_path):
    target = tmp_path / "spikes.dat"
    stale = tmp_path / ".spikes.dat.k3j_9x0q.tmp"
    young = tmp_path / ".spikes.dat.a1b2c3d4.tmp"
    other_file = tmp_path / ".spikes.dat.x.k3j_9x0q.tmp"    # a temporary of 'spikes.dat.x'
    not_ours = tmp_path / ".spikes.dat.mine.tmp"
    for path in (stale, young, other_file, not_ours):
        path.write_text("partial")
    old = time.time() - atomic.STALE_S - 60
    for path in (stale, other_file, not_ours):
        os.utime(path, (old, old))
    atomic.write_atomic(target, "0.1 1\n")
    assert target.read_text() == "0.1 1\n"
    assert not stale.exists()
    assert young.exists() and other_file.exists() and not_ours.exists()
