"""The cache's integrity: every entry is checked before use (a flattened model
by the SHA-256 sealed into its npz, a library by its .sha256), damaged entries
are rebuilt to the bit, nothing in the cache is unpickled; the directories
above the cache must be as private as the cache; and ``myriad cache clear``
empties only a directory tagged as the cache, of only what it recognises."""
from __future__ import annotations

import dataclasses
import json
import os
import pickle
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
from myriad.cache import flat as flat_cache
from myriad.cache import libraries, store
from tests.linear_models import Cell, Leak, random_network

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
needs_root = pytest.mark.skipif(os.getuid() != 0, reason="directories of another user are made with os.chown, "
                                                         "which needs root")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    monkeypatch.delenv("MYRIAD_CACHE_MAX_MB", raising=False)
    return path


# --- a damaged entry is rebuilt to the bit, in a process of its own ------------------------

RING = '''import json, sys
from myriad import MyriadError
from applications import ringtest
try:
    net = ringtest.build(2, 4, 4, 2)
    sim = net.simulation(dt=0.025)
    name = sim.record(net.sections[0].node(0.5), "v")
    res = sim.run(20.0)
except MyriadError as exc:
    print(f"myriad: error: {exc}", file=sys.stderr)
    sys.exit(2)
print(json.dumps({"spikes": res.spike_times.tolist(), "gids": res.spike_gids.tolist(), "v": res[name].tolist()}))
'''


def _ring(cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MYRIAD_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", RING], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def ring_reference(tmp_path_factory):
    """A small ringtest's spikes and trace from a fresh cache, and that cache as it was left."""
    cache = tmp_path_factory.mktemp("ring") / "cache"
    cache.mkdir(mode=0o700)
    run = _ring(cache)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert len(out["spikes"]) > 4
    return out, cache


def _entry_file(cache: Path, kind: str) -> Path:
    pattern = {"library": "model-*.so", "library hash": "model-*.sha256", "flattened model": "flat-*"}[kind]
    found, = cache.glob(pattern)
    return found


def _offset(path: Path, where: str) -> int:
    """start, middle, end; in a flattened model also its seal (the SHA-256 that ends
    it) and its JSON."""
    size = path.stat().st_size
    if where == "meta":
        return path.read_bytes().index(b'"format"') + 3
    return {"start": 0, "middle": size // 2, "end": size - 1, "seal": size - 20}[where]


CASES = [(kind, where) for kind in ("library", "library hash", "flattened model")
         for where in ("start", "middle", "end", "seal", "meta")
         if kind == "flattened model" or where in ("start", "middle", "end")]


@pytest.mark.parametrize("kind,where", CASES)
def test_a_flipped_byte_in_any_entry_is_rebuilt_and_the_run_is_bitwise_the_fresh_one(
        tmp_path, ring_reference, kind, where):
    reference, pristine = ring_reference
    cache = tmp_path / "damaged"
    shutil.copytree(pristine, cache)
    target = _entry_file(cache, kind)
    data = bytearray(target.read_bytes())
    at = _offset(target, where)
    data[at] ^= 0xFF
    target.write_bytes(bytes(data))
    run = _ring(cache)
    assert run.returncode in (0, 2), f"the run died (status {run.returncode}): {run.stderr[-2000:]}"
    if run.returncode == 2:         # a clean refusal: one line
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("myriad: error: "), run.stderr
        return
    assert json.loads(run.stdout) == reference, f"{kind} damaged at byte {at}: a different result"
    repaired = _entry_file(cache, kind)
    if kind == "flattened model":
        from myriad.cache import sealed
        sealed.read(repaired)
    else:
        lib = repaired.with_suffix(".so")
        assert lib.with_suffix(".sha256").read_text() == libraries._digest(lib)


# --- flattened models: npz and JSON, sealed ------------------------------------------------

def _ring_model():
    from applications import ringtest
    net = ringtest.build(2, 4, 4, 2)
    return net.model


def _models():
    model, *_ = random_network(12, 3, seed=4)
    return {"ringtest": _ring_model(), "random network": model}


def _same(a, b, where="flat"):
    """``a`` and ``b`` are the same structure: equal arrays of equal dtypes and
    shapes, the same classes (identical objects), keys and numbers."""
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            if f.name != "analysis":
                _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{k}]")
    elif isinstance(a, flattening._BlockOf):
        _same(a.keys, b.keys, f"{where}.keys")
        _same(a.code, b.code, f"{where}.code")
    else:
        assert a == b or a is b, where


@pytest.mark.parametrize("name", ["ringtest", "random network"])
def test_an_entry_is_a_sealed_npz_that_loads_as_the_model_flattened_without_unpickling(
        name, monkeypatch, private_cache):
    from myriad.cache import sealed
    model = _models()[name]
    sim = Simulation(model)
    path, = private_cache.glob("flat-*.npz")
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(npz["meta.json"])
        assert meta["format"] == flat_cache.FORMAT
        assert all(npz[f].dtype != object for f in npz.files if f != "meta.json")
    assert len(path.read_bytes().rsplit(b"\0", 1)[-1]) >= sealed.SEAL

    def no_unpickling(*args, **kwargs):
        raise AssertionError("the cache unpickled something")
    for what in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, what, no_unpickling)
    classes = {f"{c.__module__}.{c.__qualname__}": c for c in [*model.nodes, *model.mechanisms]}
    loaded = flat_cache._load(path, classes)
    _same(loaded, flattening.flatten(model, sim.analysis))
    assert set(loaded.mech_index) == set(model.mechanisms)         # the model's own classes, bound by name
    assert loaded.gathers["row"][1] is loaded.program.cols          # an array held twice comes back once


