"""The MOD files of the NEURON peers (``benchmarks/peers/mod``), compiled and loaded.

Mechanisms (the Myriad side uses the same equations):

* ``HalfGap`` (point process): ``i = g*(v - vgap)`` nA, outward.  A gap
  junction of conductance g (uS) between a and b is one HalfGap at a with
  ``vgap = v(b)`` and one at b with ``vgap = v(a)``, so the current into a is
  ``g*(v_b - v_a)``.
* ``GradedSyn`` (point process on the postsynaptic location):
  ``sinf(vpre) = 1/(1 + exp(-(vpre - vth)/vslope))``,
  ``ds/dt = (sinf(vpre) - s)/tau`` (cnexp), ``i = g*s*(v - e)`` nA outward,
  ``INITIAL s = sinf(vpre)``.

The mod files are compiled by :func:`compile_mechanisms` with ``nrnivmodl``
into a per-user cache (``$MYRIAD_CACHE_DIR`` or ``~/.cache/myriad``, directory
``nrnmech-<hash>``; the hash covers the mod files, the NEURON version, the
machine and whether CoreNEURON's copy is built too) built in a temporary
directory and renamed atomically, and loaded once per process by
:func:`load_mechanisms`.  For CoreNEURON they are built with ``nrnivmodl
-coreneuron`` (a separate cache entry; the NEURON side is the same) and
``$CORENEURONLIB`` names the CoreNEURON mechanism library, which NEURON
otherwise looks for only under ``./x86_64``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile

from benchmarks.peers.neuron_session import neuron_h

__all__ = [
    "MOD_DIR",
    "find_nrnivmodl",
    "built_library",
    "compile_mechanisms",
    "load_mechanisms",
]

#: the MOD files (HalfGap, GradedSyn)
MOD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mod")

#: the nrnivmodl output directory this process loaded the mechanisms from
_LOADED_DIR = None


def find_nrnivmodl():
    """Path of NEURON's ``nrnivmodl``: next to this Python, else on ``PATH``."""
    cand = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
    if os.path.isfile(cand) and os.access(cand, os.X_OK):
        return cand
    found = shutil.which("nrnivmodl")
    if found:
        return found
    raise RuntimeError("nrnivmodl not found next to %s nor on PATH; install NEURON (pip "
                       "install neuron) to compile %s" % (sys.executable, MOD_DIR))


def _mod_files(mod_dir=MOD_DIR):
    names = sorted(n for n in os.listdir(mod_dir) if n.endswith(".mod"))
    if not names:
        raise RuntimeError("no .mod files in %s" % mod_dir)
    return names


def _mech_hash(mod_dir=MOD_DIR, coreneuron=False):
    """Content hash of the mod files + NEURON version + machine (+ CoreNEURON build)."""
    try:
        import neuron  # noqa: WPS433

        version = getattr(neuron, "__version__", "?")
    except ImportError:  # pragma: no cover
        version = "?"
    dig = hashlib.sha256()
    dig.update(("neuron=%s;machine=%s;" % (version, platform.machine())).encode())
    if coreneuron:
        dig.update(b"coreneuron;")
    for name in _mod_files(mod_dir):
        with open(os.path.join(mod_dir, name), "rb") as fh:
            data = fh.read()
        dig.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return dig.hexdigest()[:20]


def _cache_root():
    root = os.environ.get("MYRIAD_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "myriad")
    os.makedirs(root, mode=0o700, exist_ok=True)
    return root


def built_library(path, name="libnrnmech.so"):
    """Path of library ``name`` under a nrnivmodl output directory, or None."""
    arches = [platform.machine(), "x86_64", "aarch64", "arm64", "i686", "powerpc", "umac"]
    for arch in arches:
        for sub in ("", ".libs"):
            lib = os.path.join(path, arch, sub, name)
            if os.path.isfile(lib) and os.path.getsize(lib) > 0:
                return lib
    return None


def _built(path, coreneuron):
    """Whether ``path`` holds a complete build (both libraries for CoreNEURON)."""
    return bool(built_library(path) and (
        not coreneuron or built_library(path, "libcorenrnmech.so")))


def compile_mechanisms(mod_dir=MOD_DIR, cache_dir=None, coreneuron=False):
    """Compile ``mod_dir/*.mod`` with nrnivmodl (cached); return the directory.

    ``coreneuron``: ``nrnivmodl -coreneuron``, which builds CoreNEURON's
    ``libcorenrnmech.so`` next to NEURON's library (in its own cache entry).

    The result lives in ``<cache>/nrnmech-<hash>`` where ``<cache>`` is
    ``cache_dir``, else ``$MYRIAD_CACHE_DIR``, else ``~/.cache/myriad``.  It is
    built in a temporary sibling directory and renamed into place, so
    processes racing to build it are safe (the loser discards its copy).  A
    failing nrnivmodl raises ``RuntimeError`` carrying its output.
    """
    root = cache_dir or _cache_root()
    os.makedirs(root, mode=0o700, exist_ok=True)
    target = os.path.join(root, "nrnmech-" + _mech_hash(mod_dir, coreneuron))
    if _built(target, coreneuron):
        return target
    nrnivmodl = find_nrnivmodl()
    tmp = tempfile.mkdtemp(prefix=".nrnmech-build-", dir=root)
    try:
        for name in _mod_files(mod_dir):
            shutil.copyfile(os.path.join(mod_dir, name), os.path.join(tmp, name))
        proc = subprocess.run([nrnivmodl] + (["-coreneuron"] if coreneuron else []) + ["."],
                              cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0 or not _built(tmp, coreneuron):
            raise RuntimeError(
                "nrnivmodl failed (exit %d) compiling %s:\n%s\n%s" % (
                    proc.returncode, mod_dir, proc.stdout[-6000:], proc.stderr[-6000:]))
        os.chmod(tmp, 0o700)
        if os.path.isdir(target) and not _built(target, coreneuron):
            # damaged earlier build: move it aside, then take its place
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not _built(target, coreneuron):
                raise
            # another process won the race; use its build
        else:
            tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if not _built(target, coreneuron):  # pragma: no cover
        raise RuntimeError("compiled mechanisms missing from %s" % target)
    return target


def load_mechanisms(mod_dir=MOD_DIR, cache_dir=None, coreneuron=False):
    """Compile (if needed) and load HalfGap/GradedSyn once per process; return ``h``.

    If the mechanisms are already known to NEURON (loaded earlier by this
    function, or auto-loaded from an ``x86_64`` directory in the working
    directory), nothing is loaded again.  ``coreneuron``: also build
    CoreNEURON's library and point ``$CORENEURONLIB`` at it.
    """
    global _LOADED_DIR
    h = neuron_h()
    if coreneuron:
        path = compile_mechanisms(mod_dir, cache_dir, coreneuron=True)
        os.environ["CORENEURONLIB"] = built_library(path, "libcorenrnmech.so")
    if _LOADED_DIR is not None or _mechanisms_present(h):
        return h
    if not coreneuron:
        path = compile_mechanisms(mod_dir, cache_dir)
    import neuron  # noqa: WPS433

    if not neuron.load_mechanisms(path, warn_if_already_loaded=False):
        raise RuntimeError("neuron.load_mechanisms(%r) found no library" % path)
    if not _mechanisms_present(h):  # pragma: no cover
        raise RuntimeError("HalfGap/GradedSyn not defined after loading %s" % path)
    _LOADED_DIR = path
    return h


def _mechanisms_present(h):
    return all(h.name_declared(n) for n in ("HalfGap", "GradedSyn"))
