"""What the generated source says for the constructs that NEURON's own files
do not exercise (tests/data/nmodl/features.mod), and that it runs: its leak
current at rest against the same arithmetic done here."""
from pathlib import Path

import pytest

from tests.requirements import require_neuron

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

FEATURES = Path(__file__).resolve().parents[1] / "data" / "nmodl" / "features.mod"


@pytest.fixture(scope="module")
def source():
    from applications.nmodl import translate
    return translate(FEATURES)


def test_a_file_without_suffix_is_named_after_the_file(source):
    assert "class features(DensityChannel):" in source


def test_a_scaled_unit_factor_is_divided_by_its_scale(source):
    assert "FARADAY = 9.648533212331001" in source


def test_a_python_keyword_gets_an_underscore(source):
    assert "lambda_ = Param(2.0)" in source and "self.lambda_" in source


def test_a_local_read_before_assignment_starts_at_zero(source):
    body = source.split("def current(self):")[1]
    assert body.index("x = 0.0") < body.index("if self.node.v > 0.0:")


def test_a_procedure_assigning_its_argument_gets_a_local_copy(source):
    assert "u = self.node.v" in source and "u = u / 2.0" in source


def test_builtins_become_python(source):
    assert "abs(self.lambda_) ** 2.0" in source and "float(math.floor(0.5))" in source


def test_it_runs(tmp_path):
    from applications.neuro import Network
    from applications.nmodl import load
    cls = load(FEATURES, tmp_path)
    net = Network()
    soma = net.section("soma", L=20.0, diam=20.0, v_init=-60.0)
    soma.insert(cls)
    sim = net.simulation(dt=0.025)
    trace = sim.record(soma(0.5).node(), "v")
    v = sim.run(0.025)[trace]
    # one backward Euler step of cm dv/dt = -g (v + 65) from -60 mV (x = 0 below 0 mV), cm = 1 uF/cm2
    g, dt = 0.001 * 1e3, 0.025          # mS/cm2 / uF/cm2 = 1/ms
    expected = -65.0 + 5.0 / (1.0 + g * dt)
    assert v[-1] == pytest.approx(expected, abs=1e-9)


def test_a_current_nothing_assigns_is_an_input():
    from applications.nmodl import translate
    source = translate(FEATURES.parent / "unassigned_current.mod")
    assert "il = Param(0.0, unit='mA/cm2'" in source and "return self.il" in source
