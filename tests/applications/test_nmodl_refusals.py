"""Every construct the NMODL translator does not translate is refused with one
line: FILE:LINE:COLUMN: CONSTRUCT is not supported[: why] (tests/data/nmodl
holds one small MOD file per construct; a comment naming the construct in
random.mod and verbatim.mod must not be taken for it)."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.requirements import require_neuron

pytestmark = pytest.mark.neuron
require_neuron(module_level=True)

DATA = Path(__file__).resolve().parents[1] / "data" / "nmodl"
ROOT = Path(__file__).resolve().parents[2]

#: file -> (line, column, the construct as the message names it)
REFUSALS = {
    "verbatim.mod": (4, 1, "VERBATIM (C code inside NMODL)"),
    "pointer.mod": (3, 5, "POINTER"),
    "random.mod": (5, 16, "the random function normrand()"),
    "kinetic.mod": (4, 1, "KINETIC"),
    "write_cai.mod": (3, 24, "writing cai (USEION ca WRITE cai)"),
    "net_send.mod": (5, 5, "net_send (self-events)"),
    "watch.mod": (3, 5, "WATCH"),
    "function_table.mod": (2, 1, "FUNCTION_TABLE"),
    "array.mod": (4, 5, "the array shells[] (ASSIGNED)"),
    "solve_procedure.mod": (4, 5, "SOLVE update"),
    "reads_dt.mod": (6, 15, "reading dt (an explicit update each step)"),
    "artificial.mod": (1, 10, "ARTIFICIAL_CELL"),
    "two_arguments.mod": (3, 1, "NET_RECEIVE with 2 arguments"),
    "carried.mod": (6, 21, "'minf' kept from DERIVATIVE states for BREAKPOINT"),
    "state_update.mod": (4, 5, "assigning s in BREAKPOINT"),
    "flag.mod": (4, 9, "NET_RECEIVE's flag (self-events)"),
    "netreceive_initial.mod": (4, 5, "INITIAL inside NET_RECEIVE"),
    "unknown_call.mod": (4, 5, "the call printf()"),
    "unit_factor.mod": (4, 5, "the unit factor h = (planck) (joule-sec)"),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_refused_with_file_line_column_and_construct(name):
    from applications.nmodl import Refused, translate
    path = DATA / name
    line, column, construct = REFUSALS[name]
    with pytest.raises(Refused) as info:
        translate(path)
    assert str(info.value).startswith(f"{path}:{line}:{column}: {construct} is not supported"), str(info.value)
    assert info.value.construct == construct and "\n" not in str(info.value)


def test_a_syntax_error_names_nmodl_s_position():
    from applications.nmodl import NmodlError, translate
    path = DATA / "syntax.mod"
    with pytest.raises(NmodlError, match=rf"^{path}:3:1: NMODL syntax error: syntax error, unexpected BREAKPOINT"):
        translate(path)


def test_the_cli_prints_one_line_and_exits_2():
    proc = subprocess.run([sys.executable, "-m", "applications.nmodl", str(DATA / "random.mod")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    errors = [line for line in proc.stderr.splitlines() if "nmodl: error:" in line]
    assert errors == [f"nmodl: error: {DATA / 'random.mod'}:5:16: the random function normrand() is not supported: "
                      f"random numbers are not supported"], proc.stderr
