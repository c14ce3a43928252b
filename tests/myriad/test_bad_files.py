"""Damaged and edited files: a checkpoint or a saved result that is truncated,
corrupted or holds arrays of the wrong dtype, shape or values is refused with
one line naming the file (and the field), never handed to the solver, whose
indices come from it (csolver/solver.c: ``src_buf[off + count % cap]``).

A fuzz mutates a real checkpoint and a real result (truncation, bit flips,
fields replaced, removed, made negative, huge, NaN or infinite): each case
must be refused with a ModelError or load a state that obeys the solver's
invariants and then runs (or stops with a Myriad error); run once more
under AddressSanitizer, every accepted state runs with each access of the
solver checked.  Then one direct test per named defect."""
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from applications import ringtest
from myriad import ModelError, MyriadError, Result, checkpoint
from myriad.backends.c import toolchain
from myriad.checkpoint import ARRAYS
from myriad.simulation import MAX_STEPS
from tests.requirements import unavailable

DT = 0.025
TSTOP = 20.0
FIELDS = ("step", "key", *ARRAYS)
#: set for the run of this file under AddressSanitizer (test_under_address_sanitizer_...)
ASAN = os.environ.get("MYRIAD_TEST_ASAN") == "1"
ASAN_FLAGS = ["-O1", "-g", "-fsanitize=address", "-fsanitize-recover=address", "-fno-omit-frame-pointer"]
#: written to stderr where the ASan run starts running a state that was not checked
UNCHECKED = "--- an unchecked state runs from here ---"


