"""Features against traces whose features are known in closed form, and against NEURON.

Synthetic pulses: a triangle with its corners on samples (every feature exact to
rounding) and a raised cosine ``base + A (1 - cos(2 pi s / T)) / 2`` for
``0 <= s <= T``, whose onset (dV/dt = D where ``sin(2 pi s / T) = D T / (A pi)``),
amplitude and width at half amplitude follow from trigonometry, sampled at sub-step
offsets so that the interpolation, not the grid, sets the error.
"""
import functools
import math
import pickle

import numpy as np
import pytest
from tests.requirements import require_neuron

from applications.neuro import features as F
from myriad import ModelError
from myriad.result import Result

DT = 2.0 ** -5      # ms; a binary fraction so that corners placed on samples are exact


def _result(t, v, spikes=(), gids=()):
    return Result(t=t, traces={"v": v}, trace_times={"v": t},
                  spike_times=np.asarray(spikes, dtype=float), spike_gids=np.asarray(gids, dtype=np.int64))


def _triangles(peaks, base=-70.0, top=30.0, rise=0.5, fall=1.5, tstop=40.0):
    """Rise 200 mV/ms, fall 66.7 mV/ms: onset at ``base``, half level -20 mV, width 1 ms."""
    t = np.arange(int(tstop / DT) + 1) * DT
    corners_t, corners_v = [0.0], [base]
    for p in peaks:
        corners_t += [p - rise, p, p + fall]
        corners_v += [base, top, base]
    corners_t.append(tstop)
    corners_v.append(base)
    return _result(t, np.interp(t, corners_t, corners_v))


def _cosines(starts, dt, base, amp, period, tstop):
    t = np.arange(int(round(tstop / dt)) + 1) * dt
    v = np.full_like(t, base)
    for s in starts:
        on = (t >= s) & (t <= s + period)
        v[on] = base + amp * (1.0 - np.cos(2.0 * np.pi * (t[on] - s) / period)) / 2.0
    return _result(t, v)


def _cosine_exact(base, amp, period, dvdt=F.DVDT_THRESHOLD):
    """Peak, amplitude from the onset, and width at half amplitude of one raised cosine."""
    x = dvdt * period / (amp * math.pi)
    onset = base + amp * (1.0 - math.sqrt(1.0 - x * x)) / 2.0
    half = (onset + base + amp) / 2.0
    phi = math.acos(1.0 - 2.0 * (half - base) / amp)
    return base + amp, base + amp - onset, period * (1.0 - phi / math.pi)


# --- spikes ---------------------------------------------------------------------

