"""What a run gives back: recorded traces, each with its own time axis, and spikes.

``Result.save``/``load`` keep one as .npz (written atomically), ``plot``
draws its traces and spike raster; :func:`assemble` reads one out of a run's
context.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from myriad import npz, plotting
from myriad.abi import Context
from myriad.context import Record
from myriad.errors import ModelError
from myriad.atomic import replace_atomic


@dataclass
class Result:
    """Recorded traces (each with its own time axis) and spikes sorted by (time, gid)."""

    t: np.ndarray
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    trace_times: dict[str, np.ndarray] = field(default_factory=dict)
    spike_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    spike_gids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    run_s: float = 0.0
    #: each trace's unit, as its field declares it ("" where none is known)
    units: dict[str, str] = field(default_factory=dict)
    #: the gids that have a spike detector (so "no spikes" and "nothing to spike"
    #: differ); None where unknown (a result saved without them)
    source_gids: np.ndarray | None = None
    #: time.perf_counter() when the time loop started (for start-up accounting)
    loop_started: float = 0.0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.traces[name]

    def time(self, name: str) -> np.ndarray:
        """The times (ms) at which trace ``name`` was sampled."""
        return self.trace_times[name]

    @property
    def spikes(self) -> list[tuple[float, int]]:
        """Every spike as (time in ms, gid), sorted by time then gid."""
        return list(zip(self.spike_times.tolist(), self.spike_gids.tolist()))

    def save(self, path) -> None:
        """Write the result to ``path`` as .npz (atomically: a reader sees the old file or the new one)."""
        arrays = {"t": self.t, "spike_times": self.spike_times, "spike_gids": self.spike_gids}
        if self.source_gids is not None:
            arrays["source_gids"] = self.source_gids
        for label in self.traces:
            arrays[f"trace:{label}"] = self.traces[label]
            arrays[f"time:{label}"] = self.trace_times[label]
            if self.units.get(label):
                arrays[f"unit:{label}"] = np.array(self.units[label])

        def write(tmp):
            with open(tmp, "wb") as handle:
                np.savez(handle, **arrays)
        replace_atomic(path, write)

    @classmethod
    def load(cls, path) -> "Result":
        """A result ``save`` wrote; ModelError, naming the file and the field, for
        a file that cannot be read or whose arrays are not a result's."""
        arrays = npz.read(path, f"cannot read a result from {path}")
        if not {"t", "spike_times", "spike_gids"} <= set(arrays):
            raise ModelError(f"{path} is not a saved Myriad result")
        labels = [name.split(":", 1)[1] for name in arrays if name.startswith("trace:")]
        _check_saved(path, arrays, labels)
        return cls(t=arrays["t"], traces={label: arrays[f"trace:{label}"] for label in labels},
                   trace_times={label: arrays[f"time:{label}"] for label in labels},
                   spike_times=arrays["spike_times"], spike_gids=arrays["spike_gids"],
                   source_gids=arrays.get("source_gids"),
                   units={label: str(arrays[f"unit:{label}"]) for label in labels if f"unit:{label}" in arrays})

    def plot(self, path=None, traces: list[str] | None = None, title: str = ""):
        """Recorded traces against time and, below them, the spike raster
        (needs matplotlib); saved to ``path`` if given; returns the figure."""
        plt = plotting.pyplot()
        labels = list(self.traces) if traces is None else traces
        unknown = [label for label in labels if label not in self.traces]
        if unknown:
            raise ModelError(f"plot: no trace named {', '.join(map(repr, unknown))} "
                             f"(recorded: {', '.join(self.traces) or 'none'})")
        by_unit: dict[str, list[str]] = {}
        for label in labels:
            by_unit.setdefault(self.units.get(label, ""), []).append(label)
        panels = list(by_unit.items()) + ([("raster", None)] if len(self.spike_times) else [])
        if not panels:
            raise ModelError("plot: this result has no traces and no spikes to plot")
        fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                                 figsize=(8, 1.5 + 2.5 * len(panels)))
        for ax, (unit, group) in zip(axes[:, 0], panels):
            if group is None:
                ax.plot(self.spike_times, self.spike_gids, "|", ms=4, color="k")
                ax.set_ylim(self.spike_gids.min() - 0.5, self.spike_gids.max() + 0.5)
                ax.yaxis.set_major_locator(plotting.integer_ticks())       # gids, not fractions of one
                ax.set_ylabel("gid")
            elif len(group) > MANY_TRACES and _shared_time(self.trace_times, group):
                _image(fig, ax, self, group, unit)
            else:
                for label in group:
                    ax.plot(self.trace_times[label], self.traces[label], lw=0.8, label=label)
                ax.set_ylabel(_axis_label(group, unit))
                if len(group) <= MANY_TRACES:
                    ax.legend(fontsize="small", loc="upper right")
        axes[-1, 0].set_xlabel("t (ms)")
        axes[0, 0].set_title(title)
        fig.tight_layout()
        if path is not None:
            plotting.save(fig, path)
        return fig


#: more traces than this in one unit are drawn as an image (one row per trace), not lines
MANY_TRACES = 10


