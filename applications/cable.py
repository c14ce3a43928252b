"""A passive sealed cable clamped at x = 0 (docs/architecture.md, CLI 2)."""
from __future__ import annotations

from myriad import app_cli
from myriad.atomic import write_atomic
from myriad.outputs import csv_text

from applications.neuro import IClamp, Network, Pas
from applications.neuro.section import MAX_NSEG


def build(nseg: int = 101, amp: float = 0.1):
    """L 1000 um, diam 2 um, Ra 100, cm 1, pas g 1e-4 e -65; IClamp at 0 from t = 1 ms."""
    net = Network()
    cable = net.section("cable", L=1000.0, diam=2.0, nseg=nseg, Ra=100.0, cm=1.0)
    cable.insert(Pas, g=1e-4, e=-65.0)
    cable(0.0).place(IClamp, delay=1.0, dur=1e9, amp=amp)
    return net, cable


def main(argv=None) -> None:
    p = app_cli.parser(__doc__, dt=0.025, tstop=200.0)
    p.add_argument("--nseg", type=app_cli.int_range(1, MAX_NSEG), default=101, help="segments")
    args = p.parse_args(argv)

    def run():
        net, cable = build(args.nseg)
        probes = {label: cable(x).node() for x, label in ((0.0, "v0"), (0.5, "vmid"), (1.0, "vend"))}
        sim = net.simulation(**app_cli.simulation_options(args))
        names = [sim.record(node, "v", label=label) for label, node in probes.items()]
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=net.compartments))
            return
        result = sim.run(args.tstop)
        if args.out:
            write_atomic(args.out, csv_text(["t", *names], [result.t, *(result[n] for n in names)]))
        print(app_cli.summary(sim, result, compartments=net.compartments,
                              **{n: float(result[n][-1]) for n in names}))

    app_cli.main_guard(run, "cable")


if __name__ == "__main__":
    main()
