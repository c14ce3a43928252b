"""A sealed npz: arrays and one JSON document in an uncompressed zip whose
archive comment is the SHA-256 of every byte before it.

The file stays an ordinary npz (``numpy.load(path, allow_pickle=False)``
reads its arrays, and ``meta.json`` as bytes), but nothing in it is used
before the hash is checked: :func:`read` hashes the file as it reads it, in
one pass (parsing only the zip's and the arrays' headers on the way, with
every size bounded by the file's), and returns the arrays and the document
only when the hash is the one recorded.  Neither writing nor reading
unpickles anything: arrays of objects are refused, the JSON is parsed by
``json`` and the arrays' headers by ``numpy.lib.format`` (literals only).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

META = "meta.json"
#: the seal: a hex SHA-256 in the archive comment, the file's last bytes
SEAL = 64
_WHEN = (1980, 1, 1, 0, 0, 0)       # no timestamps: the same content gives the same bytes
_LOCAL = struct.Struct("<4s22xHH")  # a member's local header: signature, ..., name and extra lengths


class Damaged(ValueError):
    """The file is not a sealed npz whose seal matches its bytes."""


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_WHEN)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def write(path: str | Path, meta: dict, arrays: list[np.ndarray]) -> None:
    """Write ``meta`` (JSON-able) and ``arrays`` (numeric, no objects) to ``path``
    as ``meta.json``, ``0.npy``, ``1.npy``... and seal it.  Arrays are written
    from their own memory and the seal is computed 1 MiB at a time: storing a
    model right after flattening it must not raise the process's peak memory."""
    text = json.dumps(meta, separators=(",", ":")).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.comment = b"0" * SEAL
        archive.writestr(_member(META), text)
        for k, array in enumerate(arrays):
            if array.dtype.hasobject:
                raise TypeError("an array of objects")
            array = np.ascontiguousarray(array)
            with archive.open(_member(f"{k}.npy"), "w", force_zip64=True) as out:
                np.lib.format.write_array_header_1_0(out, np.lib.format.header_data_from_array_1_0(array))
                out.write(memoryview(array.reshape(-1).view(np.uint8)))     # the array's memory, not a copy
    with open(path, "r+b") as handle:
        size = os.fstat(handle.fileno()).st_size
        digest = hashlib.sha256()
        left = size - SEAL
        while left:
            chunk = handle.read(min(left, 1 << 20))
            digest.update(chunk)
            left -= len(chunk)
        handle.seek(size - SEAL)
        handle.write(digest.hexdigest().encode())


class _Reader:
    """Sequential reads of a file, each hashed.  (Hashing in a thread of its own,
    beside the reads and copies, was slower on the 2-core machine measured:
    ringtest medium's 29 MB took 40 ms instead of 33.)"""

    def __init__(self, handle):
        self.handle, self.at, self.hash = handle, 0, hashlib.sha256()

    def take(self, n: int) -> bytes:
        raw = self.handle.read(n)
        if len(raw) != n:
            raise Damaged("truncated")
        self.hash.update(raw)
        self.at += n
        return raw


def _array(reader: _Reader, size: int) -> np.ndarray:
    """An .npy member of ``size`` bytes: its header, then its data copied into
    memory numpy allocates (see myriad.cache.flat._load for why)."""
    magic = reader.take(8)
    if magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3):
        raise Damaged("not an .npy member")
    width = 2 if magic[6] == 1 else 4
    length = reader.take(width)
    if int.from_bytes(length, "little") > size:
        raise Damaged("an array's header is longer than its member")
    header = reader.take(int.from_bytes(length, "little"))
    fp = io.BytesIO(magic + length + header)
    version = np.lib.format.read_magic(fp)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(fp)
    if dtype.hasobject:
        raise Damaged("an array of objects")
    count = math.prod(shape)
    data = size - 8 - width - len(header)
    if data != count * dtype.itemsize:
        raise Damaged("an array's size disagrees with its header")
    raw = reader.take(data)
    return np.frombuffer(raw, dtype=dtype, count=count).copy().reshape(shape, order="F" if fortran else "C")


def _members(reader: _Reader, members: list[zipfile.ZipInfo], size: int) -> tuple[bytes | None, dict]:
    """The JSON and the arrays of ``members``, read (and hashed) in file order."""
    text, arrays = None, {}
    for info in members:
        if info.header_offset != reader.at or info.compress_type != zipfile.ZIP_STORED \
                or info.compress_size != info.file_size or info.file_size > size:
            raise Damaged("an unexpected member layout")
        signature, name_len, extra_len = _LOCAL.unpack(reader.take(_LOCAL.size))
        if signature != b"PK\x03\x04" or reader.take(name_len) != info.filename.encode():
            raise Damaged("a member's header disagrees with the directory")
        reader.take(extra_len)
        if info.filename == META:
            text = reader.take(info.file_size)
        elif info.filename.endswith(".npy") and info.filename[:-4].isdigit():
            arrays[int(info.filename[:-4])] = _array(reader, info.file_size)
        else:
            raise Damaged(f"an unexpected member {info.filename!r}")
    if size - SEAL < reader.at:
        raise Damaged("members overlap the seal")
    reader.take(size - SEAL - reader.at)
    return text, arrays


def read(path: str | Path) -> tuple[dict, list[np.ndarray]]:
    """The document and the arrays of a sealed npz; :class:`Damaged` (or OSError)
    unless every byte is the one sealed."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            with zipfile.ZipFile(handle) as archive:
                members = sorted(archive.infolist(), key=lambda info: info.header_offset)
                seal = archive.comment
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, struct.error, EOFError) as exc:
            raise Damaged(str(exc)) from None
        if len(seal) != SEAL or size < SEAL:
            raise Damaged("no seal")
        handle.seek(0)
        reader = _Reader(handle)
        text, arrays = _members(reader, members, size)
        if reader.hash.hexdigest().encode() != seal:
            raise Damaged("its SHA-256 is not the one recorded")
    if text is None or sorted(arrays) != list(range(len(arrays))):
        raise Damaged("members missing")
    try:
        meta = json.loads(text)
    except ValueError as exc:
        raise Damaged(str(exc)) from None
    return meta, [arrays[k] for k in range(len(arrays))]
