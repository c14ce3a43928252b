"""Peers: the NEURON and CoreNEURON models that tests and benchmarks compare Myriad against.

Reference implementations ("oracles") of the models Myriad runs, built in
NEURON (>= 9) and run in NEURON or CoreNEURON, with the MOD files their
mechanisms need (``mod/``).  The tests use them as the expected answers and
the benchmarks (``benchmarks/*_bench.py``) as the baseline they time.  They
are not part of the product: nothing here is installed, and Myriad's own
modules never import them.  Tests and benchmarks run from the repository
root, where ``benchmarks.peers`` is importable.
"""
