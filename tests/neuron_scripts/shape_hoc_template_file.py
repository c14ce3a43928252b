"""Shape: the cells come from a hoc template file (ball_stick_cell.hoc) that the script loads.

A ring of 5 BallStickCells (gid = index, sources from the template's
spike_source(), registered and dropped); a NetStim (2 events, 25 ms apart
from 1 ms) excites cell 0, cell i excites cell i+1 (delay 1.5 ms, weight
0.03 uS).  ``h.tstop = 55`` and ``h.run()``.
"""
import os

from neuron import h

import script_harness

h.load_file("stdrun.hoc")
h.load_file(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ball_stick_cell.hoc"))
args = script_harness.reference_options(__doc__)
pc = h.ParallelContext()

cells = [h.BallStickCell() for _ in range(5)]
for gid, cell in enumerate(cells):
    pc.set_gid2node(gid, pc.id())
    pc.cell(gid, cell.spike_source())
ring = []
for gid in range(len(cells)):
    nc = pc.gid_connect(gid, cells[(gid + 1) % len(cells)].syn)
    nc.delay, nc.weight[0] = 1.5, 0.03
    ring.append(nc)
stim = h.NetStim()
stim.start, stim.interval, stim.number, stim.noise = 1.0, 25.0, 2, 0
kick = h.NetCon(stim, cells[0].syn)
kick.delay, kick.weight[0] = 1.0, 0.03
tvec, idvec = script_harness.record_spikes(pc)

h.tstop = 55
h.run()
script_harness.write_spikes(args.out, tvec, idvec)
