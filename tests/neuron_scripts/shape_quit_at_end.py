"""Shape: h.tstop set inside a function that calls h.run(), spikes written, then h.quit().

Four ball-and-stick cells in a chain (gid = index): an IClamp on cell 0
(delay 2 ms, 40 ms of 0.25 nA) makes it fire repeatedly; cell i excites
cell i+1 (delay 2 ms, weight 0.02 uS).
"""
from neuron import h

import script_harness

h.load_file("stdrun.hoc")
args = script_harness.reference_options(__doc__)
pc = h.ParallelContext()

cells = [script_harness.BallStick(i) for i in range(4)]
detectors = script_harness.announce(pc, cells)
chain = []
for i in range(len(cells) - 1):
    nc = pc.gid_connect(i, cells[i + 1].syn)
    nc.delay, nc.weight[0] = 2.0, 0.02
    chain.append(nc)
clamp = h.IClamp(cells[0].soma(0.5))
clamp.delay, clamp.dur, clamp.amp = 2.0, 40.0, 0.25
tvec, idvec = script_harness.record_spikes(pc)


def simulate(tstop):
    h.tstop = tstop
    h.run()


simulate(50)
print(script_harness.write_spikes(args.out, tvec, idvec), "spikes")
h.quit()
