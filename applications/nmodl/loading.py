"""Generated source made into a class: written to a file (pycast reads a
method's source from its file) and imported under a name unique to its
content, so that two versions of a mechanism never share a module."""
from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

from myriad.atomic import write_atomic

from applications.nmodl.translation import translate

_CLASS = re.compile(r"^class (\w+)\(", re.M)


def load_source(source: str, directory) -> type:
    """The class defined by generated ``source``, written under ``directory``."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    module_name = f"myriad_nmodl_{digest}"
    if module_name not in sys.modules:
        path = Path(directory) / f"{module_name}.py"
        if not (path.exists() and path.read_text() == source):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, source)
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return getattr(sys.modules[module_name], _CLASS.search(source).group(1))


def load(path, directory) -> type:
    """Translate the MOD file ``path`` and import its class (module file in ``directory``)."""
    return load_source(translate(path), directory)
