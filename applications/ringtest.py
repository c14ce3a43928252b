"""CoreNEURON's ring benchmark (docs/architecture.md, CLI 3): rings of ball-and-stick HH cells."""
from __future__ import annotations

from myriad import MechRef, app_cli
from myriad.atomic import write_atomic
from myriad.outputs import spikes_text

from applications.neuro import HH, ExpSyn, Network, Pas
from applications.neuro.section import MAX_NSEG


def build_cell(nbranch: int, ncompart: int) -> tuple[Network, MechRef]:
    """One cell, as a network of its own announcing gid 0: soma with hh, dend[0]
    (200 um) on soma(1), a binary tree of 10 um branches; ExpSyn at dend[0](0.8)."""
    cell = Network()
    soma = cell.section("soma", L=12.6157, diam=12.6157, nseg=1, Ra=100.0, cm=1.0)
    soma.insert(HH, gnabar=0.12, gkbar=0.036, gl=0.0003, el=-54.3)
    dends = []
    for i in range(nbranch):
        dend = cell.section(f"dend[{i}]", L=200.0 if i == 0 else 10.0, diam=1.0, nseg=ncompart, Ra=100.0, cm=1.0)
        dend.connect(soma(1.0) if i == 0 else dends[(i - 1) // 2](1.0))
        dend.insert(Pas, g=0.001, e=-65.0)
        dends.append(dend)
    synapse = dends[0](0.8).place(ExpSyn, tau=2.0, e=0.0)
    cell.spike_source(soma(0.5), gid=0, threshold=10.0)
    return cell, synapse


def build(nring: int = 16, ncell: int = 8, nbranch: int = 32, ncompart: int = 1) -> Network:
    """Every cell a copy of one built cell: cell i of ring r has gid r * ncell + i and is named cell{gid}."""
    net = Network()
    cell, synapse = build_cell(nbranch, ncompart)
    synapses = net.add_cells(cell, gids=range(nring * ncell)).refs(synapse)
    stimulus = net.stimulus([0.0])
    for ring in range(nring):
        for i in range(ncell):
            gid = ring * ncell + i
            net.connect(gid, synapses[ring * ncell + (i + 1) % ncell], delay=1.0, weight=0.01)
        net.connect(stimulus, synapses[ring * ncell], delay=1.0, weight=0.01)
    return net


def main(argv=None) -> None:
    p = app_cli.parser(__doc__, dt=0.025, tstop=100.0)
    p.add_argument("--nring", type=app_cli.positive_int, default=16, help="rings (independent networks)")
    p.add_argument("--ncell", type=app_cli.positive_int, default=8, help="cells per ring, each exciting the next")
    p.add_argument("--nbranch", type=app_cli.positive_int, default=32, help="dendrites per cell")
    p.add_argument("--ncompart", type=app_cli.int_range(1, MAX_NSEG), default=1, help="nseg of every dendrite")
    p.add_argument("--plot", type=app_cli.plot_file, help="draw the spike raster here (.png, .pdf, .svg)")
    args = p.parse_args(argv)

    def run():
        net = build(args.nring, args.ncell, args.nbranch, args.ncompart)
        sim = net.simulation(**app_cli.simulation_options(args))
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=net.compartments))
            return
        result = sim.run(args.tstop)
        if args.out:
            write_atomic(args.out, spikes_text(result.spike_times, result.spike_gids))
        if args.plot:
            result.plot(args.plot, title=f"ringtest: {args.nring} rings of {args.ncell} cells")
        print(app_cli.summary(sim, result, compartments=net.compartments,
                              nspikes=len(result.spike_times), threads=args.threads))

    app_cli.main_guard(run, "ringtest")


if __name__ == "__main__":
    main()
