"""The ``myriad`` command: what this machine offers, the compiled-model cache, and searches.

Other packages add subcommands through the entry-point group ``myriad.commands``
(a name and a callable ``main(argv, prog)``): ``myriad NAME ARGS...`` calls it
with ARGS.  The application layer adds ``nmodl`` so; myriad imports none of them
until one is asked for.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata

from myriad.cache import store
from myriad.errors import MyriadError


SEARCH_HELP = """Run the parameter search a TOML file describes (docs/search.md); the last line printed
is a JSON object.  Every value in the file is checked before a model is built.

A config file is code: it names modules, which are imported, and callables, which
are called, with your rights (model = { function = "subprocess:getoutput",
arguments = { cmd = "..." } } runs a shell command).  Run only configs you would
run as scripts.  The config's directory is added last on sys.path, so a module
beside it cannot shadow an installed one; directories listed in the file's
`path = [...]` go first, on purpose."""


def _openmp_works(cc: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp.c")
        with open(src, "w") as handle:
            handle.write("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
        proc = subprocess.run([cc, "-fopenmp", src, "-o", os.path.join(tmp, "omp")], capture_output=True)
        return proc.returncode == 0


def _cache_files():
    root = store.cache_dir()
    return root, [p for p in root.iterdir() if p.is_file()]


def info() -> None:
    cc = os.environ.get("CC", "cc")
    path = shutil.which(cc)
    print(f"C compiler : {path or 'not found (install gcc)'}")
    if path:
        print(f"OpenMP     : {'yes' if _openmp_works(cc) else 'no (install libgomp / a compiler with -fopenmp)'}")
    from myriad.backends.cuda import toolchain as cuda_toolchain
    try:
        nvcc = f"{cuda_toolchain.nvcc()} (builds for {cuda_toolchain.arch()})"
    except MyriadError as exc:
        nvcc = f"not usable: {exc}"
    print(f"nvcc       : {nvcc}")
    if cuda_toolchain.emulated():
        print("CUDA       : emulated on the CPU (MYRIAD_CUDA_EMULATE)")
    smi = shutil.which("nvidia-smi")
    gpu = "none"
    if smi:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True)
        gpu = out.stdout.strip() or "none"
    print(f"GPU        : {gpu}")
    root, files = _cache_files()
    size = sum(p.stat().st_size for p in files)
    print(f"cache      : {root} ({len(files)} files, {size / 2**20:.1f} MiB)")


def cache_info() -> None:
    use = store.usage()
    print(f"cache      : {use.root}")
    print(f"entries    : compiled models {use.libraries}, flattened models {use.flattened}")
    print(f"size       : {use.bytes / 2**20:.1f} MiB of {use.cap / 2**20:.0f} MiB (MYRIAD_CACHE_MAX_MB; "
          f"least recently used entries go first)")


def clear_cache() -> None:
    removed, size, kept, foreign = store.clear()
    print(f"removed {removed} files ({size / 2**20:.1f} MiB) from {store.cache_dir()}")
    if kept:
        names = sorted({p.name.split(".", 1)[0] or p.name for p in kept})
        print(f"kept {len(kept)} files that running processes are writing: {', '.join(names)}")
    if foreign:
        names = sorted(p.name for p in foreign)
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        print(f"left {len(names)} that are not the cache's: {', '.join(names[:5])}{more}")


def search(path: str, progress: bool | None) -> None:
    """Run the search a TOML file describes (see myriad.search.config); the last line is JSON."""
    from myriad.search import config, run
    cfg = config.load(path)
    from myriad.search.executors import InProcess
    where = cfg.address if cfg.address is not None else InProcess(cfg.threads)
    outcome = run(cfg.problem, cfg.strategy, cfg.budget, seed=cfg.seed, executor=where, batch=cfg.batch,
                  progress=progress, **cfg.options)
    if cfg.table:
        outcome.save(cfg.table)
    if cfg.plot:
        outcome.plot(cfg.plot)
    for name, value in outcome.best.items():
        print(f"{name} = {value:.8g}")
    print(f"best objective {outcome.best_objective:.6g} after {outcome.evaluations} evaluations "
          f"({outcome.strategy}, seed {outcome.seed}) in {outcome.wall_s:.1f} s")
    print(json.dumps({"best": outcome.best, "best_objective": outcome.best_objective,
                      "evaluations": outcome.evaluations, "strategy": outcome.strategy, "seed": outcome.seed,
                      "wall_s": outcome.wall_s, "table": str(cfg.table) if cfg.table else None}))


#: the entry-point group of subcommands other packages add
PLUGIN_GROUP = "myriad.commands"
BUILT_IN = ("info", "cache", "search")


def plugins() -> dict:
    """The installed subcommands of other packages, by name (entry points of PLUGIN_GROUP)."""
    from importlib.metadata import entry_points
    return {ep.name: ep for ep in entry_points(group=PLUGIN_GROUP) if ep.name not in BUILT_IN}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    added = plugins()
    if argv and argv[0] in added:
        added[argv[0]].load()(argv[1:], prog=f"myriad {argv[0]}")
        return
    p = argparse.ArgumentParser(prog="myriad", description=__doc__.split("\n\n")[0])
    p.add_argument("--version", action="version", version=f"myriad {metadata.version('myriad')}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="compilers, OpenMP, CUDA and the cache")
    cache = sub.add_parser("cache", help="the compiled-model cache: what it holds (info), or empty it of its "
                                         "entries (clear; refused unless the directory has its CACHEDIR.TAG)")
    cache.add_argument("action", choices=["info", "clear"], nargs="?", default="info")
    run = sub.add_parser("search", help="run the parameter search a TOML file describes",
                         description=SEARCH_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("config", help="the search's TOML file (see docs/search.md, myriad.search.config)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar (drawn only when stderr is a terminal)")
    for name, ep in sorted(added.items()):
        sub.add_parser(name, help=f"added by {ep.value.split(':')[0]} (myriad {name} --help)")
    args = p.parse_args(argv)
    try:
        if args.command == "info":
            info()
        elif args.command == "search":
            search(args.config, False if args.no_progress else None)
        elif args.action == "info":
            cache_info()
        else:
            clear_cache()
    except Exception as exc:
        from myriad.app_cli import error_line
        if not error_line(exc, "myriad"):
            raise
        sys.exit(2)


if __name__ == "__main__":
    main()
