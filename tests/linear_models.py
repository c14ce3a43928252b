"""A generic linear network (not a neuron): nodes with a potential u, leaks, couplings."""
import numpy as np

from myriad import Coupling, Mechanism, Model, Node, Param, Potential


class Cell(Node):
    u = Potential(0.0, capacity="c")
    c = Param(1.0)


class Leak(Mechanism):
    g = Param(1.0)
    e = Param(0.0)

    def inflow_u(self):
        return self.g * (self.e - self.node.u)


class Link(Coupling):
    g = Param(1.0)

    def flow_u(self):
        return self.g * (self.pre.u - self.post.u)


def random_network(n, extra_edges, seed, zero_capacity=0):
    """A random forest plus ``extra_edges`` loop-making links; returns model, refs and matrices.

    The system is C du/dt = -L u + b with L the weighted Laplacian plus leaks.
    """
    rng = np.random.default_rng(seed)
    model = Model()
    caps = rng.uniform(0.5, 2.0, n)
    caps[rng.choice(n, zero_capacity, replace=False)] = 0.0
    u0 = rng.uniform(-1, 1, n)
    nodes = [model.add_node(Cell, c=float(caps[i]), u=float(u0[i])) for i in range(n)]
    L = np.zeros((n, n))
    b = np.zeros(n)
    for i in range(n):
        g, e = rng.uniform(0.1, 1.0), rng.uniform(-1, 1)
        model.add_mechanism(Leak, nodes[i], g=float(g), e=float(e))
        L[i, i] += g
        b[i] += g * e
    edges = [(int(rng.integers(0, i)), i) for i in range(1, n) if rng.random() < 0.9]
    for _ in range(extra_edges):
        i, j = rng.choice(n, 2, replace=False)
        edges.append((int(i), int(j)))
    for i, j in edges:
        g = rng.uniform(0.5, 5.0)
        model.add_mechanism(Link, (nodes[i], nodes[j]), g=float(g))
        L[i, i] += g
        L[j, j] += g
        L[i, j] -= g
        L[j, i] -= g
    return model, nodes, caps, u0, L, b
