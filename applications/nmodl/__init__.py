"""NMODL (.mod) files translated into Myriad mechanism classes.

``translate(path)`` returns the Python source of one class (a subclass of
applications.neuro's ``DensityChannel`` or ``PointProcess``), built from the
syntax tree of NMODL's own parser (the ``neuron`` wheel's ``neuron.nmodl``);
``load(path)`` writes that source to a file and imports the class.  What is
translated and how each block maps: docs/nmodl.md.  A construct that is not
translated raises ``Refused`` naming FILE:LINE:COLUMN and the construct.
"""
from applications.nmodl.errors import NmodlError, NmodlUnavailable, Refused
from applications.nmodl.loading import load, load_source
from applications.nmodl.translation import translate

__all__ = ["NmodlError", "NmodlUnavailable", "Refused", "load", "load_source", "translate"]
