"""ISS tracker: a numba SGP4/SDP4 core and the services built on it."""
__version__ = "0.1.0"
