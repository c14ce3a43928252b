"""pycast's affine analysis: which methods are affine in some fields, checked
against the definition on the Python methods themselves."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pycast import FieldBinding, Unit


def scaled(x, k):
    return k * x


class Cases:
    """Methods over parameters g, e, k and varying fields v, w (and s)."""

    def ohmic(self):
        return self.g * (self.w - self.v)

    def leak_through_helper(self):
        return -scaled(self.v - self.e, self.g) * 0.01

    def divided_by_parameter(self):
        return (self.v + 2.0 * self.w) / self.g - self.e

    def constant_nonlinearity(self):
        return math.exp(self.g) * self.v + math.sqrt(self.k)

    def branch_on_parameter(self):
        if self.k > 0.0:
            x = self.g * self.v
        else:
            x = -self.w
        return x + self.e

    def locals_updated(self):
        x = self.v
        x += self.w
        x *= self.g
        return x

    def product_of_varying(self):
        return self.g * self.s * (self.e - self.v)

    def square(self):
        return self.v * self.v

    def exponential(self):
        return math.exp(self.v / self.k)

    def by_varying(self):
        return self.g / self.v

    def branch_on_varying(self):
        return self.v if self.v > self.e else self.e

    def absolute(self):
        return abs(self.v - self.w)

    def loop(self):
        total = 0.0
        for _ in range(3):
            total += self.v
        return total


class Relaxing:
    """d s/dt of a state s relaxing towards a function of a free input w."""

    def towards_sigmoid(self):
        return (1.0 / (1.0 + math.exp(-(self.w - self.k))) - self.s) / self.g

    def offset_chosen_by_w(self):
        x = math.exp(self.w) if self.w > 0.0 else 0.0
        return x - self.s * self.k

    def rate_depends_on_w(self):
        return self.w * self.s

    def rate_chosen_by_w(self):
        return self.s if self.w > 0.0 else 2.0 * self.s

    def rate_through_exp_of_w(self):
        return math.exp(self.w) * (self.k - self.s)


@pytest.mark.parametrize("name, expected", [("towards_sigmoid", True), ("offset_chosen_by_w", True),
                                            ("rate_depends_on_w", False), ("rate_chosen_by_w", False),
                                            ("rate_through_exp_of_w", False)])
def test_free_inputs_may_shape_the_offset_but_not_the_coefficients(name, expected):
    u = Unit()
    sig = u.add_method(Relaxing, name, resolve)
    assert u.affine(sig, [("s",)], free=[("w",)]) is expected
    assert not u.affine(sig, [("s",), ("w",)])      # none is affine in w


AFFINE = ["ohmic", "leak_through_helper", "divided_by_parameter", "constant_nonlinearity",
          "branch_on_parameter", "locals_updated"]
NOT_AFFINE = ["product_of_varying", "square", "exponential", "by_varying", "branch_on_varying", "absolute",
              "loop"]
VARYING = [("v",), ("w",), ("s",)]


def resolve(path):
    return FieldBinding(path, "_".join(path), "double", False)


@pytest.fixture(scope="module")
def unit():
    unit = Unit()
    return unit, {name: unit.add_method(Cases, name, resolve) for name in AFFINE + NOT_AFFINE}


@pytest.mark.parametrize("name", AFFINE)
def test_affine_methods_are_found(unit, name):
    u, sigs = unit
    assert u.affine(sigs[name], VARYING)


@pytest.mark.parametrize("name", NOT_AFFINE)
def test_nonlinear_methods_are_refused(unit, name):
    u, sigs = unit
    assert not u.affine(sigs[name], VARYING)


def test_a_product_is_affine_when_one_factor_is_not_varying(unit):
    u, sigs = unit
    assert u.affine(sigs["product_of_varying"], [("v",)])
    assert not u.affine(sigs["product_of_varying"], [("v",), ("s",)])


@pytest.mark.parametrize("name", AFFINE)
def test_affine_verdicts_hold_on_the_python_methods(name):
    """f(x) = f(0) + sum_i (f(e_i) - f(0)) x_i at random points, with the method run by Python."""
    rng = np.random.default_rng(7)

    def run(v, w, s, params):
        case = Cases()
        case.v, case.w, case.s = v, w, s
        case.g, case.e, case.k = params
        return getattr(case, name)()

    for _ in range(20):
        params = rng.uniform(0.5, 2.0, 3)
        params[:2] *= rng.choice([-1.0, 1.0], 2)
        x = rng.uniform(-80.0, 40.0, 3)
        f0 = run(0.0, 0.0, 0.0, params)
        basis = [run(*np.eye(3)[i], params) - f0 for i in range(3)]
        assert run(*x, params) == pytest.approx(f0 + float(np.dot(basis, x)), rel=1e-12, abs=1e-9)
