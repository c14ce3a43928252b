"""The newcomer's surprises (issue 24): each was a silent wrong answer, now a
NEURON-like result or one line naming the culprit."""
import subprocess
import sys

import numpy as np
import pytest

from applications.neuro import HH, IClamp, Network, Pas
from applications.neuro import features as F
from myriad import ModelError
from myriad.batch import Batch
from myriad.result import Result


def _ball(inserts):
    net = Network()
    soma = net.section("soma", L=20, diam=20)
    for cls, values in inserts:
        soma.insert(cls, **values)
    return net, soma


def _rest(inserts) -> float:
    net, soma = _ball(inserts)
    sim = net.simulation(dt=0.025)
    v = sim.record(soma(0.5).node(), "v")
    return float(sim.run(50.0)[v][-1])


def test_inserting_a_mechanism_twice_adds_nothing_as_in_neuron():
    once = _rest([(HH, {}), (Pas, {"g": 1e-4, "e": -70.0})])
    twice = _rest([(HH, {}), (Pas, {"g": 1e-4, "e": -70.0}), (Pas, {}), (HH, {})])
    assert twice == once
    net, soma = _ball([(Pas, {})])
    assert soma.insert(Pas) is soma.inserted[Pas][0]
    assert len(net.model.mechanisms[Pas]) == 1


def test_inserting_again_with_values_is_refused_naming_the_section():
    _, soma = _ball([(Pas, {})])
    with pytest.raises(ModelError, match=r"section 'soma': Pas is already inserted"):
        soma.insert(Pas, g=2e-4)


def _spiking(gid=None):
    net, soma = _ball([(HH, {})])
    soma(0.5).place(IClamp, delay=1.0, dur=20.0, amp=0.3)
    if gid is not None:
        net.spike_source(soma(0.5), gid=gid)
    return net


def test_spike_count_of_a_gid_without_a_source_is_an_error_not_zero():
    result = _spiking().simulation(dt=0.025).run(20.0)
    with pytest.raises(ModelError, match=r"gid 0 has no spike source"):
        F.spike_count(result)
    result = _spiking(gid=3).simulation(dt=0.025).run(20.0)
    assert F.spike_count(result, gid=3) >= 1
    with pytest.raises(ModelError, match=r"gid 0 has no spike source in this model \(gids with one: 3\)"):
        F.spike_count(result, gid=0)


def test_the_sources_survive_save_load_and_batches(tmp_path):
    result = _spiking(gid=3).simulation(dt=0.025).run(5.0)
    result.save(tmp_path / "r.npz")
    assert Result.load(tmp_path / "r.npz").source_gids.tolist() == [3]
    batch = Batch(_spiking(gid=3).model, 3, dt=0.025)
    one = batch.run(20.0).instance(2)
    assert one.source_gids.tolist() == [3] and F.spike_count(one, gid=3) >= 1
    with pytest.raises(ModelError, match="gid 0 has no spike source"):
        F.spike_count(one)


def test_a_tstop_that_is_not_a_whole_number_of_steps_is_refused():
    sim = _spiking(gid=0).simulation(dt=0.3)
    with pytest.raises(ModelError, match=r"tstop 1 ms is 3.33333 steps of dt 0.3 ms.*use tstop 0.9 or 1.2 ms"):
        sim.run(1.0)
    assert sim.run(0.9).t[-1] == pytest.approx(0.9)
    assert len(_spiking(gid=0).simulation(dt=0.025).run(100.0).t) == 4001


def _cli(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120)


def test_the_cli_refuses_a_tstop_off_the_step_grid_before_building():
    proc = _cli("-m", "applications.hh_soma", "--tstop", "1", "--dt", "0.3")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].endswith("use tstop 0.9 or 1.2 ms, or a dt that divides it"), proc.stderr


def test_version_and_help_say_what_a_user_types():
    proc = _cli("-m", "myriad.cli", "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == "myriad 0.1.0", proc
    usage = " ".join(_cli("-m", "applications.ringtest", "--help").stdout.split())
    assert usage.startswith("usage: python -m applications.ringtest ")
    for described in ("--method {backward_euler,rk4,crank_nicolson} integration method", "--threads THREADS OpenMP threads",
                      "--nring NRING rings", "--ncell NCELL cells per ring", "--nbranch NBRANCH dendrites per cell"):
        assert described in usage, described


def _network(ncells=12):
    net = Network()
    somas = []
    for k in range(ncells):
        soma = net.section(f"soma{k}", L=20, diam=20)
        soma.insert(HH)
        soma(0.5).place(IClamp, delay=1.0, dur=5.0, amp=0.1 + 0.02 * k)
        somas.append(soma)
    return net, somas


def test_recording_many_references_at_once():
    net, somas = _network(3)
    sim = net.simulation(dt=0.025)
    hh = [soma.inserted[HH][0] for soma in somas]
    labels = sim.record([soma(0.5).node() for soma in somas], "v", label="v")
    gates = sim.record(hh[0], "m")
    assert labels == ["v[0]", "v[1]", "v[2]"] and gates == ["HH[0].m"]
    result = sim.run(5.0)
    alone = net.simulation(dt=0.025)
    one = alone.record(somas[2](0.5).node(), "v")
    np.testing.assert_array_equal(result["v[2]"], alone.run(5.0)[one])
    assert result.units["v[0]"] == "mV" and result.units["HH[0].m"] == ""


def test_plot_puts_each_unit_in_its_own_panel_and_many_traces_in_an_image(tmp_path):
    pytest.importorskip("matplotlib")
    net, somas = _network(12)
    sim = net.simulation(dt=0.025)
    sim.record([soma(0.5).node() for soma in somas], "v", label="v")
    sim.record(somas[0].inserted[HH][0], "m")
    fig = sim.run(8.0).plot(tmp_path / "r.png")
    panels = fig.axes[:2]
    assert [ax.get_ylabel() for ax in panels] == ["trace (of 12)", "m"]
    assert len(panels[0].images) == 1 and len(panels[1].lines) == 1
    assert [bar.get_ylabel() for bar in panels[0].child_axes] == ["v (mV)"]
    assert (tmp_path / "r.png").stat().st_size > 0


def test_units_survive_save_and_load(tmp_path):
    net, somas = _network(1)
    sim = net.simulation(dt=0.025)
    label = sim.record(somas[0](0.5).node(), "v")
    sim.run(1.0).save(tmp_path / "r.npz")
    assert Result.load(tmp_path / "r.npz").units == {label: "mV"}


def test_a_raster_of_one_gid_has_whole_gid_ticks_and_gates_are_named(tmp_path):
    pytest.importorskip("matplotlib")
    net, somas = _network(1)
    net.spike_source(somas[0](0.5), gid=0)
    sim = net.simulation(dt=0.025)
    for gate in "mhn":
        sim.record(somas[0].inserted[HH][0], gate)
    fig = sim.run(8.0).plot()
    assert fig.axes[0].get_ylabel() == "h, m, n"
    raster = fig.axes[1]
    low, high = raster.get_ylim()
    assert [tick for tick in raster.get_yticks() if low <= tick <= high] == [0.0]
