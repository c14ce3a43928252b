"""Shared test set-up: import paths, and a private compiled-model cache for the whole session.

The tests sit in folders by layer (pycast/, myriad/, applications/, peers/,
benchmarks/); the helpers they share stay in this folder.  Two entries on
sys.path make both ways they are imported work under any way of starting pytest:
the checkout's root, for ``tests.linear_models`` and so that ``myriad``,
``pycast``, ``applications`` and ``benchmarks`` are this checkout's packages and
never the test folders of the same names; and this folder, for the bare
``import pycast_models`` / ``from ctools import ...`` of tests/pycast.
"""
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
for _path in (str(TESTS), str(ROOT)):          # ROOT ends up first
    if _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)

from tests.requirements import in_ci  # noqa: E402  (needs ROOT on sys.path)

# CI runs are reproducible: the same examples every run, no example database carried
# between runs, and a failure prints the blob that replays it.  Elsewhere hypothesis
# keeps its default profile (random examples, the local .hypothesis database).  The
# profile is named "ci", replacing hypothesis's own, which it loads whenever CI is in the
# environment at all; loading one explicitly keeps the choice to in_ci()'s reading of CI
# (CI= or CI=false is not CI).  --hypothesis-profile on the command line still wins.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile("ci" if in_ci() else "default")


@pytest.fixture(scope="session", autouse=True)
def myriad_cache_dir():
    with tempfile.TemporaryDirectory(prefix="myriad-test-cache-") as path:
        os.chmod(path, 0o700)
        old = os.environ.get("MYRIAD_CACHE_DIR")
        os.environ["MYRIAD_CACHE_DIR"] = path
        yield path
        if old is None:
            os.environ.pop("MYRIAD_CACHE_DIR", None)
        else:
            os.environ["MYRIAD_CACHE_DIR"] = old
