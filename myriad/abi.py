"""The solver's ABI: ``myr_ctx``, the one structure Python and the compiled
solver share, declared once in :data:`FIELDS`.

Each row names a field, its C type, its group and who writes it.  From the
table derive the ctypes mirror (:class:`CContext`), the numba backend's named
views of the arrays (:func:`views`), what a device copies back after a run
(:data:`WRITTEN`), and the layout check: every generated library exports
``myr_ctx_layout`` (written by myriad.backends.c.codegen from this table), which
reports each field's offset and size as the C compiler laid out
csolver/myriad_solver.h, and :func:`check_layout` compares them with the
mirror's field by field, so two fields swapped in the header are caught even
when the structure's size is unchanged.  The run's status codes are declared
here too (:class:`Status`) and checked against the header's ``MYR_*`` names by
the same export.

Adding a field to ``myr_ctx``: a row here (in the header's order), the field in
the header, its use in csolver, and where myriad.context fills it.
"""
from __future__ import annotations

import ctypes
import enum
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from myriad.errors import BuildError


@dataclass(frozen=True)
class Field:
    """One member of ``myr_ctx``.  ``ctype`` is the C type of an element
    (``double``, ``int64``, ``int32``, ``int8``) followed by ``*`` for an
    array; ``group`` gathers fields that are passed together (the numba
    backend's views); ``writer`` is ``host`` for what Python fills before a
    run, ``run`` for what the run writes."""

    name: str
    ctype: str
    group: str
    writer: str = "host"


_ROWS = """
n_unknowns int64 size; n_y int64 size; n_slots int64 size; n_edges int64 size
Y double* data run; P double* data; S double* data run
yoff int64* model; poff int64* model; soff int64* model; count int64* model; ix int32** model
in_ptr int32* gathers; in_idx int32* gathers; jd_ptr int32* gathers; jd_idx int32* gathers
row_ptr int32* gathers; edge_col int32* gathers; edge_val int32* gathers
lin_in_ptr int32* gathers; lin_in_idx int32* gathers; lin_jd_ptr int32* gathers; lin_jd_idx int32* gathers
lin_ptr int32* gathers; lin_col int32* gathers; lin_slot int32* gathers
lin_c double* work run; lin_d double* work run; lin_val double* work run
n_xedge int64 size; xe_ptr int32* gathers; xe_idx int32* gathers
n_rowblk int64 size; rowblk_ptr int32* gathers; asm_rows int32* gathers
n_comp int64 size; comp_ptr int32* program; order int32* program
up_ptr int32* program; up_node int32* program; up_kj int32* program; up_jk int32* program
fill_ptr int32* program; fill_q int32* program; fill_e int32* program
comp_tree int8* program; tree_parent int32* program; tree_kj int32* program; tree_jk int32* program
tree_a double* program run
lt_patch_ptr int32* program; lt_patch int32* program
n_core int64 size; comp_core int8* program; core_unknown int32* program; core_ptr int32* program
core_col int32* program; core_val int32* program
core_a double* program run; core_vec double* program run; core_sum double* program run
core_tol double control; core_max_iter int64 size; core_iterations int64 output run
core_failed_step int64 output run
n_src int64 size; src_buf double* events run; src_off int64* events; src_cap int64* events
src_count int64* events run
n_det int64 size; det_src int32* events; det_y int32* events; det_thr double* events; det_gid int64* events
det_above int8* events run; det_vprev double* events run
n_tgt int64 size; tgt_ptr int32* events; tgt_cls int32* events; tgt_inst int64* events
con_src int32* events; con_delay double* events; con_weight double* events; con_cursor int64* events run
n_rec int64 size; rec_y int64* recording; rec_every int64* recording; rec_off int64* recording
rec_buf double* recording run
method int32 control; threads int32 control; do_init int32 control; has_algebraic int32 control
resume int32 control
dt double control; t0 double control
step0 int64 control; nsteps int64 control; check_every int64 control
cap double* work run; diag double* work run; rhs double* work run; dz double* work run; dv double* work run
K double* work run; Yst double* work run; Yacc double* work run; fault int64* work run
status int32 output run; n_spikes int64 output run; spk_t double* spikes run; spk_gid int64* spikes run
spk_cap int64 output; done int64 output run
lost_events int64 output run; bad_y int64 output run; bad_step int64 output run
fault_key int64 output run; fault_step int64 output run
progress int64 output run; reduce int64 output run
interrupt int32 control
"""


def _parse(rows: str) -> tuple[Field, ...]:
    fields = []
    for line in rows.strip().splitlines():
        for item in line.split(";"):
            name, ctype, group, *writer = item.split()
            fields.append(Field(name, ctype, group, *writer))
    return tuple(fields)


#: ``myr_ctx``'s members in the header's order
FIELDS = _parse(_ROWS)
BY_NAME = {f.name: f for f in FIELDS}


