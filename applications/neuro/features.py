"""Electrophysiology features of a run, to be used as objectives of a parameter search.

Each feature takes a ``myriad.simulation.Result`` (a ``BatchResult`` gives one through
``instance(k)``) and returns a float: voltages in mV, times in ms, rates in Hz.
Searches send their objectives to worker processes (Dask), so everything here is
a module-level function or class and pickles by plain ``pickle``; bind a
feature's arguments with ``functools.partial``, not a lambda.

Misuse that no parameter set can repair (an unknown trace label, an empty window,
a target of the wrong length) raises ModelError.  A feature the model's behaviour leaves
undefined -- an action-potential feature of a trace without action potentials --
is ``nan``, and ``FeatureDistance`` turns ``nan`` into ``inf``, the worst objective,
so that a search steers away from silent models instead of crashing on them.

Action potentials are found in a recorded voltage trace, not taken from the spike
detectors: an action potential is an upward crossing of ``threshold`` (default
-20 mV, eFEL's ``Threshold``) followed by the next downward crossing; one that is
not complete within the trace is ignored, and one belongs to a window
``[start, stop)`` when its peak does.
"""
from __future__ import annotations

import math

import numpy as np

from myriad import ModelError

#: eFEL's defaults: the voltage an action potential crosses, and the rate of rise
#: that marks its onset (``Threshold`` = -20 mV, ``DerivativeThreshold`` = 10 mV/ms)
THRESHOLD = -20.0
DVDT_THRESHOLD = 10.0


# --- spikes from the detectors ----------------------------------------------------

def spike_times(result, gid: int = 0) -> np.ndarray:
    """Times (ms, ascending) of the spikes of ``gid``, as the detector reported them;
    ModelError if the model has no spike source with that gid (no spikes could
    ever be counted, which a spike count of 0 would hide)."""
    sources = result.source_gids
    if sources is not None and gid not in sources:
        have = ", ".join(map(str, sources[:10])) + (", ..." if len(sources) > 10 else "") if len(sources) else "none"
        raise ModelError(f"gid {gid} has no spike source in this model (gids with one: {have}); "
                         f"add one with Network.spike_source")
    return result.spike_times[result.spike_gids == gid]


def spike_count(result, gid: int = 0, start: float = 0.0, stop: float = math.inf) -> float:
    """Number of spikes of ``gid`` in ``[start, stop)`` ms, as a float like every scalar
    feature so that objectives treat all features alike."""
    _check_window(start, stop)
    times = spike_times(result, gid)
    return float(np.count_nonzero((times >= start) & (times < stop)))


def firing_rate(result, gid: int = 0, *, start: float, stop: float) -> float:
    """Mean firing rate (Hz) of ``gid`` over ``[start, stop)`` ms.

    The window is required: a rate over the whole run would count the time before the
    stimulus, which only the caller knows.
    """
    if not math.isfinite(stop):
        raise ModelError(f"firing_rate needs a finite stop (ms), got {stop!r}")
    return spike_count(result, gid, start, stop) * 1000.0 / (stop - start)


# --- traces -----------------------------------------------------------------------

def trace_rmse(result, label: str, target, start: float | None = None, stop: float | None = None) -> float:
    """Root-mean-square difference (the trace's unit) between trace ``label`` and
    ``target``, sampled at the same times, over the samples in ``[start, stop)`` ms
    (``None``: unbounded)."""
    t, v = _trace(result, label)
    target = np.asarray(target, dtype=float)
    if target.shape != v.shape:
        raise ModelError(f"trace_rmse: the target has shape {target.shape} but trace '{label}' "
                         f"has {v.shape}; the target must be sampled at the trace's times")
    keep = _samples(t, label, -math.inf if start is None else start, math.inf if stop is None else stop)
    return float(np.sqrt(np.mean((v[keep] - target[keep]) ** 2)))


def resting_potential(result, label: str, start: float, stop: float) -> float:
    """Mean of trace ``label``'s samples in ``[start, stop)`` ms (mV for a voltage).

    The window is required: where the cell rests (before the stimulus, long after
    it) is known to the protocol, not to the trace.
    """
    t, v = _trace(result, label)
    return float(np.mean(v[_samples(t, label, start, stop)]))


