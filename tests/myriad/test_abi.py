"""The solver's ABI (myriad.abi) against csolver/myriad_solver.h: the table is
the header's struct, and a library whose struct or status codes differ from
the table is refused when loaded, naming the field."""
import re
import shutil

import pytest

from myriad import BuildError, Model, abi
from myriad.backends.c import codegen, toolchain
from myriad.backends.c.library import Library
from myriad.blocks import analyse
from myriad.cache import libraries
from tests.linear_models import Cell, Leak

HEADER = codegen.CSOLVER / "myriad_solver.h"


def _members(header: str) -> list[str]:
    """The member names of ``myr_ctx`` in the header, in order."""
    body = header.split("typedef struct myr_ctx {", 1)[1].split("} myr_ctx;", 1)[0]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.DOTALL)
    names = []
    for declaration in filter(str.strip, body.split(";")):
        first, *rest = declaration.split(",")
        names += [re.findall(r"\w+", part)[-1] for part in [first, *rest]]
    return names


def test_the_table_is_the_headers_struct_in_order():
    assert _members(HEADER.read_text()) == [f.name for f in abi.FIELDS]


def test_the_status_codes_are_the_headers():
    found = dict(re.findall(r"MYR_(OK|ERR_\w+|INTERRUPTED) = (\d+)", HEADER.read_text()))
    assert {name: int(value) for name, value in found.items()} == {s.name: s.value for s in abi.Status}


def _library_with(tmp_path, monkeypatch, edit) -> Library:
    """Load a tiny model's library compiled against a copy of csolver whose header ``edit`` changed."""
    copy = tmp_path / "csolver"
    shutil.copytree(codegen.CSOLVER, copy)
    header = copy / "myriad_solver.h"
    text = header.read_text()
    header.write_text(edit(text))
    assert header.read_text() != text
    monkeypatch.setattr(codegen, "CSOLVER", copy)
    model = Model()
    model.add_mechanism(Leak, model.add_node(Cell))
    return Library(libraries.build(codegen.generate(analyse(model)), toolchain.c_toolchain()))


def test_two_same_size_fields_swapped_in_the_header_are_refused(tmp_path, monkeypatch):
    def swap(text):
        return text.replace("    double *Y;\n    double *P;\n", "    double *P;\n    double *Y;\n")
    with pytest.raises(BuildError, match=r"myr_ctx\.Y is at offset 40 \(8 bytes\) in C but at 32"):
        _library_with(tmp_path, monkeypatch, swap)


def test_a_field_of_another_size_is_refused(tmp_path, monkeypatch):
    def narrow(text):
        return text.replace("    int32_t status;\n", "    int64_t status;\n")
    with pytest.raises(BuildError, match=r"myr_ctx\.status is at offset \d+ \(8 bytes\) in C but at \d+ \(4 bytes\)"):
        _library_with(tmp_path, monkeypatch, narrow)


def test_a_status_code_that_differs_is_refused(tmp_path, monkeypatch):
    def renumber(text):
        return text.replace("MYR_ERR_CORE = 3", "MYR_ERR_CORE = 7")
    with pytest.raises(BuildError, match="MYR_ERR_CORE is 7 in C but 3 in myriad/abi.py"):
        _library_with(tmp_path, monkeypatch, renumber)


def test_the_numba_views_are_named_by_the_table():
    views = {name: cls._fields for name, cls in abi._VIEWS.items()}
    assert views["gathers"] == abi.group("gathers") and "lin_ptr" in views["gathers"]
    assert set().union(*views.values()) <= set(abi.BY_NAME)
    assert set(abi.WRITTEN) <= set(abi.ARRAYS)
