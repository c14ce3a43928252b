"""An int // or % by zero in a mechanism's method, where Python raises and C
would kill the process (SIGFPE), stops the run on every backend with a
DivisionByZeroError naming the instance, the method's file:line and the time,
and carrying the run up to the step it happened in."""
import inspect
import shutil

import numpy as np
import pytest

from applications.neuro import DensityChannel, Network, PointProcess
from myriad import DivisionByZeroError, NonFiniteError, Param, SimulationError, State
from myriad.backends.c.library import Library

DT = 0.25
STEP = 12       # the step from t = 3 ms: int(t) == 3 in every stage that evaluates the currents there


class Divider(DensityChannel):
    """A leak whose current divides by 3 - int(t): by zero from t = 3 ms."""

    g = Param(0.001, unit="S/cm2")
    e = Param(-65.0, unit="mV")

    def current(self):
        k = int(self.t)
        return self.g * (self.node.v - self.e) * (12 // (3 - k))


class FloatDivider(Divider):
    """Divider with float division: by zero it gives inf, as C does."""

    def current(self):
        k = float(int(self.t))
        return self.g * (self.node.v - self.e + 1.0) * (12.0 / (3.0 - k))


class ZeroAtStart(DensityChannel):
    n = Param(0.0)
    x = State(0.0)

    def initialize(self):
        self.x = float(5 % int(self.n))

    def ddt_x(self):
        return 0.0


class SplitEvent(PointProcess):
    g = State(0.0, unit="uS")
    parts = Param(0.0)

    def ddt_g(self):
        return -self.g

    def on_event(self, weight):
        self.g = self.g + weight * float(4 // int(self.parts))


def _line(cls, method: str, text: str) -> str:
    lines, first = inspect.getsourcelines(getattr(cls, method))
    return f"{__file__}:{first + next(k for k, line in enumerate(lines) if text in line)}"


def _backend(backend, monkeypatch):
    if backend == "cuda-emulated":
        monkeypatch.setenv("MYRIAD_CUDA_EMULATE", "1")
        return "cuda"
    return backend


def _cells(mechanism, params=None, **options):
    net = Network()
    somas = [net.section(f"soma{k}", L=10.0, diam=10.0, nseg=1) for k in range(3)]
    for soma in somas[1:]:
        soma.insert(mechanism, **(params or {}))
    sim = net.simulation(dt=DT, **options)
    sim.record(somas[2](0.5).node(), "v", label="v")
    return net, somas, sim


# slow: numba compiles its solver on first use (a minute)
@pytest.mark.parametrize("backend, threads", [("openmp", 1), ("openmp", 2),
                                              pytest.param("numba", 1, marks=pytest.mark.slow),
                                              ("cuda-emulated", 3)])
@pytest.mark.parametrize("method", ["backward_euler", "rk4"])
def test_a_division_by_zero_stops_the_run_with_its_line_time_and_the_run_so_far(backend, threads, method,
                                                                                  monkeypatch):
    _, _, sim = _cells(Divider, backend=_backend(backend, monkeypatch), threads=threads, method=method)
    with pytest.raises(DivisionByZeroError) as caught:
        sim.run(10.0)
    error = caught.value
    assert isinstance(error, SimulationError) and isinstance(error, ZeroDivisionError)
    assert (error.step, error.time) == (STEP, STEP * DT)
    assert error.ref.cls is Divider and error.ref.index == 0       # the lowest instance of the two
    assert error.where == _line(Divider, "current", "12 // (3 - k)")
    assert str(error).startswith(f"Divider[0]: integer division by zero in Divider.current ({error.where}: "
                                 f"12 // (3 - k)) during the step from t = 3 ms (step {STEP})")
    result = error.result
    assert len(result.t) == STEP + 1 and result.t[-1] == pytest.approx(STEP * DT)
    assert np.isfinite(result["v"]).all() and result["v"][0] == pytest.approx(-65.0)


BACKENDS = ["openmp", pytest.param("numba", marks=pytest.mark.slow), "cuda-emulated"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_division_by_zero_while_initialising_stops_at_time_zero(backend, monkeypatch):
    _, _, sim = _cells(ZeroAtStart, backend=_backend(backend, monkeypatch))
    with pytest.raises(DivisionByZeroError) as caught:
        sim.run(1.0)
    error = caught.value
    assert (error.step, error.time, error.where) == (0, 0.0, _line(ZeroAtStart, "initialize", "5 % int"))
    assert "integer modulo by zero" in str(error) and len(error.result.t) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_division_by_zero_in_event_delivery_names_the_step_of_the_event(backend, monkeypatch):
    net = Network()
    soma = net.section("soma", L=10.0, diam=10.0, nseg=1)
    synapse = soma(0.5).place(SplitEvent)
    net.connect(net.stimulus([2.0]), synapse, delay=1.0, weight=0.01)
    sim = net.simulation(dt=DT, backend=_backend(backend, monkeypatch))
    with pytest.raises(DivisionByZeroError) as caught:
        sim.run(10.0)
    error = caught.value
    assert error.ref == synapse and error.where == _line(SplitEvent, "on_event", "4 // int")
    assert error.time == 3.0 and len(error.result.t) == error.step + 1


def test_a_float_division_by_zero_is_inf_which_the_nan_check_reports():
    _, _, sim = _cells(FloatDivider)
    with pytest.raises(NonFiniteError) as caught:
        sim.run(10.0)
    assert caught.value.time > STEP * DT and caught.value.variable.endswith(".v")


def test_nonzero_divisors_run_on():
    _, _, sim = _cells(Divider, params={"e": -60.0})
    v = sim.run(2.75)["v"]       # int(t) < 3 in every step: the divisor is 3, 2 or 1
    assert len(v) == 12 and (np.diff(v) > 0).all() and v[-1] < -60.0


@pytest.mark.slow
@pytest.mark.nvcc
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc is not on PATH (the CUDA toolkit compiles .cu files)")
def test_the_cuda_code_with_its_checks_compiles_with_nvcc(monkeypatch):
    monkeypatch.delenv("MYRIAD_CUDA_EMULATE", raising=False)
    net, _, _ = _cells(Divider)
    net.section("synapse", L=10.0, diam=10.0, nseg=1)(0.5).place(SplitEvent)
    sim = net.simulation(backend="cuda").compile()
    assert "__host__ __device__ static int pycast_floordiv_checked_int(int a, int b, int site, int *pycast_fault)" \
        in sim.source
    assert sim.source.count("myr_fault(c, ") == 2        # the currents' and the event's reports
    Library(sim.engine.library.path)      # loading checks myr_ctx (with its fault fields) as nvcc laid it out
