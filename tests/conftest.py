"""Fixtures shared by the whole suite: the oracles (skyfield with the same
data we use), our own loaded resources, and the API app. Each is built once;
plain helpers are in ``helpers.py``."""
import importlib.util
import os

import pytest

from helpers import FIXED_NOW


def pytest_sessionstart(session):
    # Numba keys a cached kernel on its own source file only: after an edit to
    # a kernel module that others call, drop the stale caches before any test
    # loads them (``make test`` also does this through ``make install``).
    from tracker.warm import purge_if_sources_changed

    purge_if_sources_changed()


def skyfield_data_dir() -> str:
    """skyfield-data's folder, found without importing the package (its
    ``get_skyfield_data_path`` warns that the bundled IERS file is old)."""
    spec = importlib.util.find_spec("skyfield_data")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


@pytest.fixture(autouse=True)
def empty_data_dir(tmp_path, monkeypatch):
    """No test reads or writes the user's element history: each gets an empty one."""
    monkeypatch.setenv("ISS_TRACKER_DATA", str(tmp_path / "iss-tracker-data"))


@pytest.fixture(scope="session")
def ts():
    """skyfield's built-in timescale with the polar-motion table of the
    skyfield-data package installed: the Earth orientation our frames use."""
    from skyfield.api import load
    from skyfield.data import iers

    ts = load.timescale(builtin=True)
    with open(os.path.join(skyfield_data_dir(), "finals2000A.all"), "rb") as f:
        iers.install_polar_motion_table(ts, iers.parse_x_y_dut1_from_finals_all(f))
    return ts


@pytest.fixture(scope="session")
def eph():
    """DE421 from the skyfield-data package, opened by skyfield."""
    from skyfield.api import load_file

    kernel = load_file(os.path.join(skyfield_data_dir(), "de421.bsp"))
    yield kernel
    kernel.close()


@pytest.fixture(scope="session")
def eop():
    from tracker.astro.frames import EarthOrientation
    return EarthOrientation.builtin()


@pytest.fixture(scope="session")
def sun():
    from tracker.astro.sun import SunEphemeris
    ephemeris = SunEphemeris.builtin()
    yield ephemeris
    ephemeris.close()


@pytest.fixture(scope="session")
def store():
    """The shipped element store (2015-2016 history and recent sets)."""
    from tle.store import ElementStore
    return ElementStore.shipped()


@pytest.fixture(scope="session")
def iss_sets():
    """The 78 shipped 2015-2016 ISS element sets, parsed by our parser."""
    from importlib import resources

    from tle.parse import parse_tle_file
    with (resources.files("tle") / "data" / "iss_2015_2016.tle").open() as f:
        return parse_tle_file(f, source="iss_2015_2016.tle")


@pytest.fixture(scope="module")
def app():
    """The API with a fixed clock (one per test module: its caches stay local)."""
    from tracker.api import create_app
    return create_app({"CLOCK": lambda: FIXED_NOW, "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()
