"""Figures of results: matplotlib, an optional dependency, drawn off-screen and saved atomically."""
from __future__ import annotations

import os
from pathlib import Path

from myriad.atomic import replace_atomic, unwritable
from myriad.errors import ModelError

_NEEDS_MATPLOTLIB = "plotting needs matplotlib: pip install 'myriad[plot]' (or pip install matplotlib)"


def pyplot():
    """matplotlib.pyplot on the off-screen Agg backend, or a clear error when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise ModelError(_NEEDS_MATPLOTLIB) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def integer_ticks():
    """A tick locator that puts ticks on whole numbers only (gids, trace numbers)."""
    from matplotlib.ticker import MaxNLocator
    return MaxNLocator(integer=True, min_n_ticks=1)


def plot_format(path) -> str:
    """The format ``path``'s suffix names (png when none, and for ``-``, standard
    output), checked against what matplotlib can write here."""
    kind = Path(os.fspath(path)).suffix.lstrip(".").lower() or "png"
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise ModelError(_NEEDS_MATPLOTLIB) from None
    formats = FigureCanvasAgg.get_supported_filetypes()
    if kind not in formats:
        raise ModelError(f"{os.fspath(path)!r}: cannot draw a .{kind} file; the suffix names the format, "
                         f"one of {', '.join(sorted(formats))}")
    return kind


def check_plot_path(path) -> None:
    """Refuse, before the run, a plot ``path`` that could not be written: no
    matplotlib, a format it cannot draw, or a place no file can go (ModelError)."""
    plot_format(path)
    reason = unwritable(path, parents=True)
    if reason:
        raise ModelError(reason)


def save(fig, path) -> None:
    """Save ``fig`` to ``path`` in the format its suffix names (png when none), atomically."""
    kind = plot_format(path)
    replace_atomic(path, lambda tmp: fig.savefig(tmp, format=kind, dpi=120))
