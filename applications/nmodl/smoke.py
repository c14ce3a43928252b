"""The corpus smoke test: each MOD file translated, compiled, put in one
compartment (a density mechanism inserted, a point process placed) and run
for 5 ms at dt 0.025, in a child process of its own with a time limit, so
that no file can hang or crash the run.  One JSON line per file:
``{"file", "status": "ok" | "refused" | "failed", "reason"}``."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile

#: seconds one file may take (translate, compile, run)
TIME_LIMIT_S = 120.0


def run_one(path: str, directory: str) -> dict:
    """Translate, compile and run one file in this process; the outcome as a JSON-able dict."""
    from pycast import TranslationError

    from applications.neuro import Network, PointProcess
    from applications.nmodl import NmodlError, Refused, load
    from myriad.errors import MyriadError
    out = {"file": path, "status": "ok", "reason": ""}
    try:
        cls = load(path, directory)
        net = Network()
        soma = net.section("soma", L=20.0, diam=20.0, nseg=1, cm=1.0)
        (soma(0.5).place if issubclass(cls, PointProcess) else soma.insert)(cls)
        sim = net.simulation(method="backward_euler", dt=0.025)
        trace = sim.record(soma(0.5).node(), "v")
        v = sim.run(5.0)[trace]
        if not all(math.isfinite(x) for x in v):
            raise MyriadError("the membrane potential became NaN or infinite")
        out["reason"] = f"class {cls.__name__}, v(5 ms) = {float(v[-1]):.6g} mV"
    except Refused as exc:
        out.update(status="refused", reason=str(exc), construct=exc.construct)
    except (NmodlError, MyriadError, TranslationError) as exc:
        out.update(status="failed", reason=str(exc).splitlines()[0])
    return out


def run_many(paths: list[str], time_limit_s: float = TIME_LIMIT_S):
    """Yield each file's outcome, each file run in a child process."""
    with tempfile.TemporaryDirectory(prefix="myriad-nmodl-smoke-") as directory:
        for path in paths:
            command = [sys.executable, "-m", "applications.nmodl.smoke", path, directory]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, timeout=time_limit_s,
                                      env={**os.environ, "PYTHONUNBUFFERED": "1"})
            except subprocess.TimeoutExpired:
                yield {"file": path, "status": "failed", "reason": f"timed out after {time_limit_s:g} s"}
                continue
            lines = proc.stdout.strip().splitlines()
            try:
                yield json.loads(lines[-1])
            except (IndexError, json.JSONDecodeError):
                tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
                yield {"file": path, "status": "failed", "reason": f"crashed: {tail}"}


if __name__ == "__main__":
    print(json.dumps(run_one(sys.argv[1], sys.argv[2])))
