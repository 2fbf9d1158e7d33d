"""The benchmarks' timer and machine description."""
from __future__ import annotations

import platform
import time


def timed(fn):
    """(fn(), seconds it took)."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def best_time(fn, repeats: int = 1) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn``, after a first call that compiles."""
    fn()
    return min(timed(fn)[1] for _ in range(repeats))


def machine() -> str:
    """Host, processor, Python, and the JAX device the benchmarks ran on."""
    import jax
    device = jax.devices()[0]
    return (f"{platform.node()} ({platform.processor() or platform.machine()}), {platform.python_version()}, "
            f"jax {jax.__version__} on {device.platform}: {device.device_kind}")
