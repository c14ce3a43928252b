"""NEURON's view of a morphology file: the reference for ``applications.neuro.morphology``.

    python -m benchmarks.peers.neuron_morphology geometry FILE [--d-lambda 0.1 --freq 100 --Ra 35.4 --cm 1]
    python -m benchmarks.peers.neuron_morphology traces FILE --biophysics passive|active
        [--dt 0.025 --tstop 20 --amp 0.5 --pulses 0 --secondorder 0] [--record NAME ...]
    python -m benchmarks.peers.neuron_morphology network FILE --ncell 1000 [--tstop 100 --dt 0.025
        --threads 1 --amp 0.5 --coreneuron] [--out spikes.dat]

The file is read by NEURON's Import3d (``Import3d_SWC_read`` or
``Import3d_Neurolucida3``, then ``Import3d_GUI(reader, 0).instantiate(None)``),
which creates top-level hoc sections (``soma[0]``, ``dend[3]``); so every
command runs in a process of its own (they are not for calling twice in one
process, unlike the other peers).  nseg of every section follows the
d_lambda rule of NEURON's stdlib.hoc.  The last stdout line is one JSON object:

* ``geometry``: per section (NEURON's order) its name, nseg, L (um), each segment's
  ``area`` (um2) and ``ri`` (MOhm, ``seg.ri()``, then ``sec(1).ri()``), its
  parent's name and the location on it;
* ``traces``: ``passive`` is pas (g 1e-4 S/cm2, e -65 mV) everywhere;
  ``active`` is hh in soma and axon (``usetable_hh = 0``) and that pas
  elsewhere; an IClamp at soma(0.5) from 1 ms on (or ``--pulses`` 2 ms
  pulses 10 ms apart); ``t`` and the potential at
  soma(0.5) and at the 1-end of each ``--record`` section, every step, and the
  soma's spike times (10 mV upwards);
* ``network``: ``--ncell`` copies of the cell, as ``python -m
  applications.morphology FILE --ncell N --tstop T`` builds them (IClamp and
  ExpSyn at each soma, a ring of NetCons), run with ``pc.psolve`` in NEURON
  or CoreNEURON; the keys of the other peers' summaries.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from benchmarks.peers.neuron_session import peak_rss_mb, psolve, spike_vectors

PAS = {"g": 1e-4, "e": -65.0}


def instantiate(h, path: str) -> list:
    """NEURON's sections of the file, through Import3d, in NEURON's order."""
    h.load_file("stdrun.hoc")
    h.load_file("import3d.hoc")
    reader = h.Import3d_SWC_read() if path.lower().endswith(".swc") else h.Import3d_Neurolucida3()
    reader.quiet = 1
    reader.input(path)
    h.Import3d_GUI(reader, 0).instantiate(None)
    return list(h.allsec())


def d_lambda(h, sections, d_lambda_: float, freq: float, Ra: float, cm: float) -> None:
    for sec in sections:
        sec.Ra, sec.cm = Ra, cm
        sec.nseg = int((sec.L / (d_lambda_ * h.lambda_f(freq, sec=sec)) + .9) / 2) * 2 + 1


def geometry(h, sections) -> dict:
    rows = []
    for sec in sections:
        parent = sec.parentseg()
        rows.append({"name": sec.name(), "nseg": sec.nseg, "L": sec.L, "area": [seg.area() for seg in sec],
                     "ri": [seg.ri() for seg in sec] + [sec(1).ri()],
                     "parent": None if parent is None else parent.sec.name(),
                     "parentx": None if parent is None else parent.x})
    return {"sections": rows}


def _region(sec) -> str:
    """soma, axon, dend or apic, from a name such as ``dend[3]`` or ``cell7.dend[3]``."""
    return sec.name().rpartition(".")[2].split("[")[0]


def biophysics(sections, kind: str) -> None:
    for sec in sections:
        if kind == "active" and _region(sec) in ("soma", "axon"):
            sec.insert("hh")
        else:
            sec.insert("pas")
            for seg in sec:
                seg.pas.g, seg.pas.e = PAS["g"], PAS["e"]


def pulses(count: int) -> list[tuple[float, float]]:
    """(delay, duration) in ms of the step (``count`` 0: from 1 ms on) or of
    ``count`` 2 ms pulses 10 ms apart from 1 ms on."""
    return [(1.0, 1e9)] if count == 0 else [(1.0 + 10.0 * k, 2.0) for k in range(count)]


def traces(h, sections, args) -> dict:
    h.usetable_hh = 0
    biophysics(sections, args.biophysics)
    soma = sections[0]
    clamps = []
    for delay, dur in pulses(args.pulses):
        clamps.append(h.IClamp(soma(0.5)))
        clamps[-1].delay, clamps[-1].dur, clamps[-1].amp = delay, dur, args.amp
    by_name = {sec.name(): sec for sec in sections}
    t = h.Vector().record(h._ref_t)
    recorded = {"soma": h.Vector().record(soma(0.5)._ref_v)}
    for name in args.record:
        recorded[name] = h.Vector().record(by_name[name](1)._ref_v)
    spikes = h.Vector()
    detector = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    detector.threshold = 10.0
    detector.record(spikes)
    h.dt, h.secondorder, h.celsius = args.dt, args.secondorder, 6.3
    h.finitialize(-65.0)
    h.continuerun(args.tstop)
    return {"t": list(t), "v": {k: list(v) for k, v in recorded.items()}, "spikes": list(spikes)}


def _template(h, sections) -> list[dict]:
    """Each section's points, parent (index) and nseg, to copy the cell from."""
    index = {sec: i for i, sec in enumerate(sections)}
    rows = []
    for sec in sections:
        parent = sec.parentseg()
        rows.append({"name": sec.name(), "nseg": sec.nseg, "Ra": sec.Ra, "cm": sec.cm,
                     "points": [[getattr(h, f"{c}3d")(i, sec=sec) for i in range(sec.n3d())]
                                for c in ("x", "y", "z", "diam")],
                     "parent": None if parent is None else (index[parent.sec], parent.x)})
    return rows


