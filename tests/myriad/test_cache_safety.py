"""The compiled-model cache under stress: where it lives and who may own it,
damaged or planted entries, eight processes building one new model, the size
cap, ``myriad cache``, and build errors that point at the Python line."""
from __future__ import annotations

import ctypes
import fcntl
import inspect
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from myriad import BuildError, Model, Simulation, cli
from myriad import flatten as flattening
from myriad.blocks import analyse
from myriad.backends.c.codegen import generate
from myriad.backends.c.toolchain import c_toolchain
from myriad.cache import libraries, store
from tests.linear_models import Cell, Leak

ROOT = Path(__file__).resolve().parents[2]


def build(source: str) -> Path:
    """A library of ``source`` compiled by the openmp backend's C compiler, through the cache."""
    return libraries.build(source, c_toolchain())

DT, C, G, U0 = 0.01, 2.0, 3.0, 1.0

DRIFT = '''from myriad import Mechanism, Param


class Drift(Mechanism):
    g = Param(1.0)

    def inflow_u(self):
        return self.g * ({e!r} - self.node.u)
'''


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    monkeypatch.delenv("MYRIAD_CACHE_MAX_MB", raising=False)
    return path


def _drift_module(directory: Path) -> tuple[str, float]:
    """A module whose mechanism no other test has: its C is new to every cache."""
    e = round(float(np.random.default_rng().uniform(0.1, 0.9)), 12)
    name = f"drift_{secrets.token_hex(6)}"
    (directory / f"{name}.py").write_text(DRIFT.format(e=e))
    return name, e


def _drift_model(module):
    model = Model()
    node = model.add_node(Cell, c=C, u=U0)
    model.add_mechanism(module.Drift, node, g=G)
    return model, node


def _expected(e: float, steps: int) -> np.ndarray:
    """Backward Euler on C du/dt = G (e - u), exact for this linear equation."""
    return e + (U0 - e) * (1.0 / (1.0 + DT * G / C)) ** np.arange(steps + 1)


def _tiny(value: int) -> str:
    return f"int value(void) {{ return {value}; }}\n"


def _entry(lib: Path) -> list[Path]:
    stem = lib.name.split(".")[0]
    return sorted(lib.parent.glob(f"{stem}.*"))


def _backdate(paths, seconds_ago: float) -> None:
    when = time.time() - seconds_ago
    for path in paths:
        os.utime(path, (when, when))


def _entry_bytes(lib: Path) -> int:
    return sum(p.stat().st_size for p in _entry(lib))


# --- where the cache is, and who may own it ----------------------------------------

def test_the_cache_is_per_user_by_default_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("MYRIAD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert store.cache_dir() == tmp_path / "xdg" / "myriad"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = store.cache_dir()
    assert path == tmp_path / "home" / ".cache" / "myriad"
    assert (path.stat().st_mode & 0o777) == 0o700
    assert ((tmp_path / "xdg" / "myriad").stat().st_mode & 0o777) == 0o700
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(tmp_path / "mine"))
    assert store.cache_dir() == tmp_path / "mine"


@pytest.mark.parametrize("mode", [0o770, 0o702, 0o777])
def test_a_cache_writable_by_others_is_refused_with_the_fix(tmp_path, monkeypatch, mode):
    path = tmp_path / "shared"
    path.mkdir()
    path.chmod(mode)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    with pytest.raises(BuildError) as err:
        store.cache_dir()
    assert str(path) in str(err.value)
    assert f"chmod 700 {path}" in str(err.value) and "MYRIAD_CACHE_DIR" in str(err.value)


@pytest.mark.parametrize("mode", [0o700, 0o755])
def test_a_cache_only_its_owner_can_write_is_accepted(tmp_path, monkeypatch, mode):
    path = tmp_path / "own"
    path.mkdir()
    path.chmod(mode)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    assert store.cache_dir() == path


@pytest.mark.skipif(os.getuid() != 0, reason="giving a directory to another user needs root")
def test_a_cache_owned_by_another_user_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "theirs"
    path.mkdir(mode=0o700)
    os.chown(path, 65534, 65534)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    with pytest.raises(BuildError, match="owned by another user; set MYRIAD_CACHE_DIR") as err:
        store.cache_dir()
    assert str(path) in str(err.value)


