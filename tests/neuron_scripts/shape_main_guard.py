"""Shape: the whole model is built in main(), in its local variables, under ``if __name__ == "__main__":``.

A ring of 4 ball-and-stick cells (gid = index) started by a NetStim (one
event at 1 ms); ``h.tstop = 40``, then stdinit and pc.psolve(h.tstop).
"""
from neuron import h

import script_harness


def main():
    h.load_file("stdrun.hoc")
    args = script_harness.reference_options(__doc__)
    pc = h.ParallelContext()
    cells = [script_harness.BallStick(i) for i in range(4)]
    detectors = script_harness.announce(pc, cells)
    ring = []
    for i in range(len(cells)):
        nc = pc.gid_connect(i, cells[(i + 1) % len(cells)].syn)
        nc.delay, nc.weight[0] = 1.0, 0.02
        ring.append(nc)
    stim = h.NetStim()
    stim.start, stim.number, stim.noise = 1.0, 1, 0
    kick = h.NetCon(stim, cells[0].syn)
    kick.delay, kick.weight[0] = 1.0, 0.02
    tvec, idvec = script_harness.record_spikes(pc)
    h.tstop = 40
    pc.set_maxstep(10)
    h.stdinit()
    pc.psolve(h.tstop)
    script_harness.write_spikes(args.out, tvec, idvec)
    return detectors


if __name__ == "__main__":
    main()
