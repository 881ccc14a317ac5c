"""``njit`` and ``prange`` for the kernels, with numba kept out of one-shot commands.

Every kernel module imports ``from tracker.jit import njit, prange`` instead
of from numba. Normally (``MODE == "numba"``) they *are* numba's: the
kernels compile, or load from numba's on-disk cache, exactly as with
``numba.njit``.

A one-shot command that evaluates a handful of instants (``iss-tracker
now``) pays more for importing numba (~0.4 s) and loading cached machine
code than for the arithmetic. ``interpret()``, called before any kernel
module is imported, makes ``njit`` return a :class:`Kernel` that runs the
plain Python function (the same source, so the same formulas; ``prange`` is
``range``). numba is then never imported. Python's math differs from
numba's in one way that matters here: ``math.sqrt(-1.0)`` and friends raise
``ValueError`` where compiled code returns NaN. A command that meets such an
error (or any other arithmetic error) calls ``compile_all()`` and runs
again: every :class:`Kernel` then becomes numba's dispatcher, everywhere
it is referenced, and the answer is the compiled kernels' own.
"""
from __future__ import annotations

import sys

MODE = "numba"          # or "python": see interpret()
_KERNELS: list["Kernel"] = []


def _python_prange(*args):
    """``range``: ``prange`` of the Python mode (numba's replaces it in ``compile_all``)."""
    return range(*args)


def __getattr__(name):
    # ``from tracker.jit import prange``: numba's in numba mode, range in Python mode
    if name == "prange":
        if MODE == "numba":
            import numba
            return numba.prange
        return _python_prange
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Kernel:
    """A kernel run as plain Python until ``compile_all()`` makes it numba's."""

    def __init__(self, fn, options):
        self.py_func = fn
        self.options = options
        self.compiled = None
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__doc__ = fn.__doc__
        self.__module__ = fn.__module__

    def __call__(self, *args, **kwargs):
        if self.compiled is not None:
            return self.compiled(*args, **kwargs)
        return self.py_func(*args, **kwargs)

    def __getattr__(self, name):          # numba's dispatcher API (signatures, ...)
        if name.startswith("__"):
            raise AttributeError(name)
        compile_all()
        return getattr(self.compiled, name)


def njit(*args, **options):
    """``numba.njit`` (the same arguments), or a :class:`Kernel` in Python mode."""
    if MODE == "numba":
        import numba
        return numba.njit(*args, **options)
    if args and callable(args[0]) and len(args) == 1 and not options:
        kernel = Kernel(args[0], {})
        _KERNELS.append(kernel)
        return kernel

    def wrap(fn):
        kernel = Kernel(fn, options)
        _KERNELS.append(kernel)
        return kernel
    return wrap


def _kernel_modules():
    return [m for name, m in list(sys.modules.items())
            if m is not None and (name.startswith("tracker.") or name.startswith("tle."))]


def interpret() -> bool:
    """Run the kernels as plain Python from now on; True if that took
    effect (no kernel module has been imported yet, which would already
    hold numba's dispatchers)."""
    global MODE
    if MODE == "python":
        return True
    # a kernel module imported in numba mode holds numba's dispatchers (it imported
    # our njit, which handed them out): mixing those with Python kernels cannot work
    if any(getattr(m, "njit", None) is njit for m in _kernel_modules() if m.__name__ != __name__):
        return False
    MODE = "python"
    return True


def compile_all() -> None:
    """Make every kernel numba's, in every module that refers to it: later
    calls (and kernels calling kernels) run compiled code. Idempotent."""
    global MODE
    import numba
    MODE = "numba"
    # every module global that is a Kernel becomes its dispatcher, so that numba,
    # typing a kernel, finds dispatchers among its globals (and module attributes)
    for kernel in _KERNELS:
        if kernel.compiled is None:
            kernel.compiled = numba.njit(**kernel.options)(kernel.py_func)
    for module in _kernel_modules():
        namespace = module.__dict__
        for name, value in list(namespace.items()):
            if isinstance(value, Kernel):
                namespace[name] = value.compiled
            elif value is _python_prange:
                namespace[name] = numba.prange
        if namespace.get("njit") is njit:
            namespace["njit"] = numba.njit