def test_a_cache_path_that_is_a_file_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "file"
    path.write_text("")
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    with pytest.raises(BuildError, match="set MYRIAD_CACHE_DIR") as err:
        store.cache_dir()
    assert str(path) in str(err.value)


# --- libraries are checked against their hash before loading ---------------------------

def _plant_other_library(lib: Path) -> None:
    shutil.copyfile(build(_tiny(secrets.randbelow(10**6))), lib)


def _plant_garbage(lib: Path) -> None:
    lib.write_bytes(os.urandom(lib.stat().st_size))


def _truncate(lib: Path) -> None:
    lib.write_bytes(lib.read_bytes()[:lib.stat().st_size // 2])


def _drop_hash(lib: Path) -> None:
    lib.with_suffix(".sha256").unlink()


@pytest.mark.parametrize("damage", [_plant_other_library, _plant_garbage, _truncate, _drop_hash])
def test_a_damaged_library_is_rebuilt_before_loading(damage):
    value = secrets.randbelow(10**6)
    lib = build(_tiny(value))
    damage(lib)
    compiles = libraries.stats.compiles
    assert build(_tiny(value)) == lib
    assert libraries.stats.compiles == compiles + 1
    assert lib.with_suffix(".sha256").read_text() == libraries._digest(lib)
    assert ctypes.CDLL(str(lib)).value() == value


def test_a_planted_library_and_a_truncated_flat_entry_are_rebuilt_and_the_model_runs_right(
        tmp_path, monkeypatch, private_cache):
    monkeypatch.syspath_prepend(str(tmp_path))
    name, e = _drift_module(tmp_path)
    module = __import__(name)
    model, node = _drift_model(module)
    sim = Simulation(model, dt=DT)
    lib = build(generate(sim.analysis))
    _plant_other_library(lib)
    flat, = private_cache.glob("flat-*.npz")
    size = flat.stat().st_size
    flat.write_bytes(flat.read_bytes()[:size // 2])
    flattened, real_flatten = [], flattening.flatten

    def counting(*args):
        flattened.append(1)
        return real_flatten(*args)
    monkeypatch.setattr(flattening, "flatten", counting)

    compiles = libraries.stats.compiles
    sim = Simulation(model, dt=DT)
    trace = sim.record(node, "u")
    u = sim.run(1.0)[trace]
    assert libraries.stats.compiles == compiles + 1 and flattened == [1]
    assert lib.with_suffix(".sha256").read_text() == libraries._digest(lib)
    assert flat.stat().st_size == size
    np.testing.assert_allclose(u, _expected(e, 100), rtol=1e-12, atol=1e-14)

    _backdate([flat, lib], 3600)
    backdated = flat.stat().st_mtime, lib.stat().st_mtime
    Simulation(model, dt=DT).compile()
    assert flattened == [1] and libraries.stats.compiles == compiles + 1
    assert flat.stat().st_mtime > backdated[0] and lib.stat().st_mtime > backdated[1]     # touched on use


# --- concurrent builds -------------------------------------------------------------------

RACER = '''import json, os, sys, time
from myriad import Model, Simulation
from myriad.cache import libraries
from tests.linear_models import Cell
import {module} as drift

directory = sys.argv[1]
open(os.path.join(directory, "ready-" + sys.argv[2]), "w").close()
while not os.path.exists(os.path.join(directory, "go")):
    time.sleep(0.002)
model = Model()
node = model.add_node(Cell, c={c!r}, u={u0!r})
model.add_mechanism(drift.Drift, node, g={g!r})
sim = Simulation(model, dt={dt!r})
trace = sim.record(node, "u")
u = sim.run(1.0)[trace]
print(json.dumps({{"compiles": libraries.stats.compiles, "u": u.tolist()}}))
'''


@pytest.mark.slow
def test_eight_processes_building_one_new_model_compile_it_once(tmp_path, private_cache):
    name, e = _drift_module(tmp_path)
    script = tmp_path / "racer.py"
    script.write_text(RACER.format(module=name, c=C, u0=U0, g=G, dt=DT))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path), str(i)], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(8)]
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < 8 and time.monotonic() < deadline:
            assert all(p.poll() is None for p in procs), [p.communicate(timeout=60) for p in procs if p.poll() is not None]
            time.sleep(0.01)
        (tmp_path / "go").touch()
        outcomes = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outcomes]
    records = [json.loads(out.splitlines()[-1]) for out, _ in outcomes]
    assert sum(r["compiles"] for r in records) == 1
    for r in records:
        np.testing.assert_allclose(r["u"], _expected(e, 100), rtol=1e-12, atol=1e-14)
    assert len(list(private_cache.glob("model-*.so"))) == 1
    assert len(list(private_cache.glob("flat-*.npz"))) == 1
    assert not list(private_cache.glob("*.tmp"))


