"""The solver on linear networks, against numpy: exact backward Euler steps with
loops and zero-capacity nodes, RK4's exact one-step polynomial, and the measured
orders of convergence against the matrix-exponential solution."""
import numpy as np
import pytest

from myriad import Simulation
from tests.linear_models import random_network


def _run(model, nodes, method, dt, steps, threads=1):
    sim = Simulation(model, method=method, dt=dt, threads=threads)
    names = [sim.record(n, "u") for n in nodes]
    res = sim.run(dt * steps)
    return np.array([res[k] for k in names]).T     # (steps+1, n)


@pytest.mark.parametrize("extra,zero", [(0, 0), (6, 0), (6, 3)])
def test_backward_euler_step_is_the_exact_linear_solve(extra, zero):
    model, nodes, caps, u0, L, b = random_network(40, extra, seed=extra + zero, zero_capacity=zero)
    dt = 0.1
    got = _run(model, nodes, "backward_euler", dt, 2)
    A = np.diag(caps / dt) + L
    u1 = np.linalg.solve(A, caps / dt * u0 + b)
    u2 = np.linalg.solve(A, caps / dt * u1 + b)
    np.testing.assert_allclose(got[1], u1, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[2], u2, rtol=1e-9, atol=1e-9)


def test_rk4_step_is_the_fourth_order_taylor_polynomial():
    model, nodes, caps, u0, L, b = random_network(30, 4, seed=7)
    dt = 0.01
    got = _run(model, nodes, "rk4", dt, 1)
    A = -L / caps[:, None]
    f = A @ u0 + b / caps
    hA = dt * A
    phi = np.eye(len(u0)) + hA / 2 + hA @ hA / 6 + hA @ hA @ hA / 24
    np.testing.assert_allclose(got[1], u0 + dt * phi @ f, rtol=1e-11, atol=1e-12)


def _exact(caps, u0, L, b, t):
    A = -L / caps[:, None]
    w, V = np.linalg.eig(A)
    ustar = np.linalg.solve(A, -b / caps)
    coef = np.linalg.solve(V, u0 - ustar)
    return np.real(V @ (coef * np.exp(w * t)) + ustar)


@pytest.mark.parametrize("method,low,high", [("rk4", 3.5, 4.5), ("backward_euler", 0.8, 1.2)])
def test_convergence_order_on_a_linear_network(method, low, high):
    model, nodes, caps, u0, L, b = random_network(12, 2, seed=3)
    T = 2.0
    ref = _exact(caps, u0, L, b, T)
    errors = []
    base = 0.04 if method == "rk4" else 0.02
    for k in range(3):
        dt = base / 2 ** k
        got = _run(model, nodes, method, dt, int(round(T / dt)))
        errors.append(np.max(np.abs(got[-1] - ref)))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all((orders > low) & (orders < high)), (errors, orders)


def test_results_identical_for_one_and_two_threads_with_loops():
    model, nodes, *_ = random_network(200, 20, seed=11, zero_capacity=5)
    one = _run(model, nodes, "backward_euler", 0.05, 50, threads=1)
    two = _run(model, nodes, "backward_euler", 0.05, 50, threads=2)
    assert np.array_equal(one, two)


@pytest.mark.slow
def test_backward_euler_on_a_chain_of_60000_nodes_matches_the_thomas_algorithm():
    """Large enough that products of node indices overflow 32 bits."""
    from myriad import Model
    from tests.linear_models import Cell, Leak, Link

    rng = np.random.default_rng(5)
    n, dt = 60000, 0.05
    c, u0 = rng.uniform(0.5, 2, n), rng.uniform(-1, 1, n)
    gl, el, gk = rng.uniform(0.1, 1, n), rng.uniform(-1, 1, n), rng.uniform(0.5, 5, n - 1)
    model = Model()
    nodes = [model.add_node(Cell, c=float(c[i]), u=float(u0[i])) for i in range(n)]
    for i in range(n):
        model.add_mechanism(Leak, nodes[i], g=float(gl[i]), e=float(el[i]))
    for i in range(n - 1):
        model.add_mechanism(Link, (nodes[i], nodes[i + 1]), g=float(gk[i]))
    sim = Simulation(model, dt=dt)
    probes = [sim.record(nodes[i], "u") for i in (0, n // 2, n - 1)]
    res = sim.run(dt)
    diag = c / dt + gl
    diag[:-1] += gk
    diag[1:] += gk
    rhs = c / dt * u0 + gl * el
    off = -gk
    for i in range(1, n):                      # Thomas algorithm
        w = off[i - 1] / diag[i - 1]
        diag[i] -= w * off[i - 1]
        rhs[i] -= w * rhs[i - 1]
    u = np.empty(n)
    u[-1] = rhs[-1] / diag[-1]
    for i in range(n - 2, -1, -1):
        u[i] = (rhs[i] - off[i] * u[i + 1]) / diag[i]
    for name, i in zip(probes, (0, n // 2, n - 1)):
        assert abs(res[name][1] - u[i]) < 1e-10