def _field(label: str) -> str:
    """The field a label names: ``HH[0].m`` -> ``m``, and ``v[3]`` (one of many
    recorded at once under label ``v``) -> ``v``."""
    return re.sub(r"\[\d+\]$", "", label.rsplit(".", 1)[-1])


def _axis_label(group: list[str], unit: str) -> str:
    """``v (mV)`` when every trace is of one field, ``m, h, n`` for a few unitless
    fields, else the unit (``value`` when there is none)."""
    fields = sorted({_field(label) for label in group})
    name = ", ".join(fields) if len(fields) == 1 or (not unit and len(fields) <= 3) else ""
    if name and unit:
        return f"{name} ({unit})"
    return name or unit or "value"


def _shared_time(trace_times: dict, group: list[str]) -> bool:
    first = trace_times[group[0]]
    return all(np.array_equal(trace_times[label], first) for label in group[1:])


def _image(fig, ax, result: "Result", group: list[str], unit: str) -> None:
    """Many traces of one unit as rows of an image, coloured by value, with a colour bar."""
    t = result.trace_times[group[0]]
    rows = np.vstack([result.traces[label] for label in group])
    shown = ax.imshow(rows, aspect="auto", interpolation="nearest", origin="lower",
                      extent=(t[0], t[-1] if len(t) > 1 else t[0] + 1.0, -0.5, len(group) - 0.5))
    ax.set_ylabel(f"trace (of {len(group)})")
    bar = ax.inset_axes((1.01, 0.0, 0.015, 1.0))      # beside the panel: its time axis stays aligned with the others
    fig.colorbar(shown, cax=bar, label=_axis_label(group, unit))


#: the dtype kinds a saved result's vectors may have (Myriad writes float64 and
#: int64; a Result built by hand may hold other numbers)
_NUMBERS, _INTEGERS = "fiu", "iu"


def _check_saved(path, arrays: dict, labels: list[str]) -> None:
    """Refuse a saved result whose arrays are not a result's: t, spike_times and
    every trace's time axis finite vectors of numbers, spike_gids a vector of
    integers as long as spike_times, every trace a vector of numbers (NaN
    allowed: a run that blew up keeps its last values) as long as its time
    axis, and no time axis without its trace."""
    def vector(name: str, kinds: str = _NUMBERS, finite: bool = False) -> None:
        value = arrays[name]
        if value.dtype.kind not in kinds or value.ndim != 1:
            what = "integers" if kinds == _INTEGERS else "numbers"
            raise ModelError(f"Result.load: {path}: field {name!r} must be a vector of {what}, "
                             f"got {value.dtype} of shape {value.shape}")
        if finite and not np.isfinite(value).all():
            raise ModelError(f"Result.load: {path}: field {name!r} must be finite, "
                             f"got {value[~np.isfinite(value)][0].item()!r}")

    def same_length(name: str, of: str) -> None:
        if len(arrays[name]) != len(arrays[of]):
            raise ModelError(f"Result.load: {path}: field {name!r} has {len(arrays[name])} entries but "
                             f"{of!r} has {len(arrays[of])}")

    vector("t", finite=True)
    vector("spike_times", finite=True)
    vector("spike_gids", _INTEGERS)
    same_length("spike_gids", "spike_times")
    if "source_gids" in arrays:
        vector("source_gids", _INTEGERS)
    for label in labels:
        if f"time:{label}" not in arrays:
            raise ModelError(f"Result.load: {path}: trace {label!r} has no field 'time:{label}'")
        vector(f"trace:{label}")
        vector(f"time:{label}", finite=True)
        same_length(f"trace:{label}", f"time:{label}")
    for name in arrays:
        kind, _, label = name.partition(":")
        if kind in ("time", "unit") and label not in labels:
            raise ModelError(f"Result.load: {path}: field {name!r} has no trace {f'trace:{label}'!r}")
        if kind == "unit" and not (arrays[name].dtype.kind == "U" and arrays[name].ndim == 0):
            raise ModelError(f"Result.load: {path}: field {name!r} must be a string, "
                             f"got {arrays[name].dtype} of shape {arrays[name].shape}")


def assemble(ctx: Context, records: list[Record], rows: list[tuple[int, int]], dt: float, first: int, done: int,
             times, gids, run_s: float, start: float) -> Result:
    """The Result of a run from step ``first`` that got ``done`` steps far
    (``rows``: each record's offset and rows in ``rec_buf``)."""
    order = np.lexsort((gids, times))
    t = (first + np.arange(done + 1)) * dt
    detector_gids = ctx.array("det_gid")[:ctx.c.n_det]
    result = Result(t=t, spike_times=times[order], spike_gids=gids[order], run_s=run_s, loop_started=start,
                    source_gids=np.unique(detector_gids[detector_gids >= 0]))
    buf = ctx.array("rec_buf")
    for rec, (off, count) in zip(records, rows):
        kept = min(count, done // rec.every + 1)
        result.traces[rec.name] = buf[off:off + kept].copy()
        result.trace_times[rec.name] = (first + np.arange(kept) * rec.every) * dt
        result.units[rec.name] = rec.unit
    return result
