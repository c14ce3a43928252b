"""Shape: spike sources registered with NetCons that are dropped at once, the usual idiom.

``pc.cell(gid, h.NetCon(soma(0.5)._ref_v, None, sec=soma))`` for a chain of 5
ball-and-stick cells (gid = index; the last cell's gid has no NetCon from it
at all), and a NetStim registered as gid 100 the same way (its 3 events,
10 ms apart from 1 ms, are gid 100's spikes); gid 100 excites cell 0, cell i
excites cell i+1 (delay 1 ms, weight 0.02 uS).  pc.psolve(45).
"""
from neuron import h

import script_harness

h.load_file("stdrun.hoc")
args = script_harness.reference_options(__doc__)
pc = h.ParallelContext()

cells = [script_harness.BallStick(i) for i in range(5)]
for gid, cell in enumerate(cells):
    pc.set_gid2node(gid, pc.id())
    pc.cell(gid, h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma))
stim = h.NetStim()
stim.start, stim.interval, stim.number, stim.noise = 1.0, 10.0, 3, 0
pc.set_gid2node(100, pc.id())
pc.cell(100, h.NetCon(stim, None))

links = []
for pre, post in [(100, 0), *((i, i + 1) for i in range(len(cells) - 1))]:
    nc = pc.gid_connect(pre, cells[post].syn)
    nc.delay, nc.weight[0] = 1.0, 0.02
    links.append(nc)
tvec, idvec = script_harness.record_spikes(pc)

pc.set_maxstep(10)
h.stdinit()
pc.psolve(45)
script_harness.write_spikes(args.out, tvec, idvec)
