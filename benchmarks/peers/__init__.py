"""Peers: the NEURON and CoreNEURON models that tests and benchmarks compare Myriad against.

Reference implementations ("oracles") of the models Myriad runs, built in
NEURON (>= 9) and run in NEURON or CoreNEURON, with the MOD files their
mechanisms need (``mod/``).  The tests use them as the expected answers and
the benchmarks (``benchmarks/*_bench.py``) as the baseline they time.  They
are not part of the product: nothing here is installed, and Myriad's own
modules never import them.  Tests and benchmarks run from the repository
root, where ``benchmarks.peers`` is importable.

* :mod:`~benchmarks.peers.neuron_models` -- ``hh_soma``, ``cable`` and
  ``ringtest``; command line :mod:`~benchmarks.peers.neuron_models_cli`.
* :mod:`~benchmarks.peers.neuron_interpolated` -- NEURON's fixed step with
  spikes timed as Myriad times them (the ringtest stepped from Python), to
  compare backward Euler networks step for step.
* :mod:`~benchmarks.peers.neuron_dense` -- the gap junction ring (half gaps,
  or implicit LinearMechanism junctions) and the
  graded synapse pair; :mod:`~benchmarks.peers.neuron_dense_network` -- the
  dense model; command line :mod:`~benchmarks.peers.neuron_dense_cli`.
* :mod:`~benchmarks.peers.neuron_mechanisms` -- compiles (into a per-user
  cache) and loads the MOD files.
* :mod:`~benchmarks.peers.neuron_session` -- what they share: NEURON's
  process-global state, the timing of ``pc.psolve``, the command lines'
  checks.
"""
