"""What the CLIs and `myriad search` refuse, and how: one line on stderr and
exit status 2, before the model is built or run; and where their outputs go
(a device, FIFO or '-' is written through; an input is never overwritten)."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading

import pytest

from myriad.cli import main as myriad_main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: a guard against a hang, not a timing check (a refusal comes before any model is built,
#: but a loaded machine may still take a while to start Python and import numpy)
QUICK_S = 120


def _cli(name, *args, timeout=600, cache=None):
    """Run a CLI; with ``cache``, a compiled-model cache of its own at that path, which
    a CLI that builds its model makes (so a refusal before the build leaves none)."""
    env = {**os.environ, **({"MYRIAD_CACHE_DIR": str(cache)} if cache else {})}
    return subprocess.run([sys.executable, "-m", f"applications.{name}", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=timeout)


def _one_line(proc, *culprits):
    """Exit 2 and one line on stderr, naming every culprit."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and len(lines) == 1, proc.stderr
    for culprit in culprits:
        assert culprit in lines[0], lines[0]
    return lines[0]


def _argparse_error(proc, culprit):
    """Exit 2 and argparse's refusal (usage, then one error line naming the option)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("usage: ") and [line for line in lines if ": error: " in line] == [lines[-1]], proc.stderr
    assert culprit in lines[-1], proc.stderr


# --- outputs that are not regular files ------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_out_to_a_character_device_leaves_the_device(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))      # /dev/null's numbers, in a private directory
    proc = _cli("hh_soma", "--tstop", "2", "--out", str(null))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode) and os.lstat(null).st_rdev == os.makedev(1, 3)


def test_out_to_a_fifo_streams_into_it(tmp_path):
    fifo = tmp_path / "spikes"
    os.mkfifo(fifo)
    got = {}

    def read():
        with open(fifo) as handle:
            got["text"] = handle.read()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = _cli("hh_soma", "--tstop", "2", "--out", str(fifo), timeout=120)
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert got.get("text", "").splitlines()[:2] == ["t,v", "0.0,-65.0"] and len(got["text"].splitlines()) == 1 + 81
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("target", ["-", "link"])
def test_out_to_standard_output_comes_before_the_json_line(tmp_path, target):
    link = tmp_path / "out.csv"
    link.symlink_to("/proc/self/fd/1")
    proc = _cli("hh_soma", "--tstop", "2", "--out", "-" if target == "-" else str(link))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["t,v", "0.0,-65.0"] and len(lines) == 1 + 81 + 1
    assert json.loads(lines[-1])["steps"] == 80
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_out_replacing_a_private_file_keeps_it_private(tmp_path):
    out = tmp_path / "v.csv"
    out.write_text("old\n")
    os.chmod(out, 0o600)
    assert _cli("hh_soma", "--tstop", "2", "--out", str(out)).returncode == 0
    assert out.read_text().startswith("t,v\n") and stat.S_IMODE(os.stat(out).st_mode) == 0o600


# --- refused before the model is built --------------------------------------------------

@pytest.mark.parametrize("name, args, culprit", [
    ("hh_soma", ["--out", ""], "--out"),
    ("dense", ["--ncell", "20", "--out", "{tmp}/missing/spikes.dat"], "--out"),
    ("dense", ["--ncell", "20", "--out", "{tmp}/file.txt/spikes.dat"], "--out"),
    ("ringtest", ["--nring", "1", "--out", "{tmp}/"], "--out"),
    ("ringtest", ["--nring", "1", "--plot", "{tmp}/raster.xyz"], "--plot"),
    ("ringtest", ["--nring", "1", "--plot", "{tmp}/missing/raster.png"], "--plot"),
    ("ringtest", ["--nring", "1", "--plot", "{tmp}"], "--plot"),
])
def test_bad_output_paths_are_refused_before_the_model_is_built(tmp_path, tmp_path_factory, name, args, culprit):
    (tmp_path / "file.txt").write_text("x")
    cache = tmp_path_factory.mktemp("cache") / "unused"
    proc = _cli(name, "--tstop", "1", *[a.format(tmp=tmp_path) for a in args], timeout=QUICK_S, cache=cache)
    _argparse_error(proc, culprit)
    assert not cache.exists(), "the model was built before the refusal"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.parametrize("name, args, culprit", [
    ("cable", ["--nseg", "99999999999999999999"], "--nseg"),
    ("cable", ["--nseg", "100000000"], "--nseg"),
    ("ringtest", ["--ncompart", "40000"], "--ncompart"),
    ("fit_hh", ["--compile-only", "--batch", "100000000"], "--batch"),
    ("fit_hh", ["--plot", "{tmp}/fit.xyz"], "--plot"),
    ("fit_hh", ["--table", "{tmp}"], "--table"),
])
def test_out_of_range_sizes_and_bad_paths_name_their_option(tmp_path, tmp_path_factory, name, args, culprit):
    cache = tmp_path_factory.mktemp("cache") / "unused"
    proc = _cli(name, *[a.format(tmp=tmp_path) for a in args], timeout=QUICK_S, cache=cache)
    _argparse_error(proc, culprit)
    assert not cache.exists() and list(tmp_path.iterdir()) == []


def test_a_section_names_nseg_beyond_neurons_bound():
    from myriad import ModelError
    from applications.neuro import Network
    with pytest.raises(ModelError, match=r"section 'cable': nseg must be an integer >= 1 and <= 32767"):
        Network().section("cable", nseg=10 ** 20)


# --- from_neuron ---------------------------------------------------------------------------

def test_from_neuron_a_missing_script_is_one_line_and_exit_2(tmp_path):
    _one_line(_cli("from_neuron", str(tmp_path / "missing.py"), timeout=QUICK_S), "no such script", "missing.py")


#: a NEURON model that builds and runs in a second (one HH soma, 1 ms)
ONE_SOMA = 'from neuron import h\nh.load_file("stdrun.hoc")\nsoma = h.Section(name="soma")\nsoma.insert("hh")\nh.tstop = 1\n'


@pytest.mark.parametrize("how", ["same path", "hard link"])
def test_from_neuron_never_writes_its_spikes_over_the_script(tmp_path, how):
    script = tmp_path / "model.py"
    script.write_text(ONE_SOMA)
    out = script
    if how == "hard link":
        out = tmp_path / "spikes.std"
        os.link(script, out)
    proc = _cli("from_neuron", "--out", str(out), str(script), timeout=QUICK_S)
    _one_line(proc, "--out", "is the script itself")
    assert script.read_text() == ONE_SOMA and os.path.samefile(script, out)


def test_from_neuron_a_script_that_cannot_import_neuron_is_told_to_install_it(tmp_path):
    script = tmp_path / "model.py"
    script.write_text("from neuron import h\nsoma = h.Section(name='soma')\n")
    blocked = ("import sys; sys.modules['neuron'] = None; sys.argv[0] = 'from_neuron'; "
               "from applications.from_neuron import main; main(sys.argv[1:])")
    proc = subprocess.run([sys.executable, "-c", blocked, "--out", str(tmp_path / "spk.std"), str(script)],
                          cwd=ROOT, capture_output=True, text=True, timeout=QUICK_S)
    _one_line(proc, "from_neuron needs NEURON: pip install neuron")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]


# --- myriad search CONFIG.toml ------------------------------------------------------------

CONFIG = """
model = "applications.fit_hh:build"
objective = "applications.fit_hh:objective"
tstop = 100.0