def _ring(dt=DT, **options):
    """Two cells in a ring, started by a stimulus: detectors, a generator and connections."""
    net = ringtest.build(nring=1, ncell=2, nbranch=1)
    sim = net.simulation(dt=dt, **options)
    sim.record(net.sections[0](0.5).node(), "v", label="v")
    return net, sim


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A checkpoint and a result of a run with spikes, and a simulation that can load them."""
    where = tmp_path_factory.mktemp("bad-files")
    flags = toolchain.CFLAGS
    if ASAN:        # the child process only, its cache private (tests/conftest.py) and keyed by the flags
        toolchain.CFLAGS = [flag for flag in flags if flag != "-O3"] + ASAN_FLAGS
    net, sim = _ring()
    result = sim.run(TSTOP)
    assert len(result.spike_times) >= 2
    sim.save_state(where / "state.npz")
    result.save(where / "result.npz")
    arrays = dict(np.load(where / "state.npz"))
    assert (arrays["src_count"] >= 1).all() and (arrays["con_cursor"] >= 1).all()      # events to get wrong
    yield {"dir": where, "sim": net.simulation(dt=DT), "state": (where / "state.npz").read_bytes(),
           "result": (where / "result.npz").read_bytes(), "arrays": arrays,
           "result_arrays": dict(np.load(where / "result.npz"))}
    toolchain.CFLAGS = flags


def _write(path, arrays: dict) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _refused(path, load, match: str = ""):
    """``load()`` raises a ModelError of one line that names ``path`` (and matches ``match``)."""
    with pytest.raises(ModelError) as caught:
        load()
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    assert match in message, message
    return message


# --- the invariants a loaded state must satisfy (independently of myriad.checkpoint) ---------

def _check_invariants(sim, arrays: dict) -> None:
    """What the solver assumes of a state it continues (csolver/solver.c)."""
    ctx = sim._context(0)[0]
    for name in ARRAYS:
        assert arrays[name].dtype == ctx.array(name).dtype and arrays[name].shape == ctx.array(name).shape, name
    step = int(arrays["step"])
    assert 0 <= step <= MAX_STEPS
    c = ctx.c
    n_src, n_det = c.n_src, c.n_det
    count, cap = arrays["src_count"][:n_src], ctx.array("src_cap")[:n_src]
    detectors = np.bincount(ctx.array("det_src")[:n_det], minlength=n_src)
    assert (count >= 0).all() and (count <= np.where(detectors, step * detectors, cap)).all()
    n_con = int(ctx.array("tgt_ptr")[c.n_tgt])
    cursor, source = arrays["con_cursor"][:n_con], ctx.array("con_src")[:n_con]
    assert ((cursor >= 0) & (cursor <= count[source])).all()
    assert np.isin(arrays["det_above"][:n_det], (0, 1)).all()
    for name in ("Y", "det_vprev", "src_buf", "diag", "rhs"):
        assert np.isfinite(arrays[name]).all(), name


def _load_and_run(saved, path) -> None:
    """Load the checkpoint at ``path``: refused as a file, or a state that obeys
    the invariants and then runs (or stops with a Myriad error)."""
    sim = saved["sim"]
    try:
        sim.load_state(path)
    except ModelError as error:
        message = str(error)
        assert "\n" not in message and str(path) in message, message
        event("refused")
        return
    arrays = dict(np.load(path))
    _check_invariants(sim, arrays)
    try:
        sim.run(int(arrays["step"]) * DT + 1.0)
    except MyriadError:
        event("loaded, the run stopped with a Myriad error")
        return
    event("loaded and ran")
    for name in ("src_count", "con_cursor"):
        assert (sim.last_context.array(name) >= 0).all()


def _load_result(saved, path) -> None:
    try:
        result = Result.load(path)
    except ModelError as error:
        message = str(error)
        assert "\n" not in message and str(path) in message, message
        event("refused")
        return
    event("loaded")
    assert result.t.ndim == 1 and np.isfinite(result.t).all()
    assert result.spike_times.shape == result.spike_gids.shape == (len(result.spike_times),)
    assert np.isfinite(result.spike_times).all() and result.spike_gids.dtype.kind in "iu"
    for label in result.traces:
        assert result[label].shape == result.time(label).shape and np.isfinite(result.time(label)).all()


# --- the fuzz ---------------------------------------------------------------------------------

def _replacement(draw, value: np.ndarray) -> np.ndarray:
    """``value`` with another dtype or shape, or with one entry made negative, huge, NaN or
    infinite, or nudged by one (a count or a cursor just past, or just within, its bounds)."""
    kind = draw(st.sampled_from(["dtype", "longer", "shorter", "2d", "scalar", "empty", "entry", "nudge"]))
    flat = np.atleast_1d(value)
    if kind == "dtype":
        target = draw(st.sampled_from(["float64", "float32", "int64", "int32", "int8", "bool", ">f8", ">i8", "U3"]))
        try:
            return value.astype(target)
        except ValueError:                  # a key that is no number
            return np.zeros(3, dtype=target)
    if kind == "longer":
        return np.concatenate([flat, flat[:1]])
    if kind == "shorter":
        return flat[:-1]
    if kind == "2d":
        return flat.reshape(1, -1)
    if kind == "scalar":
        return flat[0].copy()
    if kind == "empty":
        return flat[:0]
    if value.dtype.kind == "U":
        return np.array(draw(st.text(max_size=70)))
    out = flat.copy()
    i = draw(st.integers(0, len(out) - 1))
    if kind == "nudge":
        bounds = np.finfo(out.dtype) if out.dtype.kind == "f" else np.iinfo(out.dtype)
        out[i] = np.clip(out[i].item() + draw(st.sampled_from([-1, 1])), bounds.min, bounds.max)
    elif out.dtype.kind == "f":
        out[i] = draw(st.sampled_from([np.nan, np.inf, -np.inf, -1.0, -1e300, 1e300, 1e12, 0.0]))
    else:
        info = np.iinfo(out.dtype)
        out[i] = draw(st.sampled_from([-1, info.min, info.max, info.min // 2 + 1, info.max // 2, 2, 1, 0]) |
                      st.integers(info.min, info.max))
    return out.reshape(value.shape)


@st.composite
def _mutated(draw, data: bytes, arrays: dict, names) -> bytes:
    """A damaged copy of the .npz ``data`` (whose arrays are ``arrays``)."""
    how = draw(st.sampled_from(["replace", "replace", "replace", "flip", "truncate", "remove", "rename"]))
    event(f"mutation: {how}")
    if how == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        damaged = bytearray(data)
        for _ in range(draw(st.integers(1, 3))):
            damaged[draw(st.integers(0, len(damaged) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(damaged)
    changed = dict(arrays)
    name = draw(st.sampled_from(sorted(names)))
    if how == "remove":
        del changed[name]
    elif how == "rename":
        changed[name + "_"] = changed.pop(name)
    else:
        changed[name] = _replacement(draw, changed[name])
    out = io.BytesIO()
    np.savez(out, **changed)
    return out.getvalue()


FUZZ = settings(derandomize=True, max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_a_damaged_checkpoint_is_refused_or_loads_a_state_the_solver_can_run(saved, data):
    mutation = data.draw(_mutated(saved["state"], saved["arrays"], FIELDS))
    path = saved["dir"] / "fuzzed-state.npz"
    path.write_bytes(mutation)
    _load_and_run(saved, path)


@FUZZ
@given(data=st.data())
def test_a_damaged_result_is_refused_or_loads_a_consistent_result(saved, data):
    mutation = data.draw(_mutated(saved["result"], saved["result_arrays"], saved["result_arrays"]))
    path = saved["dir"] / "fuzzed-result.npz"
    path.write_bytes(mutation)
    _load_result(saved, path)


def test_the_fuzz_sees_both_outcomes(saved):
    """The fuzz is not vacuous: the undamaged files load and run, every field can be refused."""
    path = saved["dir"] / "state.npz"
    saved["sim"].load_state(path)
    assert len(saved["sim"].run(TSTOP + 5.0).t) == round(5.0 / DT) + 1
    for name in FIELDS:
        changed = dict(saved["arrays"])
        changed[name] = np.atleast_1d(changed[name])[:0]
        _write(saved["dir"] / "one.npz", changed)
        _refused(saved["dir"] / "one.npz", lambda: saved["sim"].load_state(saved["dir"] / "one.npz"), name)
    assert len(Result.load(saved["dir"] / "result.npz").t) == round(TSTOP / DT) + 1


# --- the named defects, one by one (each loaded unchecked, or escaped as a traceback, before) ----

def _edited_state(saved, name: str, **changes):
    """The saved checkpoint with fields replaced, written to ``name``; its path."""
    arrays = dict(saved["arrays"])
    arrays.update(changes)
    path = saved["dir"] / name
    _write(path, arrays)
    return path


def _refuses_state(saved, path, match=""):
    return _refused(path, lambda: saved["sim"].load_state(path), match)


def test_a_negative_src_count_is_refused(saved):
    count = saved["arrays"]["src_count"].copy()
    count[np.argmax(count)] = -5                 # solver.c would write src_buf[off - 5 % cap]: before the array
    path = _edited_state(saved, "negative-count.npz", src_count=count)
    assert "entry" in _refuses_state(saved, path, "'src_count'")


def test_a_src_count_no_run_could_reach_is_refused(saved):
    arrays = saved["arrays"]
    count = arrays["src_count"].copy()
    count[np.argmax(count)] = int(arrays["step"]) + 1     # more spikes than steps
    _refuses_state(saved, _edited_state(saved, "many-spikes.npz", src_count=count), "'src_count'")
    count = arrays["src_count"].copy()
    count[_generator(saved)] += 1                           # the stimulus: a generator of one time
    _refuses_state(saved, _edited_state(saved, "generator.npz", src_count=count), "'src_count'")


def test_a_cursor_outside_its_source_s_events_is_refused(saved):
    arrays = saved["arrays"]
    for value in (-1, 10 ** 6):
        cursor = arrays["con_cursor"].copy()
        cursor[0] = value
        _refuses_state(saved, _edited_state(saved, "cursor.npz", con_cursor=cursor), "'con_cursor'")


def test_a_negative_step_is_refused(saved):
    path = _edited_state(saved, "negative-step.npz", step=np.int64(-3))
    _refuses_state(saved, path, "'step'")


def test_a_huge_negative_step_is_refused(saved):
    # before: run(tstop) ran steps_for(tstop) - step steps, past MAX_STEPS
    path = _edited_state(saved, "huge-negative-step.npz", step=np.int64(-2 ** 62))
    _refuses_state(saved, path, "'step'")
    path = _edited_state(saved, "huge-step.npz", step=np.int64(MAX_STEPS + 1))
    _refuses_state(saved, path, "'step'")


def test_a_step_that_is_not_an_integer_is_refused(saved):
    _refuses_state(saved, _edited_state(saved, "float-step.npz", step=np.float64(800.0)), "'step'")
    _refuses_state(saved, _edited_state(saved, "vector-step.npz", step=np.array([800])), "'step'")


def test_a_key_that_is_not_a_string_is_refused(saved):
    key = saved["arrays"]["key"]
    _refuses_state(saved, _edited_state(saved, "key.npz", key=np.array([str(key)])), "'key'")


def test_a_truncated_checkpoint_is_refused(saved):
    data = saved["state"]
    path = saved["dir"] / "truncated.npz"
    for size in (0, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:size])
        _refuses_state(saved, path, "cannot read")


def _last_byte(data: bytes, member: str) -> int:
    """Where the last byte of ``member``'s data is in the zip ``data`` (np.savez stores, uncompressed)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    at = info.header_offset
    name_length = int.from_bytes(data[at + 26:at + 28], "little")
    extra_length = int.from_bytes(data[at + 28:at + 30], "little")
    return at + 30 + name_length + extra_length + info.file_size - 1