def test_spike_count_and_rate_over_half_open_windows():
    times = [5.0, 10.0, 12.5, 20.0, 30.0, 40.0]
    res = _result(np.zeros(1), np.zeros(1), times, [0, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(F.spike_times(res), [5.0, 12.5, 20.0, 40.0])
    np.testing.assert_array_equal(F.spike_times(res, gid=1), [10.0, 30.0])
    assert F.spike_count(res) == 4.0
    assert F.spike_count(res, start=12.5, stop=40.0) == 2.0          # 12.5 in, 40 out
    assert F.firing_rate(res, start=0.0, stop=50.0) == 80.0          # 4 spikes in 50 ms
    assert F.firing_rate(res, gid=1, start=10.0, stop=30.0) == 50.0  # 1 spike in 20 ms
    assert F.firing_rate(res, gid=7, start=0.0, stop=50.0) == 0.0
    with pytest.raises(ValueError, match="finite stop"):
        F.firing_rate(res, start=0.0, stop=math.inf)
    with pytest.raises(ValueError, match="start < stop"):
        F.spike_count(res, start=10.0, stop=10.0)


# --- traces ---------------------------------------------------------------------

def test_trace_rmse_of_known_differences():
    t = np.arange(401) * 0.025
    v = -65.0 + 10.0 * np.sin(t)
    res = _result(t, v)
    assert F.trace_rmse(res, "v", v) == 0.0
    assert F.trace_rmse(res, "v", v + 3.0) == pytest.approx(3.0, rel=1e-14)
    alternating = v + np.where(np.arange(len(t)) % 2, 2.0, -2.0)
    assert F.trace_rmse(res, "v", alternating) == pytest.approx(2.0, rel=1e-14)
    later = v + np.where(t >= 5.0, 4.0, 0.0)
    assert F.trace_rmse(res, "v", later, start=5.0) == pytest.approx(4.0, rel=1e-14)
    assert F.trace_rmse(res, "v", later, stop=5.0) == 0.0
    with pytest.raises(ValueError, match="trace 'v' has"):
        F.trace_rmse(res, "v", v[:-1])
    with pytest.raises(ModelError, match="no trace labelled 'soma'.*recorded: v"):
        F.trace_rmse(res, "soma", v)


def test_resting_potential_is_the_window_mean():
    t = np.arange(801) * 0.025
    res = _result(t, np.where(t < 5.0, -65.25, 20.0))
    assert F.resting_potential(res, "v", 0.0, 5.0) == -65.25
    assert F.resting_potential(res, "v", 1.0, 3.0) == -65.25
    assert F.resting_potential(res, "v", 5.0, 20.0) == 20.0
    with pytest.raises(ValueError, match=r"no samples in \[30.0, 40.0\) ms"):
        F.resting_potential(res, "v", 30.0, 40.0)


# --- action potentials ------------------------------------------------------------

def test_triangle_train_features_are_exact():
    res = _triangles([5.0, 15.0, 25.0, 35.0])
    assert F.ap_height(res, "v") == 30.0
    assert F.ap_amplitude(res, "v") == 100.0
    assert F.ap_width(res, "v") == pytest.approx(1.0, abs=1e-12)
    assert F.ap_height(res, "v", start=10.0, stop=30.0) == 30.0        # two of the four


def test_ap_features_average_over_the_action_potentials_in_the_window():
    taller = _triangles([10.0], top=50.0, tstop=20.0)["v"]
    v = np.maximum(taller, _triangles([5.0, 15.0], tstop=20.0)["v"])     # peaks 30, 50, 30 mV
    res = _result(np.arange(len(v)) * DT, v)
    assert F.ap_height(res, "v") == pytest.approx(110.0 / 3.0, abs=1e-12)
    assert F.ap_height(res, "v", start=9.0, stop=11.0) == 50.0
    assert F.ap_amplitude(res, "v", start=9.0, stop=11.0) == 120.0
    assert F.ap_width(res, "v", start=9.0, stop=11.0) == pytest.approx(1.0, abs=1e-12)  # half level -10 mV


@pytest.mark.parametrize("base,amp,period,dt", [(-70.0, 100.0, 2.0, 0.1), (-40.0, 40.0, 8.0, 0.1),
                                                (-70.0, 100.0, 2.0, 0.025), (-40.0, 40.0, 8.0, 0.025),
                                                (-70.0, 110.0, 1.0, 0.025)])
def test_cosine_pulse_features_between_samples(base, amp, period, dt):
    """40 pulses at offsets spread over one step.  Widths are interpolated: the error
    (measured at most dt/40 at 0.1 ms, dt/86 at 0.025 ms) stays under dt/20, where counting
    samples would be off by up to dt.  The peak is the largest sample: at most
    A pi^2 dt^2 / (4 T^2) low; the onset lies within about (dV/dt threshold) * dt."""
    height, amplitude, width = _cosine_exact(base, amp, period)
    starts = 10.0 + np.arange(40) * (period + 7.0) + np.linspace(0.0, dt, 40, endpoint=False)
    res = _cosines(starts, dt, base, amp, period, starts[-1] + period + 5.0)
    peak_bound = amp * math.pi ** 2 * dt ** 2 / (4.0 * period ** 2)
    for s in starts:
        h = F.ap_height(res, "v", s, s + period)
        assert -peak_bound <= h - height <= 0.0
        assert abs(F.ap_amplitude(res, "v", s, s + period) - amplitude) <= peak_bound + F.DVDT_THRESHOLD * dt
        assert abs(F.ap_width(res, "v", s, s + period) - width) < dt / 20.0
    assert len({F.ap_width(res, "v", s, s + period) for s in starts}) == len(starts)    # not quantised


def test_no_action_potential_gives_nan():
    t = np.arange(1601) * DT
    subthreshold = _cosines([10.0], DT, -65.0, 40.0, 5.0, 50.0)             # peaks at -25 mV
    rising = _triangles([5.0])
    keep = rising.t <= 5.5                                                 # ends at -3.3 mV, falling
    cases = {"flat": (_result(t, np.full_like(t, -65.0)), 0.0, math.inf),
             "subthreshold": (subthreshold, 0.0, math.inf),
             "unfinished": (_result(rising.t[keep], rising["v"][keep]), 0.0, math.inf),
             "window between peaks": (_triangles([5.0, 15.0]), 6.0, 14.0)}
    for case, (res, start, stop) in cases.items():
        for feature in (F.ap_height, F.ap_amplitude, F.ap_width):
            assert math.isnan(feature(res, "v", start, stop)), (case, feature.__name__)
    assert F.ap_height(subthreshold, "v", threshold=-30.0) == pytest.approx(-25.0, abs=1e-9)


def test_an_action_potential_cut_by_the_start_of_the_trace_is_ignored():
    whole = _triangles([1.0, 10.0], top=50.0, tstop=20.0)
    res = _result(whole.t[40:], whole["v"][40:])            # starts at 1.25 ms, above -20 mV, falling
    assert res["v"][0] > -20.0
    assert F.ap_height(res, "v") == 50.0
    assert F.ap_width(res, "v") == pytest.approx(1.0, abs=1e-12)


def test_each_onset_is_searched_after_the_previous_action_potential():
    t = np.arange(641) * DT                   # a steeper spike from -80 mV, then one from -70 mV
    res = _result(t, np.interp(t, [0.0, 4.5, 5.0, 6.5, 9.5, 10.0, 11.5, 20.0],
                               [-80.0, -80.0, 50.0, -70.0, -70.0, 30.0, -70.0, -70.0]))
    assert F.ap_amplitude(res, "v", 4.0, 6.0) == 130.0
    assert F.ap_amplitude(res, "v", 9.0, 11.0) == 100.0
    assert F.ap_width(res, "v", 9.0, 11.0) == pytest.approx(1.0, abs=1e-12)


def test_onset_before_the_trace_gives_nan_amplitude_and_width_but_a_height():
    t = np.arange(641) * DT
    res = _result(t, np.interp(t, [0.0, 0.375, 1.875, 20.0], [-45.0, 30.0, -70.0, -70.0]))  # starts mid-rise
    assert F.ap_height(res, "v") == 30.0
    assert math.isnan(F.ap_amplitude(res, "v"))
    assert math.isnan(F.ap_width(res, "v"))


def test_no_fall_through_half_amplitude_before_the_next_action_potential_gives_nan_width():
    t = np.arange(641) * DT                   # half amplitude is -35 mV; the trace stays at -30 mV
    res = _result(t, np.interp(t, [0.0, 4.5, 5.0, 6.5, 9.5, 10.0, 11.5, 20.0],
                               [-70.0, -70.0, 0.0, -30.0, -30.0, 0.0, -70.0, -70.0]))
    assert F.ap_amplitude(res, "v", 4.0, 6.0) == 70.0
    assert math.isnan(F.ap_width(res, "v", 4.0, 6.0))
    assert F.ap_width(res, "v", 9.0, 11.0) == pytest.approx(0.25 + 1.5 * 15.0 / 70.0, abs=1e-12)  # half: -15 mV


def test_a_rise_slower_than_the_onset_slope_has_no_onset():
    t = np.arange(641) * DT                   # 7 mV/ms up to 0 mV, then down at 70 mV/ms
    res = _result(t, np.interp(t, [0.0, 2.0, 12.0, 13.0, 20.0], [-70.0, -70.0, 0.0, -70.0, -70.0]))
    assert F.ap_height(res, "v") == 0.0
    assert math.isnan(F.ap_amplitude(res, "v"))
    assert F.ap_amplitude(res, "v", dvdt_threshold=3.0) == 70.0


# --- objectives -------------------------------------------------------------------

def test_feature_distance_sums_squared_z_scores_and_pickles():
    res = _triangles([5.0, 15.0, 25.0, 35.0])
    distance = F.FeatureDistance({
        "height": (functools.partial(F.ap_height, label="v"), 20.0, 5.0),        # z = 2
        "width": (functools.partial(F.ap_width, label="v"), 1.5, 0.25),          # z = 2
        "rest": (functools.partial(F.resting_potential, label="v", start=0.0, stop=4.0), -70.0, 1.0),
    })
    assert distance.scores(res) == pytest.approx({"height": 2.0, "width": 2.0, "rest": 0.0}, abs=1e-12)
    assert distance(res) == pytest.approx(8.0, abs=1e-10)
    copy = pickle.loads(pickle.dumps(distance))
    assert copy(res) == distance(res)
    t = np.arange(401) * DT
    silent = _result(t, np.full_like(t, -70.0))
    assert copy.scores(silent)["height"] == math.inf and copy.scores(silent)["rest"] == 0.0
    assert copy(silent) == math.inf


@pytest.mark.parametrize("spec,message", [((F.ap_height, 1.0), "expected"), ((F.ap_height, 1.0, 0.0), "scale"),
                                          ((F.ap_height, math.nan, 1.0), "target")])
def test_feature_distance_rejects_bad_specifications(spec, message):
    with pytest.raises(ValueError, match=f"feature 'f'.*{message}"):
        F.FeatureDistance({"f": spec})


# --- against NEURON -----------------------------------------------------------------

@pytest.mark.neuron
def test_hh_soma_features_agree_with_neuron():
    """NEURON's hh soma and Myriad's hh_soma (both backward Euler, dt 0.025 ms,
    usetable_hh = 0) give the same traces to about 1e-9 mV, so their features agree as
    closely: measured differences 4e-10 mV (height), 4e-10 mV (amplitude) and 7e-12 ms
    (width); the bars below leave a margin of more than 1000."""
    require_neuron()
    from applications import hh_soma
    from benchmarks.peers import neuron_models as nm
    theirs = nm.run_hh_soma(amp=0.1, dt=0.025, tstop=100.0)
    neuron = Result(t=theirs["t"], traces={"v": theirs["v"]}, trace_times={"v": theirs["t"]},
                    spike_times=np.array(theirs["spikes"]), spike_gids=np.zeros(len(theirs["spikes"]), np.int64))
    net, soma, _ = hh_soma.build(0.1)
    sim = net.simulation(method="backward_euler", dt=0.025)
    sim.record(soma(0.5).node(), "v", label="v")
    ours = sim.run(100.0)
    assert F.spike_count(ours) == F.spike_count(neuron) == 4.0
    assert F.ap_height(ours, "v") == pytest.approx(F.ap_height(neuron, "v"), abs=1e-6)
    assert F.ap_amplitude(ours, "v") == pytest.approx(F.ap_amplitude(neuron, "v"), abs=1e-6)
    assert F.ap_width(ours, "v") == pytest.approx(F.ap_width(neuron, "v"), abs=1e-8)
    assert 25.0 < F.ap_height(ours, "v") < 40.0 and 1.0 < F.ap_width(ours, "v") < 1.5   # an HH spike
