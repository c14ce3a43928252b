"""A search through a dask.distributed LocalCluster: the in-process result, even when a worker dies."""
import os
import signal
import sys

import numpy as np
import pytest
from tests.requirements import require

distributed = require("distributed", module_level=True)
cloudpickle = require("cloudpickle", module_level=True)
#: a LocalCluster starts worker processes: seconds per test
pytestmark = pytest.mark.slow

from applications import fit_hh  # noqa: E402
from myriad import search  # noqa: E402

# the workers cannot import this test module: send its classes by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class DiesOnce:
    """The objective, except that the first call anywhere kills its own process
    (SIGKILL, as the kernel's OOM killer would), in the middle of a batch."""

    def __init__(self, objective, marker):
        self.objective, self.marker = objective, marker

    def __call__(self, result):
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return self.objective(result)
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


def _evaluators_kept(token):
    """How many compiled evaluators of the problem ``token`` this worker keeps."""
    from myriad.search import problem
    return sum(key[0] == token for key in problem._EVALUATORS)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        yield client


def _search(problem, executor):
    return search.run(problem, "cmaes", 160, seed=7, popsize=16, executor=executor, progress=False)


def test_a_cluster_search_is_the_in_process_search(client):
    problem = fit_hh.problem()
    here = _search(problem, None)
    there = _search(problem, client)
    assert there.best == here.best and there.best_objective == here.best_objective
    for column in here.table.names:
        assert np.array_equal(there.table[column], here.table[column]), column
    kept = client.run(_evaluators_kept, problem.token)
    assert len(kept) == 2 and all(kept.values())     # both workers evaluated batches


def test_a_worker_killed_mid_search_loses_only_its_batch(client, tmp_path):
    problem = fit_hh.problem()
    here = _search(problem, None)
    marker = tmp_path / "killed"
    dying = search.Problem(build=problem.build, parameters=problem.parameters, tstop=problem.tstop,
                           dt=problem.dt, objective=DiesOnce(problem.objective, str(marker)))
    there = _search(dying, client)
    assert marker.exists()
    assert there.evaluations == here.evaluations == 160
    assert there.best == here.best
    assert np.array_equal(there.table["objective"], here.table["objective"])
    client.wait_for_workers(2, timeout=60)     # the nanny restarted the killed one
