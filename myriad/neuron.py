"""``myriad.neuron.from_neuron()``: the model built in this process's NEURON, as a Myriad model.

The importer knows neurons (sections, channels, synapses), so it lives in the
application layer (``applications.neuron_import``); this module only gives it
the name users look for and imports it when called, so that ``myriad`` itself
still loads, and runs, without ``applications`` or NEURON.
"""
from __future__ import annotations


def from_neuron(**options):
    """See :func:`applications.neuron_import.from_neuron`."""
    from applications.neuron_import import from_neuron as importer

    return importer(**options)
