"""The CPU targets' team barrier (csolver/myriad_solver.h, issue 19).

More threads than the machine has cores give results bitwise those of one
thread (a thread of the team is then often off its CPU, and waiters go to
sleep); runs of one library at the same time in several Python threads each
have their own barrier; and the barrier itself, driven directly from C, makes
every thread's writes before it visible to all after it, with the futex and
with the portable (mutex and condition variable) sleep.  No wall-clock limits:
these check results, not speed.
"""
import ctypes
import os
import subprocess
import threading

import numpy as np
import pytest

from applications import dense, ringtest
from myriad.backends.c import toolchain

CSOLVER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "csolver")
#: more threads than cores, whatever the machine
OVERSUBSCRIBED = (os.cpu_count() or 1) + 3
RING = dict(nring=4, ncell=8, nbranch=8, ncompart=1)


def _ring_run(threads, method="backward_euler", dt=0.025, tstop=30.0):
    net = ringtest.build(**RING)
    sim = net.simulation(method=method, dt=dt, threads=threads)
    somas = [sec(0.5).node() for sec in net.sections if sec.name.endswith(".soma")]
    names = [sim.record(node, "v", every=2) for node in somas[:8]]
    res = sim.run(tstop)
    return res, [res[n] for n in names]


def _dense_run(threads, tstop=10.0):
    net, _ = dense.build(ncell=80, p=1.0)
    sim = net.simulation(method="backward_euler", dt=0.025, threads=threads)
    names = [sim.record(sec(0.5).node(), "v") for sec in net.sections[::2]]
    res = sim.run(tstop)
    assert sim.last_context.c.core_iterations > 0        # the core's solve: many barriers a step
    return res, [res[n] for n in names]


def _assert_same(a, b):
    (ra, ta), (rb, tb) = a, b
    assert np.array_equal(ra.spike_times, rb.spike_times)
    assert np.array_equal(ra.spike_gids, rb.spike_gids)
    assert len(ta) == len(tb)
    for x, y in zip(ta, tb):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("run", [
    pytest.param(lambda k: _ring_run(k), id="ringtest-backward_euler"),
    pytest.param(lambda k: _ring_run(k, method="rk4", dt=0.002, tstop=5.0), id="ringtest-rk4"),
    pytest.param(lambda k: _dense_run(k), id="dense-core"),
])
def test_more_threads_than_cores_is_bitwise_one_thread(run):
    one = run(1)
    assert len(one[0].spike_times) > 0
    _assert_same(run(OVERSUBSCRIBED), one)


def test_runs_of_one_library_at_the_same_time_have_their_own_barriers():
    """Three runs of the same model (one library) in three Python threads at
    once, on 2 and 3 threads each (ctypes lets go of the GIL): each gives the
    results of a run alone."""
    alone = _ring_run(1)
    results, errors = {}, []

    def work(key, threads):
        try:
            results[key] = _ring_run(threads)
        except BaseException as exc:          # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i, k)) for i, k in enumerate((2, 3, 2))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    assert sorted(results) == [0, 1, 2]
    for r in results.values():
        _assert_same(r, alone)


HARNESS = r"""
#include "myriad_solver.h"

/* `threads` threads pass `rounds` barriers twice each: every thread writes
 * its slot (plain stores, as the solver's phases do), then after the barrier
 * reads every slot and counts those that do not hold this round; a second
 * barrier keeps the next round's writes after the reads.  Thread k spins a
 * little differently each round so that the arrival order changes.  Returns
 * the number of wrong reads, or -1 if the barrier could not be made. */
int64_t myr_barrier_stress(int32_t threads, int64_t rounds, int32_t *team)
{
    int64_t *slots = (int64_t *)calloc((size_t)threads * 16, sizeof(int64_t));
    myr_barrier *b = myr_barrier_new();
    int64_t wrong = 0;
    if (!slots || !b) {
        free(slots);
        myr_barrier_free(b);
        return -1;
    }
    #pragma omp parallel num_threads(threads) reduction(+:wrong)
    {
        myr_team_begin(b);
        const int me = omp_get_thread_num(), n = omp_get_num_threads();
        if (me == 0) {
            *team = n;
        }
        volatile double sink = 0.0;
        for (int64_t r = 1; r <= rounds; r++) {
            slots[16 * me] = r;
            for (int64_t w = 0; w < (r * (me + 1)) % 97; w++) {
                sink += 1.0;
            }
            myr_sync();
            for (int j = 0; j < n; j++) {
                wrong += slots[16 * j] != r;
            }
            myr_sync();
        }
        myr_team_end();
    }
    myr_barrier_free(b);
    free(slots);
    return wrong;
}
"""


def _stress_library(tmp_path, defines):
    src = tmp_path / "stress.c"
    lib = tmp_path / ("stress%s.so" % "".join(d.replace("-D", "_") for d in defines))
    src.write_text(HARNESS)
    flags = [f for f in toolchain.CFLAGS if f != "-shared"] + ["-shared"]
    proc = subprocess.run([toolchain.compiler(), *flags, *defines, "-I", CSOLVER, str(src), "-o", str(lib),
                           "-lm"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    dll = ctypes.CDLL(str(lib))
    dll.myr_barrier_stress.argtypes = [ctypes.c_int32, ctypes.c_int64, ctypes.POINTER(ctypes.c_int32)]
    dll.myr_barrier_stress.restype = ctypes.c_int64
    return dll.myr_barrier_stress


@pytest.mark.parametrize("defines", [[], ["-DMYR_BARRIER_PORTABLE"],
                                     ["-DMYR_BARRIER_SPIN_SHORT_NS=0", "-DMYR_BARRIER_SPIN_LONG_NS=0"]],
                         ids=["futex", "portable", "short-spin"])
def test_the_barrier_orders_memory_with_any_team(tmp_path, defines):
    stress = _stress_library(tmp_path, defines)
    for threads in (2, 3, OVERSUBSCRIBED):
        team = ctypes.c_int32(0)
        assert stress(threads, 3000, ctypes.byref(team)) == 0
        assert team.value == threads
