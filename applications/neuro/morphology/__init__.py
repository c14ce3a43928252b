"""Reconstructed morphologies (SWC, Neurolucida ASC) as cells with NEURON's geometry.

``load_morphology(path)`` reads the file, makes NEURON's Import3d sections of
it (``import3d``), their 3-D points (``contour`` for a soma outline), the
segments NEURON would compute from those points with the d_lambda rule
(``geometry``), and builds them as Myriad sections named as NEURON names them
(``cell``).  A malformed file raises ``MorphologyError``, one line naming the
file, the line and the sample.
"""
from __future__ import annotations

from pathlib import Path

from applications.neuro.morphology.cell import Cell, Shape, shapes
from applications.neuro.morphology.errors import MorphologyError
from applications.neuro.morphology.import3d import drop_empty, swc_sections
from applications.neuro.morphology.neurolucida import asc_sections
from applications.neuro.morphology.swc import read_swc

__all__ = ["Cell", "MorphologyError", "Shape", "load_morphology", "read_shapes"]


def read_shapes(path) -> list[Shape]:
    """The sections NEURON's Import3d makes of the file, with their 3-D points."""
    suffix = Path(path).suffix.lower()
    if suffix == ".swc":
        raw = swc_sections(read_swc(path))
    elif suffix == ".asc":
        raw = asc_sections(path)
    else:
        raise MorphologyError(path, f"unknown morphology format '{suffix}' (.swc or .asc)")
    try:
        return shapes(drop_empty(raw))
    except ValueError as e:
        raise MorphologyError(path, str(e)) from None


def load_morphology(path, *, d_lambda: float = 0.1, freq: float = 100.0, Ra: float = 35.4, cm: float = 1.0,
                    network=None) -> Cell:
    """The cell in ``path`` (.swc or .asc): nseg of each section by the d_lambda
    rule at ``freq`` Hz, axial resistivity Ra (ohm cm) and specific capacitance
    cm (uF/cm2) everywhere (NEURON's defaults), built in ``network`` (a new
    one if None)."""
    return Cell(path, read_shapes(path), d_lambda=d_lambda, freq=freq, Ra=Ra, cm=cm, network=network)