# --- the size cap --------------------------------------------------------------------------

def _cap_mib(monkeypatch, size: float) -> None:
    monkeypatch.setenv("MYRIAD_CACHE_MAX_MB", repr(size / 2**20))


def test_least_recently_used_entries_go_beyond_the_cap(monkeypatch, private_cache):
    a, b, c = (build(_tiny(secrets.randbelow(10**6))) for _ in range(3))
    flat = private_cache / f"flat-{secrets.token_hex(16)}.pickle"
    flat.write_bytes(os.urandom(50_000))
    _backdate([a], 400)
    _backdate([b], 300)
    _backdate([flat], 200)
    _backdate([c], 100)
    a_source = _tiny(int(ctypes.CDLL(str(a)).value()))
    assert build(a_source) == a             # used: now the most recent
    assert a.stat().st_mtime > max(p.stat().st_mtime for p in (b, flat, c))
    _cap_mib(monkeypatch, _entry_bytes(a) + _entry_bytes(c) + _entry_bytes(a) + 2000)
    files_b = _entry(b)
    d = build(_tiny(secrets.randbelow(10**6)))
    assert not any(p.exists() for p in files_b) and not flat.exists()
    assert {p.suffix for p in _entry(a)} == {p.suffix for p in _entry(c)} == {".so", ".sha256", ".c", ".lock"}
    assert {p.suffix for p in _entry(d)} == {".so", ".sha256", ".c", ".lock"}


def test_the_entry_just_built_and_one_a_running_build_holds_stay(monkeypatch, private_cache):
    a, b = (build(_tiny(secrets.randbelow(10**6))) for _ in range(2))
    stem_a = a.name.split(".")[0]
    partial = private_cache / f"{stem_a}.x1y2z3w4.so.tmp"
    partial.write_bytes(b"half a library")
    _backdate([a, b, partial], 3600)
    files_b = _entry(b)
    monkeypatch.setenv("MYRIAD_CACHE_MAX_MB", "0")
    with open(private_cache / f"{stem_a}.lock", "a") as held:     # as another process's build holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        d = build(_tiny(secrets.randbelow(10**6)))
        assert d.exists() and a.exists() and partial.exists()
        assert not any(p.exists() for p in files_b)
    assert store.sweep(private_cache) == [stem_a, d.name.split(".")[0]]
    assert [p.name for p in private_cache.iterdir()] == [store.TAG]
    model = Model()
    model.add_mechanism(Leak, model.add_node(Cell))
    Simulation(model)           # stores the flattened model: an entry just built, with no lock
    assert len(list(private_cache.glob("flat-*.npz"))) == 1


def test_dead_builds_temporaries_are_swept_live_ones_stay(private_cache):
    a = build(_tiny(secrets.randbelow(10**6)))
    stem_a = a.name.split(".")[0]
    dead = private_cache / f"{stem_a}.abcdefgh.so.tmp"      # its build died: the lock is free
    dead.write_bytes(b"x")
    old_loose = private_cache / "tmpq1w2e3r4.so.tmp"       # named before entries named their temporaries
    old_loose.write_bytes(b"x")
    _backdate([old_loose], store.STALE_S + 60)
    young_loose = private_cache / "tmpz9x8c7v6.so.tmp"
    young_loose.write_bytes(b"x")
    flat_stem = f"flat-{secrets.token_hex(16)}"
    flat_writing = private_cache / f"{flat_stem}.abcdefgh.pickle.tmp"
    flat_dead = private_cache / f"{flat_stem}.hgfedcba.pickle.tmp"
    flat_writing.write_bytes(b"x")
    flat_dead.write_bytes(b"x")
    with open(flat_writing, "rb") as writing:
        fcntl.flock(writing, fcntl.LOCK_EX)
        build(_tiny(secrets.randbelow(10**6)))
        assert not dead.exists() and not old_loose.exists() and not flat_dead.exists()
        assert young_loose.exists() and flat_writing.exists() and a.exists()