def test_a_corrupted_checkpoint_is_refused(saved):
    data = bytearray(saved["state"])
    data[_last_byte(data, "Y.npy")] ^= 0x10           # in Y's last value: the CRC no longer matches
    path = saved["dir"] / "corrupted.npz"
    path.write_bytes(bytes(data))
    _refuses_state(saved, path, "cannot read")


def test_an_array_of_the_wrong_dtype_is_refused(saved):
    arrays = saved["arrays"]
    cases = {"src_count": arrays["src_count"].astype(np.float64),          # copied with a cast, before
             "det_above": arrays["det_above"].astype(np.int64),
             "Y": arrays["Y"].astype(np.float32)}
    for name, value in cases.items():
        _refuses_state(saved, _edited_state(saved, "dtype.npz", **{name: value}), f"'{name}'")


def test_an_array_of_the_wrong_length_is_refused(saved):
    arrays = saved["arrays"]
    cases = {"Y": arrays["Y"][:1],                    # broadcast over all of Y, before
             "con_cursor": arrays["con_cursor"][:1],
             "src_buf": np.concatenate([arrays["src_buf"], [0.0]]),
             "diag": arrays["diag"][:-1]}
    for name, value in cases.items():
        _refuses_state(saved, _edited_state(saved, "length.npz", **{name: value}), f"'{name}'")


