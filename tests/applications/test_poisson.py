"""The Poisson source: its draws are a Poisson process, fixed by the seed at
build time, so every thread count and backend delivers the same events."""
import numpy as np
import pytest
from scipy import stats

from applications.neuro import HH, ExpSyn, Network, poisson_times
from myriad import ModelError


def test_the_draws_have_the_rate_and_exponential_intervals():
    rate_hz, stop = 40.0, 500_000.0                       # 20,000 events expected
    times = poisson_times(rate_hz, 0.0, stop, seed=7)
    assert np.all(np.diff(times) >= 0) and times[0] >= 0.0 and times[-1] < stop
    expected = rate_hz * stop / 1000.0
    assert abs(len(times) - expected) < 4 * np.sqrt(expected)
    intervals = np.diff(times)
    assert stats.kstest(intervals, "expon", args=(0.0, 1000.0 / rate_hz)).pvalue > 0.01
    assert stats.kstest(intervals, "expon", args=(0.0, 1000.0 / (1.1 * rate_hz))).pvalue < 1e-6


def test_counts_in_windows_are_poisson():
    counts = np.array([len(poisson_times(20.0, 100.0, 200.0, seed=(3, k))) for k in range(4000)])
    assert abs(counts.mean() - 2.0) < 0.1 and abs(counts.var() - 2.0) < 0.2
    assert np.all(np.array([poisson_times(20.0, 100.0, 200.0, seed=(3, k)).min(initial=150.0)
                            for k in range(50)]) >= 100.0)


def test_the_seed_fixes_the_train():
    assert np.array_equal(poisson_times(50.0, 5.0, 900.0, seed=1), poisson_times(50.0, 5.0, 900.0, seed=1))
    assert not np.array_equal(poisson_times(50.0, 5.0, 900.0, seed=1), poisson_times(50.0, 5.0, 900.0, seed=2))
    assert not np.array_equal(poisson_times(50.0, 5.0, 900.0, seed=(1, 0)),
                              poisson_times(50.0, 5.0, 900.0, seed=(1, 1)))


@pytest.mark.parametrize("args, message", [
    ((-1.0, 0.0, 10.0, 1), "rate_hz must be >= 0"),
    ((10.0, 20.0, 10.0, 1), "0 <= start <= stop"),
    ((10.0, 0.0, float("inf"), 1), "stop must be a finite number"),
    ((10.0, 0.0, 10.0, -1), "seed must be an integer >= 0"),
    ((10.0, 0.0, 10.0, 1.5), "seed must be an integer >= 0"),
])
def test_bad_arguments_are_one_line(args, message):
    with pytest.raises(ModelError, match=message):
        poisson_times(*args)


def _driven_cell():
    """One HH soma driven by a Poisson train through an ExpSyn; announces gid 0."""
    net = Network()
    soma = net.section("soma", L=20, diam=20)
    soma.insert(HH)
    syn = soma(0.5).place(ExpSyn, tau=2.0)
    net.spike_source(soma(0.5), gid=0)
    net.poisson_source(200.0, 2.0, 60.0, seed=11, gid=5)
    net.connect(5, syn, delay=1.0, weight=0.01)
    return net


@pytest.mark.slow
def test_same_spikes_on_one_and_two_threads_and_on_numba():
    runs = {(backend, threads): _driven_cell().simulation(dt=0.025, backend=backend, threads=threads).run(60.0)
            for backend, threads in (("openmp", 1), ("openmp", 2), ("numba", 1))}
    spikes = {key: result.spikes for key, result in runs.items()}
    assert len(spikes["openmp", 1]) >= 3                  # the train drives the cell
    assert spikes["openmp", 2] == spikes["openmp", 1]
    numba = np.array(spikes["numba", 1])
    assert numba.shape == np.array(spikes["openmp", 1]).shape
    assert np.allclose(numba, spikes["openmp", 1], rtol=0, atol=1e-9)


@pytest.mark.slow
def test_a_train_that_draws_no_event_is_a_silent_source():
    net = Network()
    soma = net.section("soma", L=20, diam=20)
    syn = soma(0.5).place(ExpSyn)
    source = net.poisson_source(0.0, 0.0, 100.0, seed=1)
    net.connect(source, syn, delay=1.0, weight=0.01)
    sim = net.simulation(dt=0.025)
    g = sim.record(syn, "g")
    assert not sim.run(10.0)[g].any()


def test_gids_are_shared_with_spike_sources():
    net = _driven_cell()
    with pytest.raises(ModelError, match="gid 5 already has a spike source"):
        net.poisson_source(10.0, 0.0, 10.0, seed=1, gid=5)
    with pytest.raises(ModelError, match="gid 0 already has a spike source"):
        net.poisson_source(10.0, 0.0, 10.0, seed=1, gid=0)
