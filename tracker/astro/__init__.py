"""Time, frames, the Sun and visibility: the sky around the propagator."""
