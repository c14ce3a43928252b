"""Densely coupled network: N ball-and-stick HH cells joined all-to-all (with
probability --p) by graded synapses and gap junctions.

Every cell: soma L = diam = 20 um with hh, dend L = 200 um, diam 1 um, nseg
--ncompart with pas (g 0.001 S/cm2, e -65 mV) on soma(1); Ra 100, cm 1; a
steady current drawn uniformly from [--amp-lo, --amp-hi] nA into the soma.
A graded synapse (e -80 mV, vth -20 mV, vslope 5 mV, tau 4 ms) runs from
soma i to dend j (0.5) for each ordered pair drawn, a gap junction joins
soma i and soma j for each unordered pair drawn; the conductances are
--gsyn-total and --ggap-total (uS) divided by the expected number of partners
p (N - 1), so that a cell's total coupling does not depend on N or p.
Random draws (numpy default_rng(--seed)): amplitudes, then the synapse
matrix, then the gap matrix; benchmarks/peers/neuron_dense_network.py
builds the same network in NEURON.  Spikes (soma(0.5) crossing 10 mV, gid = cell index) go
to --out as ``time gid`` lines.
"""
from __future__ import annotations

import numpy as np

from myriad import app_cli
from myriad.atomic import write_atomic
from myriad.outputs import spikes_text

from applications.neuro import HH, IClamp, Network, Pas
from applications.neuro.section import MAX_NSEG

GRADED = {"e": -80.0, "vth": -20.0, "vslope": 5.0, "tau": 4.0}


def build(ncell: int = 1000, p: float = 1.0, seed: int = 1, ncompart: int = 4, gsyn_total: float = 0.002,
          ggap_total: float = 0.005, amp_lo: float = 0.15, amp_hi: float = 0.35) -> tuple[Network, dict]:
    """The network and what was drawn (``amp``, ``syn``, ``gap`` masks; syn[i, j]: i onto j)."""
    rng = np.random.default_rng(seed)
    amp = rng.uniform(amp_lo, amp_hi, ncell)
    syn = rng.random((ncell, ncell)) < p
    gap = rng.random((ncell, ncell)) < p
    np.fill_diagonal(syn, False)
    gap = np.triu(gap, 1)
    cell = Network()
    soma = cell.section("soma", L=20.0, diam=20.0, nseg=1, Ra=100.0, cm=1.0)
    soma.insert(HH)
    dend = cell.section("dend", L=200.0, diam=1.0, nseg=ncompart, Ra=100.0, cm=1.0)
    dend.connect(soma(1.0))
    dend.insert(Pas, g=0.001, e=-65.0)
    cell.spike_source(soma(0.5), gid=0, threshold=10.0)
    net = Network()
    cells = net.add_cells(cell, gids=range(ncell))
    somas, dends = cells.refs(soma(0.5).node()), cells.refs(dend(0.5).node())
    net.place(IClamp, somas, delay=0.0, dur=1e9, amp=amp)
    partners = p * (ncell - 1)
    if partners > 0:
        g_syn, g_gap = gsyn_total / partners, ggap_total / partners
        pre, post = np.nonzero(syn)
        net.graded_synapses(somas[pre], dends[post], g=g_syn, **GRADED)
        a, b = np.nonzero(gap)
        net.gap_junctions(somas[a], somas[b], g=g_gap)
    return net, {"amp": amp, "syn": syn, "gap": gap}


def main(argv=None) -> None:
    p = app_cli.parser(__doc__.splitlines()[0], dt=0.025, tstop=100.0)
    p.add_argument("--ncell", type=app_cli.positive_int, default=1000, help="cells")
    p.add_argument("--p", type=app_cli.probability, default=1.0, help="connection probability")
    p.add_argument("--seed", type=app_cli.non_negative_int, default=1, help="seed of the connections and currents")
    p.add_argument("--ncompart", type=app_cli.int_range(1, MAX_NSEG), default=4, help="dendrite nseg")
    p.add_argument("--gsyn-total", type=app_cli.non_negative_float, default=0.002,
                   help="graded-synapse conductance onto a cell, summed over its partners (uS)")
    p.add_argument("--ggap-total", type=app_cli.non_negative_float, default=0.005,
                   help="gap-junction conductance of a cell, summed over its partners (uS)")
    p.add_argument("--amp-lo", type=app_cli.finite_float, default=0.15, help="smallest soma current (nA)")
    p.add_argument("--amp-hi", type=app_cli.finite_float, default=0.35, help="largest soma current (nA)")
    args = p.parse_args(argv)
    if args.amp_hi < args.amp_lo:
        p.error(f"--amp-hi ({args.amp_hi}) must not be below --amp-lo ({args.amp_lo})")

    def run():
        net, drawn = build(args.ncell, args.p, args.seed, args.ncompart, args.gsyn_total, args.ggap_total,
                           args.amp_lo, args.amp_hi)
        sim = net.simulation(**app_cli.simulation_options(args))
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=net.compartments))
            return
        result = sim.run(args.tstop)
        if args.out:
            write_atomic(args.out, spikes_text(result.spike_times, result.spike_gids))
        print(app_cli.summary(sim, result, compartments=net.compartments, nspikes=len(result.spike_times),
                              threads=args.threads, graded_synapses=int(drawn["syn"].sum()),
                              gap_junctions=int(drawn["gap"].sum()),
                              core_unknowns=len(sim.flat.program.core)))

    app_cli.main_guard(run, "dense")


if __name__ == "__main__":
    main()
