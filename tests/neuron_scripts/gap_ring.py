"""Ring of ball-and-stick HH cells joined by gap junctions, written as a NEURON user's model script.

``--ncell`` cells (gid 0..ncell-1): soma L = diam = 20 um, nseg 1, hh
(standard parameters); dend L 200 um, diam 1 um, nseg 5, pas (g 1e-4,
e -65), its 0 end on soma(1); Ra 100, cm 1.

Gap junctions (conductance ``--ggap`` uS), one per i in 0..ncell-1, between
cell i's dend(0.9) (exactly the centre of its last segment) and cell
(i+1) % ncell's soma(0.5).  Each is two HalfGap point processes
(benchmarks/peers/mod/halfgap.mod, as benchmarks/peers/neuron_dense.py
builds them): a HalfGap at each end, whose ``vgap`` is the other end's
voltage, by ``pc.source_var`` / ``pc.target_var`` / ``pc.setup_transfer``.
Source ids: cell i's soma(0.5) is 2*i, its dend(0.9) is 2*i + 1.

No chemical synapses: the activity comes from an IClamp (delay
``--iclamp-delay`` 5, dur ``--iclamp-dur`` 2, amp ``--iclamp-amp`` 0.4 nA) on
cell 0, at dend(0.5) (``--iclamp-site dend``, the default) or soma(0.5)
(``--iclamp-site soma``), which spreads through the gap junctions: with the
defaults every cell spikes once, cell 0 first, then 1, 7, 2, 6, 3, 5, 4, all
at different times (at least 0.75 ms apart).  (The spread needs ggap >= about
0.002 uS; 0.005 is the default.)

Why the clamp is on the dendrite by default: with it on cell 0's soma the
ring is mirror-symmetric in its linear part (the transfer impedance from
soma 0 to soma 1 through dend0(0.9)-soma1 equals, by reciprocity and
rotation, the one from soma 0 to soma 7 through soma0-dend7(0.9)), and cells
k and ncell-k spike at the same time step (at dt 0.025 and at dt 0.001),
which would hide a gap junction wired the wrong way round.

The model is built at import (module level); only ``__main__`` runs it and
writes the spikes (``--out``, spk*.std format) and prints ``{"nspikes": N}``.
"""

import sys

from neuron import h

from benchmarks.peers import neuron_mechanisms

import script_harness

neuron_mechanisms.load_mechanisms()

h.load_file("stdrun.hoc")
pc = h.ParallelContext()

parser = script_harness.make_parser(__doc__)
parser.add_argument("--ncell", type=int, default=8)
parser.add_argument("--ggap", type=float, default=0.005)
parser.add_argument("--iclamp-delay", type=float, default=5.0)
parser.add_argument("--iclamp-dur", type=float, default=2.0)
parser.add_argument("--iclamp-amp", type=float, default=0.4)
parser.add_argument("--iclamp-site", choices=("dend", "soma"), default="dend")
args = parser.parse_args(sys.argv[1:])


class Cell:
    """Ball-and-stick HH cell."""

    def __init__(self, gid):
        self.gid = gid
        self.soma = s = script_harness.cylinder(self, "soma", 20.0, 20.0, 1)
        script_harness.insert_hh(s)
        self.dend = d = script_harness.cylinder(self, "dend", 200.0, 1.0, 5)
        script_harness.insert_pas(d, 1e-4)
        d.connect(s(1), 0)

    def __repr__(self):
        return f"Cell[{self.gid}]"


script_harness.set_run_globals(args)

cells = [Cell(gid) for gid in range(args.ncell)]
netcons = script_harness.announce(pc, cells)


def soma_sgid(i):
    return 2 * i


def dend_sgid(i):
    return 2 * i + 1


for i, cell in enumerate(cells):
    pc.source_var(cell.soma(0.5)._ref_v, soma_sgid(i), sec=cell.soma)
    pc.source_var(cell.dend(0.9)._ref_v, dend_sgid(i), sec=cell.dend)

gaps = []
for i in range(args.ncell):
    j = (i + 1) % args.ncell
    hg = h.HalfGap(cells[i].dend(0.9))  # current g*(v(cell j soma) - v) into cell i's dend
    hg.g = args.ggap
    pc.target_var(hg, hg._ref_vgap, soma_sgid(j))
    gaps.append(hg)
    hg = h.HalfGap(cells[j].soma(0.5))  # current g*(v(cell i dend(0.9)) - v) into cell j's soma
    hg.g = args.ggap
    pc.target_var(hg, hg._ref_vgap, dend_sgid(i))
    gaps.append(hg)
pc.setup_transfer()

iclamp = h.IClamp(cells[0].dend(0.5) if args.iclamp_site == "dend" else cells[0].soma(0.5))
iclamp.delay = args.iclamp_delay
iclamp.dur = args.iclamp_dur
iclamp.amp = args.iclamp_amp

tvec, idvec = script_harness.record_spikes(pc)

if __name__ == "__main__":
    script_harness.run_and_write(pc, tvec, idvec, args.out)