# --- action-potential shape ---------------------------------------------------------

def ap_height(result, label: str, start: float = 0.0, stop: float = math.inf,
              threshold: float = THRESHOLD) -> float:
    """Mean peak voltage (mV) of the action potentials in trace ``label`` whose peaks lie
    in ``[start, stop)`` ms; ``nan`` without any.

    The peak is the largest sample (eFEL's ``peak_voltage``), so a peak falling between
    samples is underestimated by at most about |V''| dt^2 / 8 (0.04 mV for an HH spike
    at dt = 0.025 ms).
    """
    t, v = _trace(result, label)
    return _mean([v[p] for _, p, _ in _action_potentials(t, v, start, stop, threshold)])


def ap_amplitude(result, label: str, start: float = 0.0, stop: float = math.inf,
                 threshold: float = THRESHOLD, dvdt_threshold: float = DVDT_THRESHOLD) -> float:
    """Mean rise (mV) from onset to peak of the action potentials whose peaks lie in
    ``[start, stop)`` ms: eFEL's ``AP_amplitude``, the peak less the voltage at the onset
    (see ``ap_width``); ``nan`` without any, or when an onset is not found."""
    t, v = _trace(result, label)
    aps = _action_potentials(t, v, start, stop, threshold)
    return _mean([v[p] - _onset_voltage(t, v, lo, p, dvdt_threshold) for lo, p, _ in aps])


def ap_width(result, label: str, start: float = 0.0, stop: float = math.inf,
             threshold: float = THRESHOLD, dvdt_threshold: float = DVDT_THRESHOLD) -> float:
    """Mean width (ms) at half amplitude of the action potentials whose peaks lie in
    ``[start, stop)`` ms; ``nan`` without any, or when an onset is not found.

    The definition is eFEL's ``AP_duration_half_width`` and that of Druckmann et al.
    (2013, Cereb. Cortex 23:2994, supplementary methods, feature 4): the time between
    the upward and the downward crossing of the voltage half-way between the onset and
    the peak.  The onset is where dV/dt, rising to the spike, reaches ``dvdt_threshold``
    (eFEL's ``AP_begin``): the slope of each sampling interval stands at the interval's
    middle, the onset time is interpolated linearly between the two slopes that bracket
    the threshold, and the onset voltage is the trace at that time.  Both crossings of the
    half level are interpolated linearly between samples as well, so the width is not
    quantised to the time step; an onset not found by walking back from the steepest
    rise to the previous action potential (or the start of the trace) gives ``nan``.
    """
    t, v = _trace(result, label)
    widths = []
    for lo, p, hi in _action_potentials(t, v, start, stop, threshold):
        half = 0.5 * (v[p] + _onset_voltage(t, v, lo, p, dvdt_threshold))
        if math.isnan(half):
            return math.nan
        below = np.flatnonzero(v[lo:p] < half)      # the last one precedes the rise through half
        i = lo + below[-1]
        after = np.flatnonzero(v[p:hi] < half)       # the first one follows the fall through half
        if not len(after):
            return math.nan
        j = p + after[0]
        widths.append(_crossing(t, v, j - 1, half) - _crossing(t, v, i, half))
    return _mean(widths)


# --- objectives -------------------------------------------------------------------

class FeatureDistance:
    """A search objective: the sum of squared z-scores ``((value - target) / scale)^2``
    of named features of a run; ``inf`` when a feature is ``nan`` or infinite.

    ``features`` maps a name to ``(feature, target, scale)``, ``feature`` being a
    picklable callable of the Result alone (``functools.partial(ap_width, label="v")``)
    and ``scale`` > 0 in the feature's unit (an experimental standard deviation, or the
    tolerance wanted).  An instance pickles by plain ``pickle`` whenever its features do.
    """

    def __init__(self, features: dict):
        self.features = {}
        for name, spec in features.items():
            if not (isinstance(spec, (tuple, list)) and len(spec) == 3 and callable(spec[0])):
                raise ModelError(f"feature '{name}': expected (feature, target, scale), got {spec!r}")
            feature, target, scale = spec
            if not math.isfinite(target):
                raise ModelError(f"feature '{name}': the target must be a finite number, got {target!r}")
            if not (math.isfinite(scale) and scale > 0):
                raise ModelError(f"feature '{name}': the scale must be a positive number, got {scale!r}")
            self.features[name] = (feature, float(target), float(scale))

    def scores(self, result) -> dict[str, float]:
        """|z| of each feature (``inf`` where the feature is not finite): the objectives
        of a multi-objective search, which ``__call__`` folds into one."""
        scores = {}
        for name, (feature, target, scale) in self.features.items():
            z = abs(float(feature(result)) - target) / scale
            scores[name] = z if math.isfinite(z) else math.inf
        return scores

    def __call__(self, result) -> float:
        return math.fsum(z * z for z in self.scores(result).values())


