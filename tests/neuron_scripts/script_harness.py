"""What every model script in tests/neuron_scripts shares: its common options, run settings and spike file.

The scripts differ only in the model they build; the tests
(tests/applications/test_from_neuron.py) drive all of them the same way, through one
command-line contract (``--dt --tstop --secondorder --out --hh-table
--seed``; the ``shape_*`` scripts, which keep their run settings in their own
code, take only ``--dt --secondorder --out --hh-table``, see
``reference_options``), and compare the spike files they write with the ones
``python -m applications.from_neuron`` writes.  Keeping that contract and the
file format here, once, is what makes the scripts interchangeable in the
tests: a script cannot drift to another default or another line format.

Each script imports this module as ``import script_harness``; both ways a
script is run put the script's own directory first on ``sys.path`` (plain
``python tests/neuron_scripts/X.py`` and ``applications.from_neuron``'s
``run_script``).  Plain functions, no state of their own: what they create
(the spike vectors) they hand back to the script, whose namespace keeps it
alive.
"""

import argparse
import json

from neuron import h


def make_parser(doc):
    """An ArgumentParser with the options every script takes; the script adds its own.

    ``doc`` is the script's docstring, whose first line is the description.
    ``--seed`` is taken even by scripts without randomness, so that the tests
    can pass the same options to every script.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--dt", type=float, default=0.025)
    parser.add_argument("--tstop", type=float, default=100.0)
    parser.add_argument("--secondorder", type=int, default=0)
    parser.add_argument("--out", default="spk1.std")
    parser.add_argument("--hh-table", type=int, default=1, choices=(0, 1))
    parser.add_argument("--seed", type=int, default=1)
    return parser


def set_run_globals(args):
    """Set NEURON's run settings from the common options (v_init -65 mV, 6.3 degC for all scripts).

    They are NEURON globals, not part of any section, so
    ``applications.from_neuron`` reads them from NEURON after the script has
    built its model; the scripts set them while building, not only under
    ``__main__``.
    """
    h.usetable_hh = args.hh_table
    h.dt = args.dt
    h.tstop = args.tstop
    h.v_init = -65.0
    h.celsius = 6.3
    h.secondorder = args.secondorder


def cylinder(cell, name, L, diam, nseg, Ra=100.0):
    """A section of ``cell``: an unbranched cylinder of cm 1 uF/cm2 (lengths in um, Ra in ohm cm)."""
    sec = h.Section(name=name, cell=cell)
    sec.L, sec.diam, sec.nseg, sec.Ra, sec.cm = L, diam, nseg, Ra, 1.0
    return sec


def insert_hh(sec):
    """hh with its standard parameters written out, so no script leans on NEURON's defaults."""
    sec.insert("hh")
    for seg in sec:
        seg.hh.gnabar, seg.hh.gkbar, seg.hh.gl, seg.hh.el = 0.12, 0.036, 0.0003, -54.3


def insert_pas(sec, g, e=-65.0):
    """pas of conductance ``g`` (S/cm2) and reversal ``e`` (mV) in every segment."""
    sec.insert("pas")
    for seg in sec:
        seg.pas.g, seg.pas.e = g, e


def announce(pc, cells):
    """Give cell k gid k on this rank, its spikes the crossings of 10 mV at
    soma(0.5); returns the NetCons, which the script must keep."""
    netcons = []
    for gid, cell in enumerate(cells):
        pc.set_gid2node(gid, pc.id())
        nc = h.NetCon(cell.soma(0.5)._ref_v, None, sec=cell.soma)
        nc.threshold = 10.0
        pc.cell(gid, nc)
        netcons.append(nc)
    return netcons


def record_spikes(pc):
    """Record the spikes of every gid; returns ``(tvec, idvec)``, which the script must keep."""
    tvec = h.Vector()
    idvec = h.Vector()
    pc.spike_record(-1, tvec, idvec)
    return tvec, idvec


def write_spikes(path, tvec, idvec):
    """Write the recorded spikes as NEURON's ringtest ``spk*.std`` files do; returns their number.

    Sorted by (time, gid), one ``"%.8g\\t%d"`` line each: the format
    ``applications.from_neuron`` writes, so the tests can compare the two
    files line by line.
    """
    spikes = sorted(zip(tvec.to_python(), (int(round(g)) for g in idvec.to_python())))
    with open(path, "w") as f:
        for t, gid in spikes:
            f.write("%.8g\t%d\n" % (t, gid))
    return len(spikes)


def run_and_write(pc, tvec, idvec, out):
    """Run the model to ``h.tstop`` in NEURON, write the spikes to ``out`` and print ``{"nspikes": N}``.

    The scripts call this under ``if __name__ == "__main__":``;
    ``applications.from_neuron`` runs them as ``__main__`` too, and its
    interception of ``pc.psolve`` stops them there, before NEURON runs.
    """
    pc.set_maxstep(10)
    h.stdinit()
    pc.psolve(h.tstop)
    print(json.dumps({"nspikes": write_spikes(out, tvec, idvec)}))


def reference_options(doc):
    """The few options the tests give a script that is otherwise run unchanged.

    Scripts of the shapes people write (tests/neuron_scripts/shape_*.py) take
    their run length, v_init and dt from their own code, and from_neuron runs
    them with no arguments; NEURON's reference runs pass ``--dt 0.001
    --secondorder 2 --hh-table 0`` and ``--out``.  Without ``--dt`` NEURON's
    own dt stays.  Returns the parsed options (``args.out`` for the spikes).
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--dt", type=float, default=None)
    parser.add_argument("--secondorder", type=int, default=0)
    parser.add_argument("--out", default="spk1.std")
    parser.add_argument("--hh-table", type=int, default=1, choices=(0, 1))
    args = parser.parse_args()
    h.usetable_hh = args.hh_table
    h.secondorder = args.secondorder
    if args.dt is not None:
        h.dt = args.dt
    return args


class BallStick:
    """A ball-and-stick HH cell: soma L = diam = 20 um with hh, dend 200 um x 1 um
    (nseg 5, pas g 1e-4) on soma(1), Ra 100, cm 1, an ExpSyn (tau 2, e 0) at dend(0.5)."""

    def __init__(self, index):
        self.index = index
        self.soma = cylinder(self, "soma", 20.0, 20.0, 1)
        insert_hh(self.soma)
        self.dend = cylinder(self, "dend", 200.0, 1.0, 5)
        insert_pas(self.dend, 1e-4)
        self.dend.connect(self.soma(1), 0)
        self.syn = h.ExpSyn(self.dend(0.5))
        self.syn.tau, self.syn.e = 2.0, 0.0

    def __repr__(self):
        return f"BallStick[{self.index}]"


def write_netcon_records(path, records):
    """Write spike times recorded by ``NetCon.record`` as from_neuron writes the
    spikes of a detector without a gid: id ``-1 - k`` for ``NetCon[k]`` (the
    first NetCon watching that voltage).  ``records`` is (NetCon, Vector) pairs."""
    spikes = []
    for nc, vec in records:
        k = int(nc.hname().rsplit("[", 1)[1].rstrip("]"))
        spikes.extend((t, -1 - k) for t in vec.to_python())
    with open(path, "w") as f:
        for t, gid in sorted(spikes):
            f.write("%.8g\t%d\n" % (t, gid))
    return len(spikes)
