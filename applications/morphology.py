"""A reconstructed cell (docs/architecture.md, CLI 7): NEURON's geometry of an SWC or ASC file.

    python -m applications.morphology FILE [--d-lambda 0.1] [--freq 100]

prints the cell's summary as one JSON line: ``sections``, ``segments`` (sum of
nseg), ``area_um2``, ``area_by_type`` and ``length_um``.  With ``--tstop`` > 0
it also runs ``--ncell`` copies of the cell (hh in soma and axon, pas
elsewhere, an IClamp at each soma from 1 ms on, ``--amp`` nA up to 1.5 times
that across the cells, each soma's spikes onto the next cell's soma through an
ExpSyn), writes the spikes to ``--out`` and adds the run's timings.  A
malformed file is one line on stderr and exit status 2.
"""
from __future__ import annotations

import json

from myriad import ModelError, app_cli
from myriad.atomic import write_atomic
from myriad.outputs import spikes_text

from applications.neuro import HH, ExpSyn, IClamp, Network, Pas
from applications.neuro.morphology import load_morphology

#: the network's biophysics: NEURON's hh in soma and axon, a leak elsewhere
BIOPHYSICS = {"soma": [HH], "axon": [HH], "dend": [(Pas, {"g": 1e-4, "e": -65.0})],
              "apic": [(Pas, {"g": 1e-4, "e": -65.0})]}


def build(path, ncell: int, **geometry):
    """``ncell`` copies of the cell in ``path`` (gid = copy), each with an IClamp
    and an ExpSyn at its soma, joined in a ring; returns the network, the
    template cell and every copy's clamp."""
    cell = load_morphology(path, **geometry)
    cell.apply({region: mechanisms for region, mechanisms in BIOPHYSICS.items() if region in cell.regions})
    clamp = cell.soma(0.5).place(IClamp, delay=1.0, dur=1e9)
    synapse = cell.soma(0.5).place(ExpSyn, tau=2.0, e=0.0)
    cell.network.spike_source(cell.soma(0.5), gid=0, threshold=10.0)
    net = Network()
    cells = net.add_cells(cell.network, gids=range(ncell))
    synapses = cells.refs(synapse)
    for i in range(ncell):
        net.connect(i, synapses[(i + 1) % ncell], delay=1.0, weight=0.001)
    return net, cell, cells.refs(clamp)


def amplitudes(amp: float, ncell: int) -> list[float]:
    """The clamps' amplitudes (nA): ``amp`` for the first cell up to 1.5 ``amp`` for the last."""
    return [amp * (1.0 + 0.5 * i / max(ncell - 1, 1)) for i in range(ncell)]


def main(argv=None) -> None:
    p = app_cli.parser(__doc__, dt=0.025, tstop=0.0)
    p.add_argument("file", help="an SWC (.swc) or Neurolucida (.asc) file")
    p.add_argument("--d-lambda", type=app_cli.positive_float, default=0.1,
                   help="the longest segment, as a fraction of the length constant at --freq")
    p.add_argument("--freq", type=app_cli.positive_float, default=100.0, help="frequency of the length constant (Hz)")
    p.add_argument("--Ra", type=app_cli.positive_float, default=35.4, help="axial resistivity (ohm cm)")
    p.add_argument("--cm", type=app_cli.positive_float, default=1.0, help="specific capacitance (uF/cm2)")
    p.add_argument("--ncell", type=app_cli.positive_int, default=1, help="copies of the cell to run")
    p.add_argument("--amp", type=float, default=0.5, help="IClamp amplitude of the first cell (nA)")
    args = p.parse_args(argv)

    def run():
        if args.out and app_cli.same_file(args.out, args.file):
            raise ModelError(f"--out {args.out} is the morphology file itself; give another file for the spikes")
        geometry = dict(d_lambda=args.d_lambda, freq=args.freq, Ra=args.Ra, cm=args.cm)
        if args.tstop == 0 and not args.compile_only:
            print(json.dumps(load_morphology(args.file, **geometry).summary()))
            return
        net, cell, clamps = build(args.file, args.ncell, **geometry)
        sim = net.simulation(**app_cli.simulation_options(args))
        for clamp, amp in zip(clamps, amplitudes(args.amp, args.ncell)):
            sim.set(clamp, "amp", amp)
        summary = cell.summary()
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=net.compartments, **summary))
            return
        result = sim.run(args.tstop)
        if args.out:
            write_atomic(args.out, spikes_text(result.spike_times, result.spike_gids))
        print(app_cli.summary(sim, result, compartments=net.compartments, nspikes=len(result.spike_times),
                              threads=args.threads, ncell=args.ncell, **summary))

    app_cli.main_guard(run, "morphology")


if __name__ == "__main__":
    main()