def network(h, sections, args) -> dict:
    t0 = time.perf_counter()
    pc = h.ParallelContext()
    rows = _template(h, sections)
    for sec in sections:
        h.delete_section(sec=sec)
    cells = []
    for gid in range(args.ncell):
        made = []
        for row in rows:
            sec = h.Section(name=f"cell{gid}.{row['name']}")
            h.pt3dadd(*(h.Vector(c) for c in row["points"]), sec=sec)
            sec.nseg, sec.Ra, sec.cm = row["nseg"], row["Ra"], row["cm"]
            if row["parent"] is not None:
                k, x = row["parent"]
                sec.connect(made[k](x), 0)
            made.append(sec)
        biophysics(made, "active")
        soma = made[0]
        clamp = h.IClamp(soma(0.5))
        clamp.delay, clamp.dur = 1.0, 1e9
        clamp.amp = args.amp * (1.0 + 0.5 * gid / max(args.ncell - 1, 1))
        synapse = h.ExpSyn(soma(0.5))
        synapse.tau, synapse.e = 2.0, 0.0
        detector = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
        detector.threshold = 10.0
        pc.set_gid2node(gid, 0)
        pc.cell(gid, detector)
        cells.append((made, clamp, synapse))
    links = [pc.gid_connect(i, cells[(i + 1) % args.ncell][2]) for i in range(args.ncell)]
    for link in links:
        link.delay, link.weight[0] = 1.0, 0.001
    tvec, idvec = spike_vectors(h)
    pc.spike_record(-1, tvec, idvec)
    h.cvode.cache_efficient(1)
    pc.set_maxstep(10)
    pc.nthread(args.threads)
    h.dt, h.tstop, h.celsius = args.dt, args.tstop, 6.3
    h.v_init = -65.0
    h.stdinit()
    build_s = time.perf_counter() - t0
    timing = psolve(h, pc, args.tstop, args.coreneuron)
    spikes = sorted(zip(tvec.to_python(), (int(g) for g in idvec.to_python())))
    if args.out:
        with open(args.out, "w") as f:
            f.writelines(f"{t:.6f} {g}\n" for t, g in spikes)
    return {"engine": "coreneuron" if args.coreneuron else "neuron",
            "compartments": int(sum(sec.nseg for sec in h.allsec())), "steps": int(round(h.t / args.dt)),
            "build_s": build_s, **timing, "peak_rss_mb": peak_rss_mb(), "threads": args.threads,
            "nspikes": len(spikes)}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.peers.neuron_morphology",
                                description="NEURON's geometry and runs of a morphology file (Import3d).")
    p.add_argument("command", choices=["geometry", "traces", "network"])
    p.add_argument("file")
    p.add_argument("--d-lambda", type=float, default=0.1)
    p.add_argument("--freq", type=float, default=100.0)
    p.add_argument("--Ra", type=float, default=35.4)
    p.add_argument("--cm", type=float, default=1.0)
    p.add_argument("--biophysics", choices=["passive", "active"], default="passive")
    p.add_argument("--dt", type=float, default=0.025)
    p.add_argument("--tstop", type=float, default=20.0)
    p.add_argument("--amp", type=float, default=0.5)
    p.add_argument("--pulses", type=int, default=0, help="2 ms pulses 10 ms apart instead of a step")
    p.add_argument("--secondorder", type=int, choices=[0, 1, 2], default=0)
    p.add_argument("--record", nargs="*", default=[])
    p.add_argument("--ncell", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--coreneuron", action="store_true")
    p.add_argument("--out")
    args = p.parse_args(argv)
    from neuron import h
    sections = instantiate(h, args.file)
    d_lambda(h, sections, args.d_lambda, args.freq, args.Ra, args.cm)
    run = {"geometry": lambda: geometry(h, sections), "traces": lambda: traces(h, sections, args),
           "network": lambda: network(h, sections, args)}[args.command]
    result = run()
    sys.stdout.flush()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
