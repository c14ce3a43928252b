"""K instances of one model in one compiled simulation: parameter sets side by side.

Fitting a model means running it for thousands of parameter sets.  A
``Batch`` holds K copies of the model (``Model.add_copies``), so that one
compiled library and one barrier loop advance all of them, the threads sharing
the instances.  Each instance's parameters are set with one numpy assignment
per field, and results come back along an instance axis.  Instances share
nothing: each copy is its own set of components, so each one computes exactly
what the model alone would, bit for bit.  Spikes carry their instance in the
gid (``gid + k * gid_stride``); sources without a gid are not reported.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from myriad.errors import ModelError
from myriad.model import Model
from myriad.result import Result
from myriad.simulation import Simulation, check_required


@dataclass
class BatchResult:
    """One run of every instance: traces as (instances, samples) arrays."""

    t: np.ndarray
    traces: dict[str, np.ndarray]
    trace_times: dict[str, np.ndarray]
    spike_times: np.ndarray      # all instances, sorted by (time, instance, gid)
    spike_gids: np.ndarray       # the model's own gids
    spike_instances: np.ndarray
    run_s: float
    source_gids: np.ndarray      # the model's own gids that have a spike detector
    units: dict[str, str]        # each label's unit

    def __getitem__(self, label: str) -> np.ndarray:
        return self.traces[label]

    def spikes(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Spike times and gids of instance ``k``."""
        keep = self.spike_instances == k
        return self.spike_times[keep], self.spike_gids[keep]

    def instance(self, k: int) -> Result:
        """Instance ``k``'s run as the Result the model alone would have given."""
        times, gids = self.spikes(k)
        return Result(t=self.t, traces={label: trace[k] for label, trace in self.traces.items()}, units=self.units,
                      trace_times=self.trace_times, spike_times=times, spike_gids=gids, run_s=self.run_s,
                      source_gids=self.source_gids)


class Batch:
    """``instances`` copies of ``model`` in one Simulation (``options`` as Simulation's)."""

    def __init__(self, model: Model, instances: int, **options):
        if not (isinstance(instances, int) and instances >= 1):
            raise ModelError(f"a batch needs an integer number of instances >= 1, got {instances!r}")
        gids = [d.gid for _, d in model.detectors if d.gid >= 0]
        self.gid_stride = max(gids) + 1 if gids else 1
        self.template, self.instances = model, instances
        self.model = Model()
        self.copies = self.model.add_copies(model, instances, [k * self.gid_stride for k in range(instances)])
        self.simulation = Simulation(self.model, **options)
        self._records: dict[str, list[str]] = {}

    def __len__(self):
        return self.instances

    def where(self, refs, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The array holding ``name`` of the template's ``refs`` (one ref or a
        list), and its positions there: one row per instance, one column per ref.
        A search binds its parameters once and then assigns whole batches."""
        refs = [refs] if isinstance(refs, tuple) else list(refs)
        if not refs:
            raise ModelError(f"no instances given for '{name}'")
        places = [[self.simulation._locate(self.copies.ref(ref, k), name) for ref in refs]
                  for k in range(self.instances)]
        arrays = {id(array) for row in places for array, _ in row}
        if len(arrays) != 1:
            raise ModelError(f"'{name}' is a parameter of some of the instances given and an initial value "
                             f"of others; give them separately")
        return places[0][0][0], np.array([[i for _, i in row] for row in places], dtype=np.int64)

    def get(self, ref, name: str) -> np.ndarray:
        """A parameter (or initial value) of the template's ``ref`` in every instance."""
        array, at = self.where(ref, name)
        return array[at[:, 0]].copy()

    def set(self, ref, name: str, values) -> None:
        """Give the template's ``ref`` one value of ``name`` per instance (or one for all)."""
        column = np.broadcast_to(np.asarray(values, dtype=np.float64), (self.instances,))
        if not np.isfinite(column).all():
            raise ModelError(f"{ref.cls.__name__}[{ref.index}].{name}: values must be finite numbers")
        check_required(ref, name, column)
        array, at = self.where(ref, name)
        array[at[:, 0]] = column

    def record(self, ref, name: str, every: int = 1, label: str | None = None) -> str:
        """Record ``name`` of the template's ``ref`` in every instance; returns the label."""
        label = label or f"{ref.cls.__name__}[{ref.index}].{name}"
        if label in self._records:
            raise ModelError(f"a trace named '{label}' is already recorded")
        self._records[label] = [self.simulation.record(self.copies.ref(ref, k), name, every, f"{label}@{k}")
                                for k in range(self.instances)]
        return label

    def blown_up(self) -> list[int]:
        """The instances with a NaN or infinite state where the last run stopped
        (after a NonFiniteError: the instances to blame, in order)."""
        ctx = self.simulation.last_context
        bad = np.flatnonzero(~np.isfinite(ctx.array("Y")))
        return sorted({self.copies.copy_of(self.simulation.flat.owner(int(i))[0]) for i in bad})

    def run(self, tstop: float) -> BatchResult:
        """Run every instance from t = 0 to ``tstop`` (ms)."""
        result: Result = self.simulation.run(tstop)
        keep = result.spike_gids >= 0
        gids, times = result.spike_gids[keep], result.spike_times[keep]
        instances, own = np.divmod(gids, self.gid_stride)
        order = np.lexsort((own, instances, times))
        traces = {label: np.stack([result[one] for one in labels]) for label, labels in self._records.items()}
        trace_times = {label: result.time(labels[0]) for label, labels in self._records.items()}
        sources = np.unique(result.source_gids % self.gid_stride)
        units = {label: result.units[labels[0]] for label, labels in self._records.items()}
        return BatchResult(result.t, traces, trace_times, times[order], own[order], instances[order], result.run_s,
                           sources, units)
