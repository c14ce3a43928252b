"""One MOD file to the Python source of one Myriad mechanism class."""
from __future__ import annotations

from applications.nmodl.emit import module_source
from applications.nmodl.plan import Plan
from applications.nmodl.reading import declarations
from applications.nmodl.refusals import check


def translate(path: str) -> str:
    """The generated module's source; raises Refused for what is not supported."""
    decl = declarations(str(path))
    check(decl)
    return module_source(Plan(decl))
