"""ctypes mirror of csolver's ``myr_ctx`` and the loaded library.

The field list below follows csolver/myriad_solver.h line by line; loading a
library checks ``sizeof(myr_ctx)`` against it.  Arrays are numpy arrays held
by :class:`Context` so that C sees them without copies for as long as the
context lives.
"""
from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from myriad.errors import BuildError

_D = ctypes.POINTER(ctypes.c_double)
_I64 = ctypes.POINTER(ctypes.c_int64)
_I32 = ctypes.POINTER(ctypes.c_int32)
_I8 = ctypes.POINTER(ctypes.c_int8)

_FIELDS = [
    ("n_unknowns", ctypes.c_int64), ("n_y", ctypes.c_int64), ("n_slots", ctypes.c_int64),
    ("n_edges", ctypes.c_int64),
    ("Y", _D), ("P", _D), ("S", _D),
    ("yoff", _I64), ("poff", _I64), ("soff", _I64), ("count", _I64), ("ix", ctypes.POINTER(_I32)),
    ("in_ptr", _I32), ("in_idx", _I32), ("jd_ptr", _I32), ("jd_idx", _I32),
    ("row_ptr", _I32), ("edge_col", _I32), ("edge_val", _I32),
    ("lin_in_ptr", _I32), ("lin_in_idx", _I32), ("lin_jd_ptr", _I32), ("lin_jd_idx", _I32),
    ("lin_ptr", _I32), ("lin_col", _I32), ("lin_slot", _I32), ("lin_c", _D), ("lin_d", _D), ("lin_val", _D),
    ("n_xedge", ctypes.c_int64), ("xe_ptr", _I32), ("xe_idx", _I32),
    ("n_rowblk", ctypes.c_int64), ("rowblk_ptr", _I32), ("asm_rows", _I32),
    ("n_comp", ctypes.c_int64), ("comp_ptr", _I32), ("order", _I32),
    ("up_ptr", _I32), ("up_node", _I32), ("up_kj", _I32), ("up_jk", _I32),
    ("fill_ptr", _I32), ("fill_q", _I32), ("fill_e", _I32),
    ("comp_tree", _I8), ("tree_parent", _I32), ("tree_kj", _I32), ("tree_jk", _I32), ("tree_a", _D),
    ("lt_patch_ptr", _I32), ("lt_patch", _I32),
    ("n_core", ctypes.c_int64), ("comp_core", _I8), ("core_unknown", _I32), ("core_ptr", _I32),
    ("core_col", _I32), ("core_val", _I32), ("core_a", _D), ("core_vec", _D), ("core_sum", _D),
    ("core_tol", ctypes.c_double), ("core_max_iter", ctypes.c_int64), ("core_iterations", ctypes.c_int64),
    ("core_failed_step", ctypes.c_int64),
    ("n_src", ctypes.c_int64), ("src_buf", _D), ("src_off", _I64), ("src_cap", _I64), ("src_count", _I64),
    ("n_det", ctypes.c_int64), ("det_src", _I32), ("det_y", _I32), ("det_thr", _D), ("det_gid", _I64),
    ("det_above", _I8), ("det_vprev", _D),
    ("n_tgt", ctypes.c_int64), ("tgt_ptr", _I32), ("tgt_cls", _I32), ("tgt_inst", _I64),
    ("con_src", _I32), ("con_delay", _D), ("con_weight", _D), ("con_cursor", _I64),
    ("n_rec", ctypes.c_int64), ("rec_y", _I64), ("rec_every", _I64), ("rec_off", _I64), ("rec_buf", _D),
    ("method", ctypes.c_int32), ("threads", ctypes.c_int32), ("do_init", ctypes.c_int32),
    ("has_algebraic", ctypes.c_int32), ("resume", ctypes.c_int32),
    ("dt", ctypes.c_double), ("t0", ctypes.c_double),
    ("step0", ctypes.c_int64), ("nsteps", ctypes.c_int64), ("check_every", ctypes.c_int64),
    ("cap", _D), ("diag", _D), ("rhs", _D), ("dz", _D), ("dv", _D),
    ("K", _D), ("Yst", _D), ("Yacc", _D),
    ("status", ctypes.c_int32), ("n_spikes", ctypes.c_int64), ("spk_t", _D), ("spk_gid", _I64),
    ("spk_cap", ctypes.c_int64), ("done", ctypes.c_int64),
    ("lost_events", ctypes.c_int64), ("bad_y", ctypes.c_int64), ("bad_step", ctypes.c_int64),
    ("progress", ctypes.c_int64), ("reduce", ctypes.c_int64),
]

_CTYPE_OF = {_D: np.float64, _I64: np.int64, _I32: np.int32, _I8: np.int8}
#: the array fields (``ix``, a table of arrays, and the spikes apart)
ARRAYS = tuple(name for name, ptype in _FIELDS if ptype in _CTYPE_OF and name not in ("spk_t", "spk_gid"))


class CContext(ctypes.Structure):
    _fields_ = _FIELDS


class Library:
    """A compiled model library with its entry points typed."""

    def __init__(self, path: Path):
        try:
            self.dll = ctypes.CDLL(str(path))
        except OSError as exc:
            raise BuildError(f"cannot load compiled model {path}: {exc}") from exc
        self.dll.myr_ctx_size.restype = ctypes.c_int64
        size = self.dll.myr_ctx_size()
        if size != ctypes.sizeof(CContext):
            raise BuildError(f"{path}: myr_ctx is {size} bytes in C but {ctypes.sizeof(CContext)} "
                             f"in myriad/runtime.py; the two definitions disagree")
        self.dll.myr_rk4_rate.argtypes = [ctypes.POINTER(CContext), ctypes.POINTER(ctypes.c_int64)]
        self.dll.myr_rk4_rate.restype = ctypes.c_double
        if hasattr(self.dll, "myr_run"):        # the OpenMP target's; the CUDA target's are myriad.cuda_runtime's
            self.dll.myr_run.argtypes = [ctypes.POINTER(CContext)]
            self.dll.myr_run.restype = ctypes.c_int32
            self.dll.myr_release.argtypes = [ctypes.POINTER(CContext)]
            self.dll.myr_release.restype = None
        self.path = path


class Context:
    """A ``myr_ctx`` whose array fields point into numpy arrays kept alive here."""

    def __init__(self):
        self.c = CContext()
        self._keep: dict[str, object] = {}

    def set_array(self, name: str, array: np.ndarray) -> np.ndarray:
        ptype = dict(_FIELDS)[name]
        dtype = _CTYPE_OF[ptype]
        array = np.ascontiguousarray(array, dtype=dtype)
        if array.size == 0:
            array = np.zeros(1, dtype=dtype)
        self._keep[name] = array
        setattr(self.c, name, array.ctypes.data_as(ptype))
        return array

    def set_pointer_table(self, name: str, arrays: list[np.ndarray]) -> None:
        arrays = [self.set_array_private(a) for a in arrays]
        table = (_I32 * max(len(arrays), 1))(*[a.ctypes.data_as(_I32) for a in arrays])
        self._keep[name] = (arrays, table)
        setattr(self.c, name, ctypes.cast(table, ctypes.POINTER(_I32)))

    @staticmethod
    def set_array_private(array: np.ndarray) -> np.ndarray:
        array = np.ascontiguousarray(array, dtype=np.int32)
        return array if array.size else np.zeros(1, dtype=np.int32)

    def array(self, name: str) -> np.ndarray:
        return self._keep[name]

    def pointer(self):
        return ctypes.byref(self.c)