[[parameters]]
path = "soma.hh.gnabar"
low = 0.03
high = 0.4
log = true

[fixed]
"soma.hh.gl" = 0.000412

[search]
strategy = "random"
budget = 4
seed = 3
options = { generation = 4 }

[output]
table = "out/fit.csv"
"""


def _top(config, line):
    """``line`` among the top-level keys (before the first table)."""
    return config.replace("tstop = 100.0\n", f"tstop = 100.0\n{line}\n")


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.replace("seed = 3", "seed = -1"), r"\[search\] seed must be an integer >= 0, got -1"),
    (lambda c: c.replace("seed = 3", 'seed = "x"'), r"\[search\] seed must be an integer >= 0, got 'x'"),
    (lambda c: c.replace("budget = 4", "budget = true"), r"\[search\] budget must be an integer"),
    (lambda c: c.replace("options = { generation = 4 }", "options = 5"), r"\[search\] options: expected a table"),
    (lambda c: c.replace("options = { generation = 4 }", "options = { generation = 0 }"),
     r"\[search\] options: random: generation must be an integer >= 1"),
    (lambda c: c.replace("options = { generation = 4 }", "options = { popsize = 8 }"),
     r"\[search\] options: strategy 'random'.*popsize"),
    (lambda c: c.replace("[search]", "[search]\nbatch = 100000000"), r"\[search\] batch must be an integer from 1 to"),
    (lambda c: _top(c.replace('[fixed]\n"soma.hh.gl" = 0.000412\n', ""), "fixed = 3"), "'fixed' must be a table"),
    (lambda c: _top(c, "dt = 0"), "'dt' must be a positive number"),
    (lambda c: _top(c, 'method = "euler"'), "method must be one of backward_euler, rk4"),
    (lambda c: _top(c, 'backend = "opencl"'), "backend must be one of"),
    (lambda c: _top(c, "path = 5"), "'path' must be an array of directory names"),
    (lambda c: c.replace('table = "out/fit.csv"', 'table = ""'), r"\[output\] table: expected a file name, got ''"),
    (lambda c: c.replace('table = "out/fit.csv"', 'table = "."'), r"\[output\] table: .* names a directory"),
    (lambda c: c.replace('table = "out/fit.csv"', 'table = "out/"'), r"\[output\] table: .* names a directory"),
    (lambda c: c.replace('table = "out/fit.csv"', "table = 5"), r"\[output\] table: expected a file name, got 5"),
    (lambda c: c.replace('table = "out/fit.csv"', 'table = "fit.toml"'), r"\[output\] table: 'fit.toml' is this config"),
    (lambda c: c.replace('table = "out/fit.csv"', 'plot = "out/fit.xyz"'), r"\[output\] plot: .*cannot draw a \.xyz"),
    (lambda c: c.replace('table = "out/fit.csv"', 'tables = "t.csv"'), r"\[output\]: unknown key\(s\) tables"),
    (lambda c: c.replace("applications.fit_hh:build", "applications.fit_hh:objective"),
     r"'model': applications.fit_hh:objective\(result\).* is not a model builder"),
    (lambda c: c.replace("applications.fit_hh:build", "math:sqrt"), "'model': math:sqrt.* is not a model builder"),
    (lambda c: c.replace("applications.fit_hh:objective", "applications.fit_hh:build"),
     r"'objective': applications.fit_hh:build\(\).* cannot take a Result"),
    (lambda c: c.replace("applications.fit_hh:objective", ":objective"), "'objective': expected \"module:name\""),
])
def test_myriad_search_a_bad_value_is_one_line_before_any_work(tmp_path, capsys, edit, message):
    config = tmp_path / "fit.toml"
    config.write_text(edit(CONFIG))
    with pytest.raises(SystemExit) as exit_:
        myriad_main(["search", str(config), "--no-progress"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"myriad: error: {config}: ") and len(err.strip().splitlines()) == 1, err
    assert re.search(message, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.toml"]


def test_myriad_search_a_file_that_is_not_utf8_is_one_line(tmp_path, capsys):
    config = tmp_path / "fit.toml"
    config.write_bytes(CONFIG.replace("fit_hh:build", "fit_hh:bu\xefld").encode("latin-1"))
    with pytest.raises(SystemExit) as exit_:
        myriad_main(["search", str(config), "--no-progress"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and "not UTF-8 text" in err, err


def test_myriad_search_an_objective_that_fails_on_a_result_is_one_line(tmp_path, capsys):
    config = tmp_path / "fit.toml"
    config.write_text(CONFIG.replace("applications.fit_hh:objective", "math:sqrt"))
    with pytest.raises(SystemExit) as exit_:
        myriad_main(["search", str(config), "--no-progress"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert "the objective (sqrt) failed on a Result: TypeError" in err


def test_myriad_search_help_says_a_config_runs_code(capsys):
    with pytest.raises(SystemExit):
        myriad_main(["search", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "A config file is code" in text and "sys.path" in text


SHADOW = "def build():\n    return '{where}'\n\ndef objective(result):\n    return 0.0\n"


@pytest.mark.parametrize("asks", [False, True])
def test_a_module_beside_the_config_shadows_an_installed_one_only_when_the_config_asks(tmp_path, monkeypatch, asks):
    from myriad.search import config as search_config
    installed, beside = tmp_path / "site", tmp_path / "project"
    for where in (installed, beside):
        where.mkdir()
        (where / "myriad_shadow_probe.py").write_text(SHADOW.format(where=where.name))
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.setattr(sys, "path", list(sys.path))          # restored after the test, with what load adds
    monkeypatch.delitem(sys.modules, "myriad_shadow_probe", raising=False)
    text = _top(CONFIG, 'path = ["."]') if asks else CONFIG
    (beside / "fit.toml").write_text(text.replace("applications.fit_hh", "myriad_shadow_probe"))
    loaded = search_config.load(beside / "fit.toml")
    assert loaded.problem.build() == ("project" if asks else "site")
    assert str(beside) in sys.path and (sys.path[0] == str(beside)) == asks
    sys.modules.pop("myriad_shadow_probe", None)
