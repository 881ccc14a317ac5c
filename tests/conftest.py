"""Session set-up shared by the whole suite."""


def pytest_sessionstart(session):
    # Numba keys a cached kernel on its own source file only: after an edit to
    # a kernel module that others call, drop the stale caches before any test
    # loads them (``make test`` also does this through ``make install``).
    from tracker.warm import purge_if_sources_changed

    purge_if_sources_changed()
