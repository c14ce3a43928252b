"""A ring of cells written in hoc, the way most ModelDB models are: a hoc template.

Each cell is a ``HocRingCell`` (a hoc template): soma (L = diam = 16 um, hh),
dend[0] (L 150 um, nseg 5) on soma(1) and dend[1] (L 80 um, nseg 3) on
dend[0](0.5) (an interior point), both diam 1.2 um with pas (g 2e-4, e -65)
and hh at a low density (gnabar 0.01) on dend[0]; Ra 120, cm 1; an Exp2Syn
(tau1 0.3, tau2 3, e 0) at dend[1](0.7).  The template's own NetCon on
soma v (threshold 0) is registered with ``pc.cell``; cell i excites cell
i + 1 (delay 2, weight 0.03); a NetStim (2 events, start 2, interval 40)
excites cell 0 (weight 0.05), and an IClamp (hoc ``del`` 60) on cell 3
starts a second wave.  ``--ncell`` (8) cells, gid = index.

Built at import (module level); only ``__main__`` runs it and writes spikes.
"""
import sys

from neuron import h

import script_harness

h.load_file("stdrun.hoc")
pc = h.ParallelContext()

parser = script_harness.make_parser(__doc__)
parser.add_argument("--ncell", type=int, default=8)
args = parser.parse_args(sys.argv[1:])

h("""
begintemplate HocRingCell
public soma, dend, syn, connect2target
create soma, dend[2]
objref syn
proc init() {
    soma { L = 16  diam = 16  nseg = 1  insert hh }
    dend[0] { L = 150  nseg = 5  insert hh  gnabar_hh = 0.01  gkbar_hh = 0.01  gl_hh = 0 }
    dend[1] { L = 80  nseg = 3 }
    forsec "dend" { diam = 1.2  insert pas  g_pas = 2e-4  e_pas = -65 }
    forall { Ra = 120  cm = 1 }
    connect dend[0](0), soma(1)
    connect dend[1](0), dend[0](0.5)
    dend[1] syn = new Exp2Syn(0.7)
    syn.tau1 = 0.3  syn.tau2 = 3  syn.e = 0
}
obfunc connect2target() { localobj nc
    soma nc = new NetCon(&v(0.5), $o1)
    nc.threshold = 0
    return nc
}
endtemplate HocRingCell
""")

script_harness.set_run_globals(args)

cells = []
for gid in range(args.ncell):
    cell = h.HocRingCell()
    cells.append(cell)
    pc.set_gid2node(gid, pc.id())
    pc.cell(gid, cell.connect2target(None))
netcons = []
for gid in range(args.ncell):
    nc = pc.gid_connect(gid, cells[(gid + 1) % args.ncell].syn)
    nc.delay = 2.0
    nc.weight[0] = 0.03
    netcons.append(nc)
stim = h.NetStim()
stim.number, stim.start, stim.interval, stim.noise = 2, 2.0, 40.0, 0
stim_nc = h.NetCon(stim, cells[0].syn)
stim_nc.delay, stim_nc.weight[0] = 1.0, 0.05
clamp = h.IClamp(cells[3 % args.ncell].soma(0.5))
clamp.delay, clamp.dur, clamp.amp = 60.0, 1.0, 0.6

tvec, idvec = script_harness.record_spikes(pc)

if __name__ == "__main__":
    script_harness.run_and_write(pc, tvec, idvec, args.out)
