"""Warm numba's on-disk cache so a CLI user does not pay compile time.

Run by ``make install`` (``python -m tracker.warm``). Two steps:

1. Stale-cache guard. Numba keys a cached kernel on its own source file
   only, so a kernel that calls into another module (``stats`` calling
   ``sgp4.sgp4_sample``) would keep the old machine code after that other
   module changed. ``warm()`` fingerprints the sources of every package that
   holds numba kernels (``KERNEL_PACKAGES``) and, when the fingerprint differs
   from the one recorded at the last warm-up, deletes those packages' cached
   kernels before compiling again.
2. Calls every propagation kernel once on tiny inputs, with the argument
   types the library passes (float64 C-contiguous arrays, uint8 error codes),
   then ``warm_kernels()`` of any module in those packages that defines one
   (the hook for other kernel modules). With a warm cache this takes well
   under a second; a cold one compiles for about a minute.
"""
from __future__ import annotations

import hashlib
import importlib
import pkgutil
import time
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
KERNEL_PACKAGES = ("propagator", "astro", "services")
_FINGERPRINT_NAME = "tracker-kernels-source.sha256"
_ISS = ("1 25544U 98067A   22196.51021208  .00006684  00000-0  12517-3 0  9992",
        "2 25544  51.6398 196.3106 0004941  13.7716  97.3744 15.49958191349577")
_MOLNIYA = ("1 09880U 77021A   06176.56157475  .00000421  00000-0  10000-3 0  9814",
            "2 09880  64.5968 349.3786 7069051 270.0229  16.3320  2.00813614112380")


def _kernel_sources() -> list[Path]:
    return sorted(p for pkg in KERNEL_PACKAGES for p in (PACKAGE_DIR / pkg).glob("*.py"))


def kernel_sources_fingerprint() -> str:
    """SHA-256 over the names and contents of the kernel packages' sources."""
    digest = hashlib.sha256()
    for path in _kernel_sources():
        digest.update(f"{path.parent.name}/{path.name}".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_files():
    """This package's numba cache files: the in-tree ``__pycache__`` folders,
    and under ``NUMBA_CACHE_DIR`` (when set) the folders numba named after
    ours (their names contain the package path)."""
    import numba

    for pkg in KERNEL_PACKAGES:
        yield from (PACKAGE_DIR / pkg / "__pycache__").glob("*.nb[ic]")
    if numba.config.CACHE_DIR:
        root = Path(numba.config.CACHE_DIR)
        for pkg in KERNEL_PACKAGES:
            marker = f"tracker_{pkg}"
            yield from (f for f in root.rglob("*.nb[ic]") if marker in str(f.parent))


def _stamp_path() -> Path:
    return PACKAGE_DIR / "propagator" / "__pycache__" / _FINGERPRINT_NAME


def purge_if_sources_changed() -> bool:
    """Delete the kernels' numba cache files if any kernel source changed
    since the last call; record the new fingerprint. Returns True if purged."""
    fingerprint = kernel_sources_fingerprint()
    stamp = _stamp_path()
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return False
    for f in list(_cache_files()):
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

    from tracker.propagator.deep import RESONANCE_STATE_SIZE
    from tracker.propagator.near import sgp4_one
    from tracker.propagator.api import Elements, propagate, propagate_tsince

    els = Elements.from_tle([_ISS, _MOLNIYA])
    e, r, v = propagate(els, np.array([2459776.5, 2459777.5]), np.array([0.0, 0.25]))
    propagate_tsince(els, np.array([0.0, 720.0]))
    sgp4_one(els.coeffs, 1, 100.0, np.zeros(RESONANCE_STATE_SIZE), r[0, 0], v[0, 0])


def warm_kernel_modules() -> list[str]:
    """Call ``warm_kernels()`` of every kernel-package module defining it."""
    done = []
    for pkg in KERNEL_PACKAGES:
        for info in pkgutil.iter_modules([str(PACKAGE_DIR / pkg)]):
            name = f"tracker.{pkg}.{info.name}"
            module = importlib.import_module(name)
            hook = getattr(module, "warm_kernels", None)
            if callable(hook):
                hook()
                done.append(name)
    return done


def warm_services() -> None:
    """Run one pass and overflight search, so
    the kernels the services call with their own argument types are cached."""
    from tle.store import ElementStore
    from tracker.services.overflights import find_overflights
    from tracker.services.passes import passes_for_place
    from tracker.places.gazetteer import Place

    element_set = ElementStore.shipped().sets[0]
    store = ElementStore([element_set])
    place = Place.from_coordinates(48.85, 2.35)
    start = element_set.epoch_unix_s
    passes_for_place(place, start, 0.25, store=store)
    find_overflights(place, start, start + 21600.0, store=store, radius_km=2000.0)


def warm_gazetteer() -> None:
    """Build and store the gazetteer's name index on disk
    (:mod:`tracker.places.index_cache`), so that a user's first ``--city``
    loads it in tens of milliseconds instead of building it in 1-2 s."""
    from tracker.places.gazetteer import default_gazetteer

    default_gazetteer()


def warm() -> float:
    """Purge stale kernel caches, then compile or load every kernel, and
    write the gazetteer cache; seconds."""
    t0 = time.perf_counter()
    purge_if_sources_changed()
    warm_propagation()
    warm_kernel_modules()
    warm_services()
    warm_gazetteer()
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"numba cache warm ({warm():.2f} s)")
