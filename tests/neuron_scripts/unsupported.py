"""Two ringtest-like cells plus two built-in NEURON mechanisms that Myriad does not support.

The unsupported parts:

* density mechanism ``fastpas`` (built into NEURON; a leak like ``pas``,
  here g 2e-4 S/cm2, e -70 mV) inserted in ``Cell[0].dend`` (all of it);
* point process ``AlphaSynapse`` (built into NEURON; ``AlphaSynapse[0]``,
  the only one) at ``Cell[1].dend(0.5)``: onset 30 ms, tau 1 ms, gmax 0.05 uS,
  e 0 mV, which gives cell 1 an extra spike at about 31.5 ms; the two cells
  are then refractory when each other's spikes arrive and the activity stops
  (6 spikes in NEURON, against 15 without the AlphaSynapse; fastpas alone
  moves the spikes by 0.07-0.6 ms).

Everything else is supported: cells 0 and 1 (gids 0 and 1), each a HH soma
(L = diam = 12.6157 um) and one passive dendrite (L 200 um, diam 1, nseg 1,
pas g 0.001 e -65) on soma(1), Ra 100, cm 1, an ExpSyn (tau 2, e 0) at
dend(0.8); cell 0 -> cell 1 and cell 1 -> cell 0 (delay 5, weight 0.01); a
NetStim (one event at t = 0) into cell 0 (delay 1, weight 0.01).  Without the
unsupported parts the model still spikes (the NetStim starts activity that
goes back and forth between the two cells).

The model is built at import (module level); only ``__main__`` runs it and
writes the spikes (``--out``, spk*.std format) and prints ``{"nspikes": N}``.
"""

import sys

from neuron import h

import script_harness

h.load_file("stdrun.hoc")
pc = h.ParallelContext()

parser = script_harness.make_parser(__doc__)
args = parser.parse_args(sys.argv[1:])


class Cell:
    """A ringtest cell with a single dendrite."""

    def __init__(self, gid):
        self.gid = gid
        self.soma = s = script_harness.cylinder(self, "soma", 12.6157, 12.6157, 1)
        script_harness.insert_hh(s)
        self.dend = d = script_harness.cylinder(self, "dend", 200.0, 1.0, 1)
        script_harness.insert_pas(d, 0.001)
        d.connect(s(1), 0)
        self.syn = h.ExpSyn(d(0.8))
        self.syn.tau = 2.0
        self.syn.e = 0.0

    def __repr__(self):
        return f"Cell[{self.gid}]"


script_harness.set_run_globals(args)

cells = [Cell(gid) for gid in range(2)]
netcons = script_harness.announce(pc, cells)
for src, tgt in ((0, 1), (1, 0)):
    nc = pc.gid_connect(src, cells[tgt].syn)
    nc.delay = 5.0
    nc.weight[0] = 0.01
    netcons.append(nc)
stim = h.NetStim()
stim.number = 1
stim.start = 0.0
stim.interval = 10.0
stim.noise = 0
stim_nc = h.NetCon(stim, cells[0].syn)
stim_nc.delay = 1.0
stim_nc.weight[0] = 0.01

# --- the unsupported parts ---------------------------------------------------
cells[0].dend.insert("fastpas")
for seg in cells[0].dend:
    seg.fastpas.g = 2e-4
    seg.fastpas.e = -70.0

alpha = h.AlphaSynapse(cells[1].dend(0.5))
alpha.onset = 30.0
alpha.tau = 1.0
alpha.gmax = 0.05
alpha.e = 0.0
# ------------------------------------------------------------------------------

tvec, idvec = script_harness.record_spikes(pc)

if __name__ == "__main__":
    script_harness.run_and_write(pc, tvec, idvec, args.out)
