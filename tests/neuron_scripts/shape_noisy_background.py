"""Shape: a 40-cell network driven by noisy NetStims, the default background of network-building packages.

40 ball-and-stick cells (gid = index); each gets its own NetStim (noise
0.5, mean interval 20 ms, from 0 ms) through its synapse (weight 0.05 uS,
delay 1 ms), whose stream is, by turns, ``noiseFromRandom123(i, 1, 0)``, a
``Random123`` Random given by ``noiseFromRandom``, and NetStim's default;
each cell excites two others (delay 2 ms, weight 0.001 uS), picked by a
seeded generator.  (Noise 0.5 keeps intervals above 10 ms, so no event
falls in a cell's refractory tail, where a spike would hang on the method's
error: NEURON's default and converged runs then have the same spikes.)  ``pc.psolve(60)``.  ``--stim-out`` writes every
NetStim's events (``time<TAB>index``, ``%.17g``) for the exactness check.
"""
import random
import sys

from neuron import h

import script_harness

h.load_file("stdrun.hoc")
stim_out = None
if "--stim-out" in sys.argv:
    at = sys.argv.index("--stim-out")
    stim_out = sys.argv[at + 1]
    del sys.argv[at:at + 2]
args = script_harness.reference_options(__doc__)
pc = h.ParallelContext()

cells = [script_harness.BallStick(i) for i in range(40)]
detectors = script_harness.announce(pc, cells)
stims, drives, streams, records = [], [], [], []
for i, cell in enumerate(cells):
    stim = h.NetStim()
    stim.interval, stim.number, stim.start, stim.noise = 20.0, 1e9, 0.0, 0.5
    if i % 3 == 0:
        stim.noiseFromRandom123(i, 1, 0)
    elif i % 3 == 1:
        stream = h.Random()
        stream.Random123(i, 2, 0)
        stream.negexp(1)
        stim.noiseFromRandom(stream)
        streams.append(stream)
    nc = h.NetCon(stim, cell.syn)
    nc.delay, nc.weight[0] = 1.0, 0.05
    stims.append(stim)
    drives.append(nc)
    if stim_out:
        events = h.Vector()
        nc.record(events)
        records.append(events)
rng = random.Random(5)
links = []
for i in range(len(cells)):
    for j in rng.sample([j for j in range(len(cells)) if j != i], 2):
        nc = pc.gid_connect(i, cells[j].syn)
        nc.delay, nc.weight[0] = 2.0, 0.001
        links.append(nc)
tvec, idvec = script_harness.record_spikes(pc)

pc.set_maxstep(10)
h.stdinit()
pc.psolve(60)
script_harness.write_spikes(args.out, tvec, idvec)
if stim_out:
    with open(stim_out, "w") as f:
        for i, events in enumerate(records):
            f.writelines("%.17g\t%d\n" % (t, i) for t in events.to_python())