class Status(enum.IntEnum):
    """How a run ended (``c->status``; ``MYR_OK``, ``MYR_ERR_*`` in the header)."""

    OK = 0
    ERR_NOMEM = 1
    ERR_EVENTS_LOST = 2
    ERR_CORE = 3
    ERR_NONFINITE = 4
    INTERRUPTED = 5
    ERR_FAULT = 6


_SCALARS = {"double": ctypes.c_double, "int64": ctypes.c_int64, "int32": ctypes.c_int32, "int8": ctypes.c_int8}
_DTYPES = {"double": np.float64, "int64": np.int64, "int32": np.int32, "int8": np.int8}


def _ctypes_type(ctype: str):
    base = ctype.rstrip("*")
    typ = _SCALARS[base]
    for _ in range(len(ctype) - len(base)):
        typ = ctypes.POINTER(typ)
    return typ


class CContext(ctypes.Structure):
    _fields_ = [(f.name, _ctypes_type(f.ctype)) for f in FIELDS]


#: the array fields, each one numpy array (``ix``, a table of arrays, and the spikes apart)
ARRAYS = tuple(f.name for f in FIELDS if f.ctype.count("*") == 1 and f.group != "spikes")
#: what a run writes, copied back into the host context after a run on a device
WRITTEN = tuple(f.name for f in FIELDS if f.name in ARRAYS and f.writer == "run")


def dtype(name: str):
    """The numpy dtype of array field ``name``."""
    return _DTYPES[BY_NAME[name].ctype.rstrip("*")]


def group(name: str) -> tuple[str, ...]:
    """The fields of group ``name``, in the header's order."""
    return tuple(f.name for f in FIELDS if f.group == name)


def check_layout(where: str, size: int, offsets, sizes, statuses) -> None:
    """Refuse a library whose ``myr_ctx`` or status codes are not the table's,
    naming the first field that differs."""
    for f, offset, nbytes in zip(FIELDS, offsets, sizes):
        member = getattr(CContext, f.name)
        if (offset, nbytes) != (member.offset, member.size):
            raise BuildError(f"{where}: myr_ctx.{f.name} is at offset {offset} ({nbytes} bytes) in C but at "
                             f"{member.offset} ({member.size} bytes) in myriad/abi.py; csolver/myriad_solver.h "
                             f"and the table FIELDS disagree")
    if size != ctypes.sizeof(CContext):
        raise BuildError(f"{where}: myr_ctx is {size} bytes in C but {ctypes.sizeof(CContext)} in myriad/abi.py; "
                         f"csolver/myriad_solver.h and the table FIELDS disagree")
    for status, value in zip(Status, statuses):
        if status.value != value:
            raise BuildError(f"{where}: MYR_{status.name} is {value} in C but {status.value} in myriad/abi.py")


_VIEWS = {name: namedtuple(name.capitalize(), group(name)) for name in
          ("size", "model", "gathers", "program", "events", "recording", "work")}


def views(ctx: "Context") -> dict:
    """The context's fields grouped as named tuples (``size`` as integers, the
    others as arrays; ``model``'s ``ix`` as the context holds it)."""
    out = {}
    for name, cls in _VIEWS.items():
        if name == "size":
            out[name] = cls(*(int(getattr(ctx.c, f)) for f in cls._fields))
        else:
            out[name] = cls(*(ctx.array(f) for f in cls._fields))
    return out


_INDEX = ctypes.POINTER(ctypes.c_int32)


class Context:
    """A ``myr_ctx`` whose array fields point into numpy arrays kept alive here."""

    def __init__(self):
        self.c = CContext()
        self._keep: dict[str, object] = {}

    def set_array(self, name: str, array: np.ndarray) -> np.ndarray:
        kind = dtype(name)
        array = np.ascontiguousarray(array, dtype=kind)
        if array.size == 0:
            array = np.zeros(1, dtype=kind)
        self._keep[name] = array
        setattr(self.c, name, array.ctypes.data_as(type(getattr(self.c, name))))
        return array

    def set_pointer_table(self, name: str, arrays: list[np.ndarray]) -> None:
        arrays = [self.set_array_private(a) for a in arrays]
        table = (_INDEX * max(len(arrays), 1))(*[a.ctypes.data_as(_INDEX) for a in arrays])
        self._keep[name] = (arrays, table)
        setattr(self.c, name, ctypes.cast(table, ctypes.POINTER(_INDEX)))

    @staticmethod
    def set_array_private(array: np.ndarray) -> np.ndarray:
        array = np.ascontiguousarray(array, dtype=np.int32)
        return array if array.size else np.zeros(1, dtype=np.int32)

    def array(self, name: str) -> np.ndarray:
        return self._keep[name]

    def pointer(self):
        return ctypes.byref(self.c)