def test_values_the_solver_cannot_have_written_are_refused(saved):
    arrays = saved["arrays"]
    y = arrays["Y"].copy()
    y[3] = np.nan
    above = arrays["det_above"].copy()
    above[0] = 2
    buf = arrays["src_buf"].copy()
    buf[np.argmax(buf)] = (int(arrays["step"]) + 2) * DT       # a spike after the step reached
    rhs = arrays["rhs"].copy()
    rhs[0] = np.inf
    for name, value in {"Y": y, "det_above": above, "src_buf": buf, "rhs": rhs}.items():
        _refuses_state(saved, _edited_state(saved, "values.npz", **{name: value}), f"'{name}'")


def _generator(saved) -> int:
    """The source of the ring's stimulus (the one without a detector)."""
    ctx = saved["sim"]._context(0)[0]
    detectors = np.bincount(ctx.array("det_src"), minlength=ctx.c.n_src)
    return int(np.flatnonzero(detectors == 0)[0])


def test_a_generator_s_times_must_be_the_model_s(saved):
    ctx = saved["sim"]._context(0)[0]
    buf = saved["arrays"]["src_buf"].copy()
    buf[ctx.array("src_off")[_generator(saved)]] += 1.0
    _refuses_state(saved, _edited_state(saved, "stimulus.npz", src_buf=buf), "'src_buf'")


def test_an_rk4_checkpoint_holds_no_backward_euler_rows(saved):
    net, sim = _ring(dt=0.0025, method="rk4")
    sim.run(1.0)
    path = saved["dir"] / "rk4.npz"
    sim.save_state(path)
    arrays = dict(np.load(path))
    assert arrays["diag"].shape == (1,)              # a context pads an empty array to one element
    net.simulation(dt=0.0025, method="rk4").load_state(path)
    arrays["diag"] = np.ones(1)
    _write(path, arrays)
    _refused(path, lambda: net.simulation(dt=0.0025, method="rk4").load_state(path), "'diag'")
    arrays["diag"] = np.zeros(len(saved["arrays"]["diag"]))
    _write(path, arrays)
    _refused(path, lambda: net.simulation(dt=0.0025, method="rk4").load_state(path), "'diag'")


def test_a_checkpoint_that_is_one_npy_array_or_holds_bytes_is_refused(saved):
    path = saved["dir"] / "array.npz"
    with open(path, "wb") as handle:
        np.save(handle, np.zeros(3))
    _refuses_state(saved, path, "not an .npz")
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in saved["arrays"].items():
            buffer = io.BytesIO()
            np.save(buffer, value)
            archive.writestr(f"{name}.npy", b"not an array" if name == "Y" else buffer.getvalue())
    _refuses_state(saved, path, "'Y'")