def test_a_cap_that_is_not_a_size_is_named(monkeypatch):
    monkeypatch.setenv("MYRIAD_CACHE_MAX_MB", "lots")
    with pytest.raises(BuildError, match="MYRIAD_CACHE_MAX_MB='lots' is not a size in MiB"):
        build(_tiny(secrets.randbelow(10**6)))


# --- myriad cache ------------------------------------------------------------------------

def test_cache_clear_removes_all_but_what_a_running_build_holds(capsys, private_cache):
    a, b = (build(_tiny(secrets.randbelow(10**6))) for _ in range(2))
    (private_cache / f"flat-{secrets.token_hex(16)}.pickle").write_bytes(b"flat")
    (private_cache / f"flat-{secrets.token_hex(16)}.abcdefgh.pickle.tmp").write_bytes(b"dead")
    (private_cache / "numba").mkdir()
    (private_cache / "numba" / "myriad_numba_0.py").write_text("x = 1\n")
    (private_cache / f"nrnmech-{secrets.token_hex(8)}" / "x86_64").mkdir(parents=True)
    stale = private_cache / "tmpq1w2e3r4.so.tmp"
    stale.write_bytes(b"x")
    _backdate([stale], store.STALE_S + 60)
    nrnivmodl_running = private_cache / ".nrnmech-build-q1w2e3r4"
    nrnivmodl_running.mkdir()
    stem_b = b.name.split(".")[0]
    live = private_cache / f"{stem_b}.abcdefgh.so.tmp"
    live.write_bytes(b"half")
    cli.main(["cache"])
    info = capsys.readouterr().out
    assert "compiled models 2, flattened models 1" in info and str(private_cache) in info
    assert "of 2048 MiB" in info
    with open(private_cache / f"{stem_b}.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        cli.main(["cache", "clear"])
        out = capsys.readouterr().out
        assert set(private_cache.iterdir()) == {*_entry(b), nrnivmodl_running, private_cache / store.TAG}
        assert "removed 8 files" in out
        assert f"kept 6 files that running processes are writing: .nrnmech-build-q1w2e3r4, {stem_b}\n" in out
    cli.main(["cache", "clear"])
    assert "removed 5 files" in capsys.readouterr().out
    assert set(private_cache.iterdir()) == {nrnivmodl_running, private_cache / store.TAG}


# --- build errors ----------------------------------------------------------------------------

def test_a_compile_error_shows_the_c_and_the_python_line_it_came_from():
    model = Model()
    model.add_mechanism(Leak, model.add_node(Cell))
    lines = generate(analyse(model)).splitlines()
    lines_of_leak, first = inspect.getsourcelines(Leak.inflow_u)
    statement = f"linear_models.py:{first + 1}: {lines_of_leak[1].strip()}"
    at = next(k for k, text in enumerate(lines) if statement in text)
    lines.insert(at + 1, "  this_is_not_c = ;")
    with pytest.raises(BuildError) as err:
        build("\n".join(lines) + "\n")
    message = str(err.value)
    assert f">{at + 2:6d}    this_is_not_c = ;" in message
    assert f"from {statement}" in message
    assert "error" in message and "compiling" in message


def test_an_error_outside_translated_code_names_no_python_line():
    source = "int f(void) {\n  /* m.py:3: return 1 */\n  return 1;\n}\nint g(void) { return nope; }\n"
    with pytest.raises(BuildError) as err:
        build(source)
    assert ">     5  int g(void) { return nope; }" in str(err.value)
    assert "from m.py" not in str(err.value)


@pytest.mark.parametrize("complaint", [
    "fakecc: error: unsupported option '-fopenmp' for target 'x86_64-unknown-linux-gnu'",
    "model.c:18:10: fatal error: omp.h: No such file or directory",
    "/usr/bin/ld: cannot find -lgomp: No such file or directory",
])
def test_a_compiler_without_openmp_is_named_with_what_to_install(tmp_path, monkeypatch, complaint):
    fake = tmp_path / "bin" / f"fakecc{secrets.token_hex(4)}"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\n[ "$1" = --version ] && {{ echo "fakecc 1.0"; exit 0; }}\n'
                    f'echo "{complaint}" >&2\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CC", fake.name)
    with pytest.raises(BuildError) as err:
        build(_tiny(1))
    message = str(err.value)
    assert f"the C compiler '{fake.name}' cannot build OpenMP code" in message
    assert complaint in message and "libgomp" in message and "set CC" in message
