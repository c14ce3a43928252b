"""Figures of results: matplotlib, an optional dependency, drawn off-screen and saved atomically."""
from __future__ import annotations

from pathlib import Path

from myriad.errors import ModelError
from myriad.atomic import replace_atomic


def pyplot():
    """matplotlib.pyplot on the off-screen Agg backend, or a clear error when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        raise ModelError("plotting needs matplotlib: pip install 'myriad[plot]' (or pip install matplotlib)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save(fig, path) -> None:
    """Save ``fig`` to ``path`` in the format its suffix names (png when none), atomically."""
    path = Path(path)
    kind = path.suffix.lstrip(".") or "png"
    replace_atomic(path, lambda tmp: fig.savefig(tmp, format=kind, dpi=120))
