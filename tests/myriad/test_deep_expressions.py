"""Deeply nested expressions (a generated 5000-term sum, a long product, nested
parentheses) translate and run on every backend, giving what Python computes;
one nested beyond pycast's bound is refused with its file and line, never a
RecursionError."""
import importlib.util

import numpy as np
import pytest

from applications.neuro import Network
from myriad import BuildError, ModelError
from pycast import TranslationError
from pycast.depth import MAX_DEPTH, deep_recursion

TERMS = 5000

_TEMPLATE = '''\
from myriad import Param, State
from applications.neuro import DensityChannel


class Deep(DensityChannel):
    k = Param(1.0001)
    total = State(0.0)
    product = State(0.0)
    nested = State(0.0)

    def initialize(self):
        a = self.k
        self.total = {total}
        self.product = {product}
        self.nested = {nested}

    def ddt_total(self):
        return 0.0

    def ddt_product(self):
        return 0.0

    def ddt_nested(self):
        return 0.0
'''


def _module(tmp_path, terms: int, name: str):
    """A generated mechanism module, imported as Python itself could not at its
    default recursion limit (a 5000-term line is too deep for it too)."""
    total = " + ".join(f"a * {k % 7 + 1}.25" for k in range(terms))
    product = " * ".join(["a"] * terms)
    nested = "(" * 150 + "a" + "".join(f" - {k}.5)" for k in range(150))   # Python's parser stops at 200
    path = tmp_path / f"{name}.py"
    path.write_text(_TEMPLATE.format(total=total, product=product, nested=nested))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    with deep_recursion():
        spec.loader.exec_module(module)
    return module


def _backend(backend, monkeypatch):
    if backend == "cuda-emulated":
        monkeypatch.setenv("MYRIAD_CUDA_EMULATE", "1")
        return "cuda"
    return backend


@pytest.mark.slow       # compiling a 5000-term sum (and, on numba, the solver)
@pytest.mark.parametrize("backend", ["openmp", "numba", "cuda-emulated"])
def test_a_5000_term_sum_runs_and_equals_python(tmp_path, backend, monkeypatch):
    deep = _module(tmp_path, TERMS, f"deep_{backend.replace('-', '_')}").Deep
    net = Network()
    soma = net.section("soma", L=10.0, diam=10.0, nseg=1)
    (ref,) = soma.insert(deep)
    sim = net.simulation(backend=_backend(backend, monkeypatch), dt=0.25)
    for name in ("total", "product", "nested"):
        sim.record(ref, name, label=name)
    result = sim.run(0.25)

    class Instance:
        k = 1.0001
    expected = Instance()
    with deep_recursion():
        deep.initialize(expected)
    for name in ("total", "product", "nested"):
        assert result[name][0] == getattr(expected, name), name     # bit for bit, as C does it in order
    assert np.isfinite(result["total"]).all()


def test_an_expression_beyond_the_bound_is_one_translation_error_naming_its_line(tmp_path):
    deep = _module(tmp_path, MAX_DEPTH + 10, "too_deep").Deep
    net = Network()
    net.section("soma", L=10.0, diam=10.0, nseg=1).insert(deep)
    with pytest.raises((TranslationError, ModelError, BuildError)) as caught:
        net.simulation().compile()
    message = str(caught.value)
    assert f"too_deep.py:13:" in message and f"at most {MAX_DEPTH} levels" in message
    assert "Recursion" not in message
