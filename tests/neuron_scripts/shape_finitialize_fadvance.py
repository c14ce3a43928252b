"""Shape: v_init given only to h.finitialize(-72), then a ``while h.t < 40: h.fadvance()`` loop.

Three ball-and-stick cells (gid = index) started at -72 mV, not NEURON's
v_init; an IClamp on each soma (delay 1 ms, 2 ms of 0.3, 0.4 and 0.5 nA)
makes each fire once at a time that depends on the starting potential, and
cell 0 excites cell 1 (delay 3 ms, weight 0.02 uS).
"""
from neuron import h

import script_harness

h.load_file("stdrun.hoc")
args = script_harness.reference_options(__doc__)
pc = h.ParallelContext()

cells = [script_harness.BallStick(i) for i in range(3)]
detectors = script_harness.announce(pc, cells)
link = pc.gid_connect(0, cells[1].syn)
link.delay, link.weight[0] = 3.0, 0.02
clamps = []
for cell, amp in zip(cells, (0.3, 0.4, 0.5)):
    clamp = h.IClamp(cell.soma(0.5))
    clamp.delay, clamp.dur, clamp.amp = 1.0, 2.0, amp
    clamps.append(clamp)
tvec, idvec = script_harness.record_spikes(pc)

h.finitialize(-72)
while h.t < 40:
    h.fadvance()
script_harness.write_spikes(args.out, tvec, idvec)
