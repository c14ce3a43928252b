"""Shape: the run length is given only to the run call (h.continuerun(60)); h.tstop is never set.

A ring of 5 ball-and-stick cells (gid = index, spikes at soma(0.5) crossing
10 mV), cell i exciting cell i+1 (delay 1 ms, weight 0.02 uS); one NetStim
event at 1 ms starts it.  Run once round and more in 60 ms.
"""
from neuron import h

import script_harness

h.load_file("stdrun.hoc")
args = script_harness.reference_options(__doc__)
pc = h.ParallelContext()

cells = [script_harness.BallStick(i) for i in range(5)]
detectors = script_harness.announce(pc, cells)
ring = []
for i, cell in enumerate(cells):
    nc = pc.gid_connect(i, cells[(i + 1) % len(cells)].syn)
    nc.delay, nc.weight[0] = 1.0, 0.02
    ring.append(nc)
stim = h.NetStim()
stim.start, stim.number, stim.noise = 1.0, 1, 0
kick = h.NetCon(stim, cells[0].syn)
kick.delay, kick.weight[0] = 1.0, 0.02
tvec, idvec = script_harness.record_spikes(pc)

h.stdinit()
h.continuerun(60)
print(script_harness.write_spikes(args.out, tvec, idvec), "spikes")