# --- helpers ----------------------------------------------------------------------

def _trace(result, label: str) -> tuple[np.ndarray, np.ndarray]:
    if label not in result.traces:
        raise ModelError(f"no trace labelled '{label}' in the result (recorded: {', '.join(result.traces) or 'none'})")
    return np.asarray(result.time(label), dtype=float), np.asarray(result[label], dtype=float)


def _check_window(start: float, stop: float) -> None:
    if not start < stop:
        raise ModelError(f"a window needs start < stop (ms), got [{start!r}, {stop!r})")


def _samples(t: np.ndarray, label: str, start: float, stop: float) -> np.ndarray:
    """The mask of ``t`` in ``[start, stop)``; an empty window is a mistake in the protocol."""
    _check_window(start, stop)
    keep = (t >= start) & (t < stop)
    if not keep.any():
        raise ModelError(f"trace '{label}' has no samples in [{start}, {stop}) ms "
                         f"(it spans [{t[0]}, {t[-1]}] ms)")
    return keep


def _mean(values: list) -> float:
    return float(np.mean(values)) if values else math.nan


def _action_potentials(t, v, start, stop, threshold) -> list[tuple[int, int, int]]:
    """(lo, peak, hi) sample indices of each complete action potential peaking in
    ``[start, stop)``: ``lo`` where the search for its onset stops (the previous one's
    fall below ``threshold``, or 0), ``hi`` where the search for its fall stops (the
    next one's rise above ``threshold``, or the end of the trace)."""
    _check_window(start, stop)
    above = v >= threshold
    ups = np.flatnonzero(~above[:-1] & above[1:]) + 1        # first sample at or above
    downs = np.flatnonzero(above[:-1] & ~above[1:]) + 1      # first sample below
    if len(ups):
        downs = downs[downs > ups[0]]                        # the trace may start above
    aps = []
    for k, (u, d) in enumerate(zip(ups, downs)):            # an unfinished last one has no fall
        p = int(u + np.argmax(v[u:d]))
        if start <= t[p] < stop:
            lo = int(downs[k - 1]) if k else 0
            hi = int(ups[k + 1]) if k + 1 < len(ups) else len(v)
            aps.append((lo, p, hi))
    return aps


def _onset_voltage(t, v, lo: int, p: int, dvdt_threshold: float) -> float:
    """Voltage where dV/dt, walking back from the steepest interval in ``[lo, p]``,
    last rose through ``dvdt_threshold``; ``nan`` when it does not within the search."""
    slope = np.diff(v[lo:p + 1]) / np.diff(t[lo:p + 1])
    if not len(slope):
        return math.nan
    k = int(np.argmax(slope))
    slow = np.flatnonzero(slope[:k + 1] <= dvdt_threshold)
    if slope[k] <= dvdt_threshold or not len(slow):
        return math.nan
    j = slow[-1]                                    # slope[j] <= threshold < slope[j + 1]
    mid = 0.5 * (t[lo + j:lo + j + 2] + t[lo + j + 1:lo + j + 3])
    f = (dvdt_threshold - slope[j]) / (slope[j + 1] - slope[j])
    return float(np.interp(mid[0] + f * (mid[1] - mid[0]), t, v))


def _crossing(t, v, i: int, level: float) -> float:
    """Time at which the straight line from sample ``i`` to ``i + 1`` reaches ``level``."""
    return float(t[i] + (level - v[i]) / (v[i + 1] - v[i]) * (t[i + 1] - t[i]))
