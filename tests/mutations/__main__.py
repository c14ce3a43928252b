"""make mutate: apply each mutation of tests.mutations alone to a temporary
copy of the repository, run its tests there, print mutation | caught/survived
| seconds, exit 1 if any survived.  ``python -m tests.mutations [substring]``
runs only the mutations whose name contains the substring."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.mutations import MUTATIONS

ROOT = Path(__file__).resolve().parents[2]


def _files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: the working tree as it is."""
    out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                         capture_output=True, timeout=60).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def _copy(dest: Path) -> None:
    for rel in _files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)


def _apply(copy: Path, path: str, old: str, new: str) -> None:
    file = copy / path
    text = file.read_text()
    count = text.count(old)
    if count != 1:
        raise SystemExit(f"mutation text occurs {count} times in {path} (want 1): {old!r}")
    file.write_text(text.replace(old, new))


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTATIONS if not argv or any(a in m[0] for a in argv)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="myriad-mutate-") as tmp:
        base = Path(tmp) / "base"
        _copy(base)
        # the named tests must pass on the unmutated copy, or a "caught" means nothing
        named = sorted({t for m in chosen for t in m[4]})
        env = {**os.environ, "MYRIAD_CACHE_DIR": str(Path(tmp) / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *named],
                              cwd=base, env=env, capture_output=True, text=True, timeout=3600)
        print(f"baseline (no mutation) | {'passed' if proc.returncode == 0 else 'FAILED'} | "
              f"{time.monotonic() - start:.1f}", flush=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-2000:])
            return 2
        shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)
        for name, path, old, new, tests in chosen:
            copy = Path(tmp) / "copy"
            if copy.exists():
                shutil.rmtree(copy)
            shutil.copytree(base, copy, symlinks=True)
            _apply(copy, path, old, new)
            env = {**os.environ, "MYRIAD_CACHE_DIR": str(Path(tmp) / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
            start = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                   *tests], cwd=copy, env=env, capture_output=True, text=True, timeout=3600)
            seconds = time.monotonic() - start
            if proc.returncode in (0, 1):
                verdict = "caught" if proc.returncode == 1 else "survived"
            else:
                verdict = f"error (pytest rc {proc.returncode})"
                sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-2000:])
            rows.append((name, verdict, seconds))
            print(f"{name} | {verdict} | {seconds:.1f}", flush=True)
            shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'mutation'.ljust(width)} | verdict  | seconds")
    for name, verdict, seconds in rows:
        print(f"{name.ljust(width)} | {verdict.ljust(8)} | {seconds:7.1f}")
    bad = [r for r in rows if r[1] != "caught"]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} caught")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
