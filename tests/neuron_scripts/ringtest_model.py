"""CoreNEURON ring benchmark, written as a NEURON user's model script.

The model is the one ``applications/neuron_models.py`` builds
(``_RingCell`` / ``_build_ring_network``): ``--nring`` rings of ``--ncell``
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

h.load_file("stdrun.hoc")
pc = h.ParallelContext()

parser = script_harness.make_parser(__doc__)
parser.add_argument("--nring", type=int, default=16)
parser.add_argument("--ncell", type=int, default=8)
parser.add_argument("--nbranch", type=int, default=16)
parser.add_argument("--ncompart", type=int, default=1)
args = parser.parse_args(sys.argv[1:])


class Cell:
    """One ringtest cell."""

    def __init__(self, gid, nbranch, ncompart):
        self.gid = gid
        self.soma = h.Section(name="soma", cell=self)
        s = self.soma
        s.L = s.diam = 12.6157
        s.nseg = 1
        s.Ra = 100.0
        s.cm = 1.0
        s.insert("hh")
        for seg in s:
            seg.hh.gnabar = 0.12
            seg.hh.gkbar = 0.036
            seg.hh.gl = 0.0003
            seg.hh.el = -54.3
        self.dend = []
        for i in range(nbranch):
            d = h.Section(name="dend[%d]" % i, cell=self)
            d.L = 200.0 if i == 0 else 10.0
            d.diam = 1.0
            d.nseg = ncompart
            d.Ra = 100.0
            d.cm = 1.0
            d.insert("pas")
            for seg in d:
                seg.pas.g = 0.001
                seg.pas.e = -65.0
            if i == 0:
                d.connect(s(1), 0)
            else:
                d.connect(self.dend[(i - 1) // 2](1), 0)
            self.dend.append(d)
        self.syn = h.ExpSyn(self.dend[0](0.8))
        self.syn.tau = 2.0
        self.syn.e = 0.0

    def __repr__(self):
        return f"Cell[{self.gid}]"


script_harness.set_run_globals(args)

cells = {}
netcons = []
for ring in range(args.nring):
    for i in range(args.ncell):
        gid = ring * args.ncell + i
        cell = Cell(gid, args.nbranch, args.ncompart)
        cells[gid] = cell
        pc.set_gid2node(gid, pc.id())
        nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
        nc.threshold = 10.0
        pc.cell(gid, nc)
        netcons.append(nc)
for ring in range(args.nring):
    for i in range(args.ncell):
        src = ring * args.ncell + i
        tgt = ring * args.ncell + (i + 1) % args.ncell
        nc = pc.gid_connect(src, cells[tgt].syn)
        nc.delay = 1.0
        nc.weight[0] = 0.01
        netcons.append(nc)
stim = h.NetStim()
stim.number = 1
stim.start = 0.0
stim.interval = 10.0
stim.noise = 0
for ring in range(args.nring):
    nc = h.NetCon(stim, cells[ring * args.ncell].syn)
    nc.delay = 1.0
    nc.weight[0] = 0.01
    netcons.append(nc)

tvec, idvec = script_harness.record_spikes(pc)

if __name__ == "__main__":
    script_harness.run_and_write(pc, tvec, idvec, args.out)