def test_every_byte_of_an_entry_is_checked_before_use(private_cache, monkeypatch):
    model, *_ = random_network(8, 2, seed=2)
    Simulation(model)
    path, = private_cache.glob("flat-*.npz")
    good = path.read_bytes()
    classes = {f"{c.__module__}.{c.__qualname__}": c for c in [*model.nodes, *model.mechanisms]}
    for at in sorted({*range(0, len(good), max(1, len(good) // 97)), len(good) - 1}):
        damaged = bytearray(good)
        damaged[at] ^= 0x01
        path.write_bytes(bytes(damaged))
        with pytest.raises(Exception):
            flat_cache._load(path, classes)
    path.write_bytes(good[:len(good) // 3])
    with pytest.raises(Exception):
        flat_cache._load(path, classes)

    flattened, real = [], flattening.flatten
    monkeypatch.setattr(flattening, "flatten", lambda *args: flattened.append(1) or real(*args))
    damaged = bytearray(good)
    damaged[len(good) // 2] ^= 0x01
    path.write_bytes(bytes(damaged))
    Simulation(model)
    assert flattened == [1] and path.read_bytes() == good        # rebuilt, to the byte
    Simulation(model)
    assert flattened == [1]


def test_an_entry_naming_other_classes_is_rebuilt(private_cache, monkeypatch):
    model = Model()
    model.add_mechanism(Leak, model.add_node(Cell))
    Simulation(model)
    path, = private_cache.glob("flat-*.npz")
    from myriad.cache import sealed
    meta, arrays = sealed.read(path)
    text = json.dumps(meta).replace("tests.linear_models.Leak", "tests.linear_models.Elsewhere")
    sealed.write(path, json.loads(text), arrays)
    flattened, real = [], flattening.flatten
    monkeypatch.setattr(flattening, "flatten", lambda *args: flattened.append(1) or real(*args))
    Simulation(model)
    assert flattened == [1]
    assert b"tests.linear_models.Leak" in path.read_bytes() and b"Elsewhere" not in path.read_bytes()


DRIFT = '''from myriad import Mechanism, Param


class Drift(Mechanism):
    g = Param({g!r})

    def inflow_u(self):
        return self.g * (0.5 - self.node.u)
'''

DRIFT_RUN = '''import sys
from myriad import Model, Simulation
from tests.linear_models import Cell
import {module} as drift
model = Model()
node = model.add_node(Cell, c=2.0, u=1.0)
model.add_mechanism(drift.Drift, node)
sim = Simulation(model, dt=0.01)
trace = sim.record(node, "u")
print(repr(float(sim.run(1.0)[trace][-1])))
'''


def test_a_changed_default_is_not_served_a_stale_flattened_model(tmp_path, private_cache):
    """The flattened model holds the values of the parameters a model leaves at
    their default; the generated code does not change with a default."""
    module = f"drift_{secrets.token_hex(6)}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)]), "PYTHONDONTWRITEBYTECODE": "1"}
    finals = {}
    for g in (1.0, 2.0):
        (tmp_path / f"{module}.py").write_text(DRIFT.format(g=g))
        run = subprocess.run([sys.executable, "-c", DRIFT_RUN.format(module=module)], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        finals[g] = float(run.stdout)
    for g, final in finals.items():      # C du/dt = g (0.5 - u), backward Euler, 100 steps
        assert final == pytest.approx(0.5 + 0.5 * (1.0 / (1.0 + 0.01 * g / 2.0)) ** 100, rel=1e-12)


def test_a_numba_module_file_that_differs_from_its_source_is_written_again(private_cache):
    from myriad.backends.numba import engine
    text = f"VALUE = {secrets.randbelow(10**9)}\n"
    module = engine.load(text)
    path = Path(module.__file__)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xC0         # not even UTF-8 any more
    path.write_bytes(bytes(data))
    del sys.modules[module.__name__]
    assert engine.load(text).VALUE == module.VALUE
    assert path.read_text() == text


# --- the directories above the cache -----------------------------------------------------

def _cache_below(monkeypatch, top: Path, *parts: str) -> Path:
    path = top.joinpath(*parts)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(path))
    return path


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_parent_writable_by_others_is_refused_with_the_fix(tmp_path, monkeypatch, mode):
    cache = _cache_below(monkeypatch, tmp_path, "shared", "mine", "cache")
    (tmp_path / "shared").chmod(mode)
    with pytest.raises(BuildError) as err:
        store.cache_dir()
    message = str(err.value)
    assert "\n" not in message and str(cache) in message
    assert f"{tmp_path / 'shared'} above it is writable by group or others" in message
    assert f"chmod go-w {tmp_path / 'shared'}" in message and "MYRIAD_CACHE_DIR" in message


def test_a_sticky_parent_with_the_users_own_child_is_accepted(tmp_path, monkeypatch):
    cache = _cache_below(monkeypatch, tmp_path, "tmp", "mine", "cache")
    (tmp_path / "tmp").chmod(0o1777)
    assert store.cache_dir() == cache


def test_a_cache_reached_through_a_symlink_is_checked_where_it_leads(tmp_path, monkeypatch):
    real = tmp_path / "open" / "cache"
    real.mkdir(parents=True, mode=0o700)
    (tmp_path / "open").chmod(0o777)
    (tmp_path / "safe").mkdir(mode=0o700)
    (tmp_path / "safe" / "cache").symlink_to(real)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(tmp_path / "safe" / "cache"))
    with pytest.raises(BuildError, match=f"{tmp_path / 'open'} above it is writable by group or others"):
        store.cache_dir()


@needs_root
def test_a_parent_owned_by_another_user_is_refused(tmp_path, monkeypatch):
    cache = _cache_below(monkeypatch, tmp_path, "theirs", "cache")
    (tmp_path / "theirs").chmod(0o755)
    os.chown(tmp_path / "theirs", NOBODY, NOBODY)
    with pytest.raises(BuildError) as err:
        store.cache_dir()
    message = str(err.value)
    assert "\n" not in message and str(cache) in message
    assert f"{tmp_path / 'theirs'} above it is owned by another user (uid {NOBODY})" in message
    assert "MYRIAD_CACHE_DIR" in message


@needs_root
def test_another_users_entry_in_a_sticky_parent_is_refused(tmp_path, monkeypatch):
    """In a sticky directory, the owner of an entry can still replace it: here a
    symlink of another user's, in /tmp's place, leads to a cache of the user's own."""
    real = _cache_below(monkeypatch, tmp_path, "safe", "cache")
    sticky = tmp_path / "tmp"
    sticky.mkdir(mode=0o1777)
    sticky.chmod(0o1777)
    link = sticky / "cache"
    link.symlink_to(real)
    os.lchown(link, NOBODY, NOBODY)
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(link))
    with pytest.raises(BuildError) as err:
        store.cache_dir()
    assert f"{link} is in the shared directory {sticky} but belongs to another user (uid {NOBODY})" in str(err.value)
    os.lchown(link, os.getuid(), os.getgid())
    assert store.cache_dir() == link


@needs_root
def test_the_root_owned_system_directories_above_the_cache_are_accepted(tmp_path, monkeypatch):
    """/ and /tmp belong to root, which may own a parent (as for ssh and sudo)."""
    top = tmp_path / "root_owned"
    top.mkdir(mode=0o755)
    cache = _cache_below(monkeypatch, top, "cache")
    os.chown(top, 0, 0)
    assert store.cache_dir() == cache


# --- the tag, and what clear removes ------------------------------------------------------

def _tag_ok(path: Path) -> bool:
    return (path / store.TAG).read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")


def test_a_new_cache_is_tagged(tmp_path, monkeypatch):
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(tmp_path / "new" / "cache"))
    assert _tag_ok(store.cache_dir())


def _old_cache(path: Path) -> list[Path]:
    """What an earlier version left: entries, flattened pickles, numba and NEURON builds, temporaries."""
    stem = f"model-{secrets.token_hex(16)}"
    files = [path / f"{stem}.{suffix}" for suffix in ("so", "sha256", "c", "lock")]
    files += [path / f"flat-{secrets.token_hex(16)}.pickle", path / "tmpq1w2e3r4.so.tmp",
              path / "numba" / "myriad_numba_0.py", path / f"nrnmech-{secrets.token_hex(10)}" / "x86_64" / "a.so"]
    for file in files:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"x")
    old = time.time() - store.STALE_S - 60
    os.utime(path / "tmpq1w2e3r4.so.tmp", (old, old))       # its writer died long ago
    return files


def test_an_untagged_cache_of_only_recognised_entries_is_adopted_and_cleared(private_cache, capsys):
    _old_cache(private_cache)
    cli.main(["cache", "clear"])
    assert "removed 8 files" in capsys.readouterr().out
    assert [p.name for p in private_cache.iterdir()] == [store.TAG] and _tag_ok(private_cache)


def test_clear_refuses_a_directory_that_is_not_tagged_and_leaves_it_whole(private_cache, capsys):
    files = [p for p in _old_cache(private_cache) if p.suffix != ".tmp"]     # (a sweep takes a dead temporary)
    files.append(private_cache / "thesis.tex")
    files[-1].write_text("years of work")
    model = Model()
    model.add_mechanism(Leak, model.add_node(Cell))
    Simulation(model)               # the cache still works there, untagged
    with pytest.raises(SystemExit) as exit_:
        cli.main(["cache", "clear"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"refusing to clear {private_cache}: it has no CACHEDIR.TAG" in err
    assert all(p.exists() for p in files) and not (private_cache / store.TAG).exists()


def test_clear_refuses_the_home_directory_even_tagged(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / store.TAG).write_text(store.SIGNATURE.decode() + "\n")
    keep = home / ".bashrc"
    keep.write_text("alias ll='ls -l'\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MYRIAD_CACHE_DIR", str(home))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["cache", "clear"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"refusing to clear {home}: it is your home directory" in err
    assert keep.exists()


def test_clear_refuses_the_root_directory(monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("clear went on to delete or walk in /")
    for owner, name in ((shutil, "rmtree"), (os, "unlink"), (os, "remove"), (os, "rmdir"), (Path, "unlink"),
                        (Path, "rglob"), (store, "_remove")):
        monkeypatch.setattr(owner, name, never)
    monkeypatch.setattr(os, "getuid", lambda: 0)        # "/" is root's: the checks above let it through
    monkeypatch.setenv("MYRIAD_CACHE_DIR", "/")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["cache", "clear"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing to clear /: it is the root directory" in err


def test_clear_leaves_what_is_not_the_caches(private_cache, capsys):
    model = Model()
    model.add_mechanism(Leak, model.add_node(Cell))
    Simulation(model)
    foreign = [private_cache / "notes.txt", private_cache / f"model-{secrets.token_hex(16)}.txt",
               private_cache / "results" / "run.npz", private_cache / ".hidden"]
    for path in foreign:
        path.parent.mkdir(exist_ok=True)
        path.write_text("mine")
    old = time.time() - store.STALE_S - 60
    os.utime(private_cache / ".hidden", (old, old))
    cli.main(["cache", "clear"])
    out = capsys.readouterr().out
    assert "left 4 that are not the cache's: .hidden, model-" in out
    assert all(p.exists() for p in foreign)
    assert not list(private_cache.glob("flat-*")) and not list(private_cache.glob("model-*.so"))


def test_a_sweep_leaves_old_temporaries_that_are_not_the_caches(private_cache):
    theirs = private_cache / "download.tmp"
    ours = private_cache / "tmpa1b2c3d4.so.tmp"
    for path in (theirs, ours):
        path.write_text("x")
        old = time.time() - store.STALE_S - 60
        os.utime(path, (old, old))
    store.sweep(private_cache)
    assert theirs.exists() and not ours.exists()


def test_a_cache_that_cannot_be_tagged_is_still_used_but_not_cleared(private_cache, monkeypatch, capsys):
    def read_only(*args, **kwargs):
        raise PermissionError("read-only file system")
    monkeypatch.setattr(store, "replace_atomic", read_only)
    assert store.cache_dir() == private_cache and not (private_cache / store.TAG).exists()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["cache", "clear"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "it has no CACHEDIR.TAG" in err, err
