"""A search's evaluations as a table: one row per parameter set, in the order evaluated."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from myriad.errors import ModelError
from myriad.atomic import replace_atomic, write_atomic
from myriad.outputs import csv_text
from myriad.plotting import pyplot, save


def check_table_format(path) -> str:
    """``parquet`` when ``path`` ends in .parquet (and pyarrow, which writes it,
    is installed: ModelError otherwise), else ``csv``."""
    if Path(path).suffix != ".parquet":
        return "csv"
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ModelError(f"{path}: writing Parquet needs pyarrow (pip install 'myriad[search]' or pip install pyarrow)") from None
    return "parquet"


class Table:
    """Columns ``evaluation``, ``generation`` (what the strategy handed over at once), one per parameter (by path), ``objective`` and one per feature."""

    def __init__(self, parameters: list[str], features: list[str]):
        self.parameters, self.features = parameters, features
        self._chunks: list[np.ndarray] = []

    def add(self, values: np.ndarray, objectives: np.ndarray, features: np.ndarray) -> None:
        """One generation's parameter sets (n, d), objectives (n,) and features (n, f)."""
        first = len(self)
        index = np.arange(first, first + len(values))
        generation = np.full(len(values), len(self._chunks))
        self._chunks.append(np.column_stack([index, generation, values, objectives, features]))

    def __len__(self):
        return sum(len(c) for c in self._chunks)

    @property
    def names(self) -> list[str]:
        return ["evaluation", "generation", *self.parameters, "objective", *self.features]

    @property
    def columns(self) -> dict[str, np.ndarray]:
        rows = np.concatenate(self._chunks) if self._chunks else np.zeros((0, len(self.names)))
        columns = dict(zip(self.names, rows.T))
        for name in ("evaluation", "generation"):
            columns[name] = columns[name].astype(np.int64)
        return columns

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def best(self) -> int:
        """The row of the lowest objective (nan counting as the worst; the first of equals)."""
        objective = self["objective"]
        if not len(objective):
            raise ModelError("the search evaluated nothing")
        return int(np.argmin(np.where(np.isnan(objective), np.inf, objective)))

    def save(self, path) -> None:
        """Write the table as CSV, or Parquet when ``path`` ends in .parquet (needs pyarrow)."""
        path = Path(path)
        columns = self.columns
        if check_table_format(path) == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            table = pa.table(columns)
            replace_atomic(path, lambda tmp: pq.write_table(table, tmp))
        else:
            write_atomic(path, csv_text(self.names, columns.values()))

    def plot(self, path, title: str = "") -> None:
        """Objective against evaluation (points) with the best so far (line), as an image (needs matplotlib)."""
        plt = pyplot()
        objective = self["objective"]
        shown = np.where(np.isfinite(objective), objective, np.nan)
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.plot(self["evaluation"], shown, ".", ms=2, alpha=0.4, label="evaluation")
        ax.plot(self["evaluation"], np.fmin.accumulate(np.where(np.isnan(shown), np.inf, shown)), "-",
                label="best so far")
        if np.nanmin(shown, initial=np.inf) > 0:
            ax.set_yscale("log")
        ax.set_xlabel("evaluation")
        ax.set_ylabel("objective")
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
        save(fig, path)
        plt.close(fig)
