"""Model code in the style pycast is written for, translated by the pycast tests.

It lives in its own module, as user code does, so the tests exercise helpers
reached as ``module.function`` and constants read as ``module.CONSTANT``.
"""
import math
from math import exp

GAIN = 1.5
Q10 = 3


def gate(v):
    return 1.0 / (1.0 + math.exp(-(v + 40.0) / 10.0))


def rate(v, k: int):
    return 0.1 * k + exp(-v / 80.0) * Q10 ** 2


def clip(x):
    return min(max(x, -1.0), 1.0)


def scaled(x):
    return clip(x) * GAIN + gate(x)


class Node:
    def __init__(self, v, area):
        self.v = v
        self.area = area


class IonChannel:
    """Fields: gbar, e, m, h, g (the last three writable) and node.v, node.area."""

    def __init__(self, gbar, e, m, h, g, node):
        self.gbar, self.e, self.m, self.h, self.g, self.node = gbar, e, m, h, g, node

    def minf(self, v):
        return gate(v)

    def tau(self):
        return 1.0 + self.node.v ** 2 / 1000.0

    def current(self):
        return self.gbar * self.m ** 3 * self.h * (self.node.v - self.e)

    def inflow_v(self):
        return -self.current() * self.node.area * 1e-2

    def initialize(self):
        self.m = self.minf(self.node.v)
        self.h = 1.0 - self.minf(self.node.v - 20.0)

    def advance(self, dt):
        self.m += dt * (self.minf(self.node.v) - self.m) / self.tau()
        self.h = self.h + dt * (0.5 - self.h)

    def on_event(self, weight):
        self.g = self.g + weight


class SlowChannel(IonChannel):
    def minf(self, v):
        return 0.5 * super().minf(v) + 0.25

    def tau(self):
        return 2.0 * super().tau()


class Leak:
    def current(self):
        return self.g * (self.node.v - self.e) + gate(self.node.v)
