"""Shape: the NEURON tutorial's spike recording, NetCon.record on a NetCon(soma v, None), no gids at all.

Each cell records its own spikes, as the tutorial's Cell class does, with a
detector NetCon made in its constructor; cells are joined by plain NetCons
(cell i -> cell i+1 of a ring of 4, delay 2 ms, weight 0.02 uS) and a
NetStim (one event at 1 ms) starts the ring.  Units from neuron.units,
h.finitialize(-65 * mV), h.continuerun(50 * ms).
"""
from neuron import h
from neuron.units import mV, ms

import script_harness

h.load_file("stdrun.hoc")
args = script_harness.reference_options(__doc__)


class Cell(script_harness.BallStick):
    def __init__(self, index):
        super().__init__(index)
        self.spike_detector = h.NetCon(self.soma(0.5)._ref_v, None, sec=self.soma)
        self.spike_times = h.Vector()
        self.spike_detector.record(self.spike_times)


cells = [Cell(i) for i in range(4)]
links = []
for i, cell in enumerate(cells):
    nc = h.NetCon(cell.soma(0.5)._ref_v, cells[(i + 1) % len(cells)].syn, sec=cell.soma)
    nc.threshold, nc.delay, nc.weight[0] = 10.0, 2.0, 0.02
    links.append(nc)
stim = h.NetStim()
stim.start, stim.number, stim.noise = 1.0, 1, 0
kick = h.NetCon(stim, cells[0].syn)
kick.delay, kick.weight[0] = 1.0, 0.02

h.finitialize(-65 * mV)
h.continuerun(50 * ms)
script_harness.write_netcon_records(args.out, [(cell.spike_detector, cell.spike_times) for cell in cells])
