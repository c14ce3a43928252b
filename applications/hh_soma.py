"""One Hodgkin-Huxley compartment driven by a current step (docs/architecture.md, CLI 1)."""
from __future__ import annotations

from myriad import app_cli
from myriad.atomic import write_atomic
from myriad.outputs import csv_text

from applications.neuro import HH, IClamp, Network


def build(amp: float = 0.1):
    """The model, its soma and clamp: L = diam = 20 um, NEURON's hh, IClamp 5 ms + 50 ms."""
    net = Network()
    soma = net.section("soma", L=20.0, diam=20.0, nseg=1, cm=1.0)
    soma.insert(HH)
    clamp = soma(0.5).place(IClamp, delay=5.0, dur=50.0, amp=amp)
    net.spike_source(soma(0.5), gid=0, threshold=10.0)
    return net, soma, clamp


def main(argv=None) -> None:
    p = app_cli.parser(__doc__, dt=0.025, tstop=100.0)
    p.add_argument("--amp", type=app_cli.finite_float, default=0.1, help="clamp amplitude (nA)")
    args = p.parse_args(argv)

    def run():
        net, soma, _ = build(args.amp)
        sim = net.simulation(**app_cli.simulation_options(args))
        trace = sim.record(soma(0.5).node(), "v")
        if args.compile_only:
            print(app_cli.compiled_summary(sim.compile(), compartments=net.compartments))
            return
        result = sim.run(args.tstop)
        if args.out:
            write_atomic(args.out, csv_text(["t", "v"], [result.t, result[trace]]))
        print(app_cli.summary(sim, result, compartments=net.compartments,
                              spikes=result.spike_times.tolist()))

    app_cli.main_guard(run, "hh_soma")


if __name__ == "__main__":
    main()
