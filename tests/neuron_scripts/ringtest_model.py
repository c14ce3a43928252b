"""CoreNEURON ring benchmark, written as a NEURON user's model script.

The model is the one ``benchmarks/peers/neuron_models.py`` builds
(``_RingCell`` / ``build_ring_network``): ``--nring`` rings of ``--ncell``
cells; each cell a HH soma (L = diam = 12.6157 um) and a binary tree of
``--nbranch`` passive dendrites (dend[0] 200 um, the others 10 um, diam 1,
nseg ``--ncompart``); an ExpSyn (tau 2, e 0) at dend[0](0.8); cell i of a
ring excites cell i+1 (delay 1, weight 0.01); one NetStim (one event at
t = 0) excites cell 0 of every ring (delay 1, weight 0.01).  gid =
ring*ncell + i.

The model is built at import (module level); only ``__main__`` runs it and
writes the spikes (``--out``, spk*.std format) and prints ``{"nspikes": N}``.
"""

import sys

from neuron import h

import script_harness
from benchmarks.peers import neuron_models

h.load_file("stdrun.hoc")
pc = h.ParallelContext()

parser = script_harness.make_parser(__doc__)
parser.add_argument("--nring", type=int, default=16)
parser.add_argument("--ncell", type=int, default=8)
parser.add_argument("--nbranch", type=int, default=16)
parser.add_argument("--ncompart", type=int, default=1)
args = parser.parse_args(sys.argv[1:])


script_harness.set_run_globals(args)

# the oracle's own builder, so that this script and benchmarks/peers/neuron_models.py cannot drift apart
model = neuron_models.build_ring_network(h, pc, args.nring, args.ncell, args.nbranch, args.ncompart)

tvec, idvec = script_harness.record_spikes(pc)

if __name__ == "__main__":
    script_harness.run_and_write(pc, tvec, idvec, args.out)
