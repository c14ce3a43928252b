"""Neuroscience on top of Myriad: sections, channels, synapses, networks and CLIs."""
