"""The nmodl command line: the generated class printed or written, the corpus
smoke test's JSON lines, and ``myriad nmodl`` reaching it through myriad's
plugin group without myriad importing applications."""
import json
import subprocess
import sys
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from tests.applications.nmodl_soma import wheel_mod
from tests.requirements import require_neuron

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "nmodl"


def _nmodl(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "applications.nmodl", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.neuron
def test_prints_the_class_and_writes_it_with_out(tmp_path):
    require_neuron()
    printed = _nmodl(wheel_mod("pas"))
    assert printed.returncode == 0, printed.stderr
    assert "class pas(DensityChannel):" in printed.stdout
    assert "g = Param(0.001, unit='S/cm2')" in printed.stdout and "e = Param(-70.0, unit='mV')" in printed.stdout
    out = tmp_path / "pas.py"
    written = _nmodl(wheel_mod("pas"), "--out", out)
    assert written.returncode == 0 and written.stdout == ""
    assert out.read_text() == printed.stdout
    compile(out.read_text(), str(out), "exec")


@pytest.mark.neuron
@pytest.mark.slow
def test_smoke_prints_one_json_line_per_file():
    require_neuron()
    files = [wheel_mod("pas"), DATA / "random.mod", DATA / "syntax.mod", DATA / "missing.mod"]
    proc = _nmodl("--smoke", *files)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1, proc.stderr          # a file that does not exist
    assert [(r["file"], r["status"]) for r in lines] == [
        (str(files[0]), "ok"), (str(files[1]), "refused"), (str(files[2]), "failed"), (str(files[3]), "failed")]
    assert lines[0]["reason"].startswith("class pas, v(5 ms) = -69.9")
    assert lines[1]["reason"].startswith(f"{files[1]}:5:16: the random function normrand()")
    assert lines[2]["reason"].startswith(f"{files[2]}:3:1: NMODL syntax error")
    assert lines[3]["reason"] == "no such file"


@pytest.mark.neuron
@pytest.mark.slow
def test_smoke_time_limits_each_file():
    require_neuron()
    proc = _nmodl("--smoke", "--time-limit", "0.01", wheel_mod("pas"))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"file": str(wheel_mod("pas")), "status": "failed",
                                       "reason": "timed out after 0.01 s"}


def test_the_package_declares_myriad_nmodl():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["myriad.commands"]
    assert declared == {"nmodl": "applications.nmodl.__main__:main"}


PLUGIN_CALLS = []


def plugin_main(argv, prog):
    """Stands for applications.nmodl's main in the test below."""
    PLUGIN_CALLS.append((argv, prog))


def test_myriad_runs_a_plugin_command_with_its_arguments(monkeypatch, capsys):
    from myriad import cli
    monkeypatch.setattr(cli, "plugins", lambda: {"nmodl": EntryPoint("nmodl", f"{__name__}:plugin_main",
                                                                      cli.PLUGIN_GROUP)})
    cli.main(["nmodl", "x.mod", "--out", "x.py"])
    assert PLUGIN_CALLS == [(["x.mod", "--out", "x.py"], "myriad nmodl")]
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "nmodl" in capsys.readouterr().out
