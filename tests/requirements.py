"""What a test needs, and what happens when it is missing: skip on a developer's
machine, fail in CI.

CI (``CI`` set to a true value in the environment, as ``.ci/run`` does) must not
turn a missing or broken NEURON, nrnivmodl or compiler runtime into a green run
of skips.  Only the documented cases skip everywhere: no GPU, no nvcc, not root
(those use ``pytest.skip``/``skipif`` directly).  Everything else goes through
``require`` / ``require_neuron`` here.
"""
import os

import pytest


def in_ci() -> bool:
    """Whether this run is CI: ``CI`` set to anything but empty, 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str, *, module_level: bool = False):
    """Skip with ``reason`` outside CI; fail with it in CI (never returns)."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def require(module: str, *, module_level: bool = False):
    """Import ``module`` and return it; if that raises, ``unavailable`` with the error."""
    import importlib
    try:
        return importlib.import_module(module)
    except Exception as exc:                       # ImportError, or a broken install
        reason = f"could not import {module}: {type(exc).__name__}: {exc}"
    unavailable(reason, module_level=module_level)     # outside the except: no chained traceback


def require_neuron(*, module_level: bool = False):
    """The ``neuron`` module: skipped without it outside CI, a failure in CI."""
    return require("neuron", module_level=module_level)


def require_morphio(*, module_level: bool = False):
    """``morphio`` (reads Neurolucida files): skipped without it outside CI, a failure in CI."""
    return require("morphio", module_level=module_level)
