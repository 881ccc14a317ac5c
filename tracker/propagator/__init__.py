"""SGP4/SDP4 propagator: numba kernels and the Elements/propagate API."""