# --- results ----------------------------------------------------------------------------------

def _edited_result(saved, name: str, **changes):
    arrays = dict(saved["result_arrays"])
    arrays.update(changes)
    path = saved["dir"] / name
    _write(path, arrays)
    return path


def test_a_truncated_or_corrupted_result_is_refused(saved):
    data = saved["result"]
    path = saved["dir"] / "truncated-result.npz"
    for size in (0, 10, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:size])
        _refused(path, lambda: Result.load(path), "cannot read a result")
    damaged = bytearray(data)
    damaged[_last_byte(data, "trace:v.npy")] ^= 0x01
    path.write_bytes(bytes(damaged))
    _refused(path, lambda: Result.load(path), "cannot read a result")


def test_a_result_with_inconsistent_arrays_is_refused(saved):
    arrays = saved["result_arrays"]
    cases = {"trace:v": arrays["trace:v"][:-1],
             "time:v": np.where(np.arange(len(arrays["time:v"])) == 3, np.nan, arrays["time:v"]),
             "spike_gids": arrays["spike_gids"][:-1],
             "spike_times": arrays["spike_times"].astype("U8"),
             "t": arrays["t"].reshape(1, -1),
             "time:w": arrays["time:v"]}
    for name, value in cases.items():
        path = _edited_result(saved, "bad-result.npz", **{name: value})
        _refused(path, lambda: Result.load(path), name.split(":")[0])
    without_time = {k: v for k, v in arrays.items() if k != "time:v"}
    path = saved["dir"] / "no-time.npz"
    _write(path, without_time)
    _refused(path, lambda: Result.load(path), "'time:v'")


# --- under AddressSanitizer ------------------------------------------------------------------

def _unchecked_cursor(saved) -> Path:
    """The checkpoint with a cursor of -5 on a connection whose source's events
    start src_buf: the solver would read src_buf[-5] (myr_deliver_events)."""
    ctx = saved["sim"]._context(0)[0]
    first = np.flatnonzero(ctx.array("src_off")[ctx.array("con_src")] == 0)[0]
    cursor = saved["arrays"]["con_cursor"].copy()
    cursor[first] = -5
    return _edited_state(saved, "unchecked.npz", con_cursor=cursor)


def test_the_check_is_what_keeps_a_negative_cursor_from_the_solver(saved, monkeypatch):
    """Refused; under AddressSanitizer (the run below), with the check taken
    out, the solver reads before src_buf and ASan reports it: the sanitizer
    run does see what the checks prevent."""
    path = _unchecked_cursor(saved)
    if not ASAN:
        _refuses_state(saved, path, "'con_cursor'")
        return
    print(UNCHECKED, file=sys.stderr, flush=True)
    monkeypatch.setattr(checkpoint, "_check_arrays", lambda *args: None)
    saved["sim"].load_state(path)
    saved["sim"].run(TSTOP + 1.0)           # ASan reports and, compiled to recover, lets it go on


@pytest.mark.slow
def test_under_address_sanitizer_every_accepted_state_runs_inside_its_arrays():
    """The checkpoint fuzz again, the solver compiled with -fsanitize=address
    (in a child process: the ASan runtime must be preloaded into Python): no
    access outside an array until the unchecked state of the test above."""
    cc = toolchain.compiler()
    libasan = subprocess.run([cc, "-print-file-name=libasan.so"], capture_output=True, text=True,
                             timeout=120).stdout.strip()
    if not os.path.isabs(libasan) or not os.path.exists(libasan):
        unavailable(f"{cc} has no AddressSanitizer runtime (libasan.so)")
    env = dict(os.environ, LD_PRELOAD=libasan, ASAN_OPTIONS="detect_leaks=0:halt_on_error=0", MYRIAD_TEST_ASAN="1")
    here = Path(__file__).resolve()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-k",
                          "damaged_checkpoint or keeps_a_negative_cursor", str(here)],
                         cwd=here.parents[2], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert "2 passed" in out.stdout, out.stdout[-4000:]
    checked, mark, unchecked = out.stderr.partition(UNCHECKED)
    assert mark and "AddressSanitizer" not in checked, checked[-4000:]
    assert "heap-buffer-overflow" in unchecked and "myr_deliver_events" in unchecked, unchecked[-4000:]
