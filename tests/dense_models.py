"""Small coupled models built in Myriad exactly as benchmarks/peers/neuron_dense.py
builds them in NEURON: single-compartment HH cells (L = diam = 20 um)."""
from applications.neuro import HH, IClamp, Network


def hh_cells(n: int):
    net = Network()
    cells = []
    for i in range(n):
        soma = net.section(f"cell{i}", L=20.0, diam=20.0, nseg=1, Ra=100.0, cm=1.0)
        soma.insert(HH)
        net.spike_source(soma(0.5), gid=i, threshold=10.0)
        cells.append(soma)
    return net, cells


def gap_ring(ncell=8, g_gap=0.005, amp=0.3, delay=5.0, dur=2.0):
    """Cell i joined to cell (i + 1) % ncell (one junction for two cells); a pulse into cell 0."""
    net, cells = hh_cells(ncell)
    pairs = [(0, 1)] if ncell == 2 else [(i, (i + 1) % ncell) for i in range(ncell)]
    for i, j in pairs:
        net.gap_junction(cells[i](0.5), cells[j](0.5), g=g_gap)
    cells[0](0.5).place(IClamp, delay=delay, dur=dur, amp=amp)
    return net, cells


def graded_pair(g_syn=0.01, e_syn=0.0, vth=-20.0, vslope=5.0, tau=4.0, amp=0.3, delay=5.0, dur=80.0):
    """Cell 0, driven by a current step, onto cell 1 through a graded synapse."""
    net, cells = hh_cells(2)
    cells[0](0.5).place(IClamp, delay=delay, dur=dur, amp=amp)
    synapse = net.graded_synapse(cells[0](0.5), cells[1](0.5), g=g_syn, e=e_syn, vth=vth, vslope=vslope,
                                 tau=tau)
    return net, cells, synapse
