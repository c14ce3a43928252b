"""from_neuron ends a run where NEURON's fixed step ends it when the stop time
is not a whole number of steps (Myriad's runs end on a step)."""
import json
import subprocess
import sys

import pytest
from tests.requirements import require_neuron

from applications.from_neuron import on_step_grid

STOPS = [1.0, 1.05, 1.1, 0.95, 1.19, 1.2, 0.15, 0.3, 100.0, 100.01]

NEURON_SIDE = """
import json, sys
from neuron import h
h.load_file("stdrun.hoc")
soma = h.Section(name="soma")
pc = h.ParallelContext()
pc.set_maxstep(10)
out = {}
for dt in (0.3, 0.025):
    for stop in json.loads(sys.argv[1]):
        for call in ("psolve", "continuerun"):
            h.dt = dt
            h.finitialize(-65)
            pc.psolve(stop) if call == "psolve" else h.continuerun(stop)
            out[f"{dt} {stop} {call}"] = h.t
print(json.dumps(out))
"""


@pytest.mark.neuron
def test_the_run_ends_where_neurons_psolve_and_continuerun_end_it():
    require_neuron()
    proc = subprocess.run([sys.executable, "-c", NEURON_SIDE, json.dumps(STOPS)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    ends = json.loads(proc.stdout.strip().splitlines()[-1])
    for key, t in ends.items():
        dt, stop, call = key.split()
        ours = on_step_grid(float(stop), float(dt), f"{call}({stop})")
        assert round(ours / float(dt)) == round(t / float(dt)), key
