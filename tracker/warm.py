"""Warm numba's on-disk cache so a CLI user does not pay compile time.

Run by ``make install`` (``python -m tracker.warm``). Two steps:

1. Stale-cache guard. Numba keys a cached kernel on its own source file
   only, so a kernel that calls into another module (``stats`` calling
   ``sgp4.sgp4_sample``) would keep the old machine code after that other
   module changed. ``warm()`` fingerprints every ``tracker/kernels/*.py`` and,
   when the fingerprint differs from the one recorded at the last warm-up,
   deletes the cached kernels of that package before compiling again.
2. Calls every propagation kernel once on tiny inputs, with the argument
   types the library passes (float64 C-contiguous arrays, uint8 error codes),
   then ``warm_kernels()`` of any ``tracker.kernels`` module that defines one
   (the hook for other kernel modules). With a warm cache this takes well
   under a second; a cold one compiles for about a minute.
"""
from __future__ import annotations

import hashlib
import importlib
import pkgutil
import time
from pathlib import Path

KERNELS_DIR = Path(__file__).resolve().parent / "kernels"
_FINGERPRINT_NAME = "tracker-kernels-source.sha256"
_ISS = ("1 25544U 98067A   22196.51021208  .00006684  00000-0  12517-3 0  9992",
        "2 25544  51.6398 196.3106 0004941  13.7716  97.3744 15.49958191349577")
_MOLNIYA = ("1 09880U 77021A   06176.56157475  .00000421  00000-0  10000-3 0  9814",
            "2 09880  64.5968 349.3786 7069051 270.0229  16.3320  2.00813614112380")


def kernel_sources_fingerprint(kernels_dir: Path = KERNELS_DIR) -> str:
    """SHA-256 over the names and contents of the kernel package's sources."""
    digest = hashlib.sha256()
    for path in sorted(kernels_dir.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_dirs():
    """Where numba keeps this package's cached kernels (in-tree __pycache__,
    or the NUMBA_CACHE_DIR location numba derives from the source folder)."""
    import numba
    from numba.core.caching import _CacheLocator

    dirs = [KERNELS_DIR / "__pycache__"]
    if numba.config.CACHE_DIR:
        subpath = _CacheLocator.get_suitable_cache_subpath(str(KERNELS_DIR / "sgp4.py"))
        dirs.insert(0, Path(numba.config.CACHE_DIR) / subpath)
    return dirs


def purge_if_sources_changed() -> bool:
    """Delete the kernels' numba cache files if any kernel source changed
    since the last call; record the new fingerprint. Returns True if purged."""
    fingerprint = kernel_sources_fingerprint()
    dirs = _cache_dirs()
    stamp = dirs[0] / _FINGERPRINT_NAME
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return False
    stems = {p.stem for p in KERNELS_DIR.glob("*.py")}
    for d in dirs:
        if not d.is_dir():
            continue
        for f in d.iterdir():
            if f.suffix in (".nbi", ".nbc") and f.name.split(".", 1)[0] in stems:
                f.unlink(missing_ok=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint + "\n")
    return True


def warm_propagation() -> None:
    """Call each compiled propagation entry point once (near-Earth and
    resonant satellites): ``sgp4_init_many``, ``propagate_into`` (behind
    ``propagate`` and ``propagate_into``, one satellite or many),
    ``propagate_tsince_into`` and ``sgp4_one``; the kernels they call
    (``sgp4_sample``, ``near_earth_block``, ...) are compiled with them."""
    import numpy as np

    from tracker.kernels.sdp4 import RESONANCE_STATE_SIZE
    from tracker.kernels.sgp4 import sgp4_one
    from tracker.propagation import Elements, propagate, propagate_tsince

    els = Elements.from_tle([_ISS, _MOLNIYA])
    e, r, v = propagate(els, np.array([2459776.5, 2459777.5]), np.array([0.0, 0.25]))
    propagate_tsince(els, np.array([0.0, 720.0]))
    sgp4_one(els.coeffs, 1, 100.0, np.zeros(RESONANCE_STATE_SIZE), r[0, 0], v[0, 0])


def warm_kernel_modules() -> list[str]:
    """Call ``warm_kernels()`` of every ``tracker.kernels`` module defining it."""
    import tracker.kernels as pkg

    done = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        hook = getattr(module, "warm_kernels", None)
        if callable(hook):
            hook()
            done.append(info.name)
    return done


def warm_services() -> None:
    """Run the frames/shadow kernels and one pass and overflight search, so
    the kernels the services call with their own argument types are cached."""
    from tle.store import ElementStore
    from tracker.overflights import find_overflights
    from tracker.passes import passes_for_place
    from tracker.places import Place
    from tracker.position import warm_kernels

    warm_kernels()
    element_set = ElementStore.shipped().sets[0]
    store = ElementStore([element_set])
    place = Place.from_coordinates(48.85, 2.35)
    start = element_set.epoch_unix_s
    passes_for_place(place, start, 0.25, store=store)
    find_overflights(place, start, start + 21600.0, store=store, radius_km=2000.0)


def warm() -> float:
    """Purge stale kernel caches, then compile or load every kernel; seconds."""
    t0 = time.perf_counter()
    purge_if_sources_changed()
    warm_propagation()
    warm_kernel_modules()
    warm_services()
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"numba cache warm ({warm():.2f} s)")
