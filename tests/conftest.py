"""Shared test set-up: a private compiled-model cache for the whole session."""
import os
import tempfile

import pytest


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
