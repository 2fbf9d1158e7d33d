"""Size checks before dense allocations: estimate what an array (or a computation) needs, compare it with the memory
this machine has free, and refuse in one line, naming the size and the alternative, before any work starts.

What "free" means: the environment variable ``NTK_FOURIER_MEMORY_LIMIT`` (``"8GB"``, ``"512MB"``, bytes) when set;
else, for host arrays, the smaller of the kernel's ``MemAvailable`` and the container's cgroup limit; for arrays
that live on an accelerator, the device's free memory as JAX reports it (on CPU: the host's). An out-of-memory error
that still happens (an estimate is an estimate) is turned into the same kind of one-line message by `describe_oom`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ntk_fourier.errors import InputError

ENV = "NTK_FOURIER_MEMORY_LIMIT"
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40, "PIB": 2**50}


def human(nbytes: float) -> str:
    """``6.4 GB``-style size (decimal units)."""
    for unit, scale in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{int(nbytes)} bytes"


def parse_size(text: str, zero: bool = False, name: str = ENV) -> int:
    """``"8GB"``, ``"512 MiB"``, ``"1e9"`` -> bytes (finite; positive, or also 0 with ``zero``); else an InputError
    naming ``name``."""
    match = re.fullmatch(r"\s*([0-9.eE+]+)\s*([A-Za-z]*)\s*", str(text))
    unit = match and match.group(2).upper()
    try:
        value = float(match.group(1)) * _UNITS[unit] if match else None
    except (KeyError, ValueError):
        value = None
    if value is None or not (0 <= value < 2**63 if zero else 0 < value < 2**63):
        raise InputError(f"{name}={text!r} is not a size; write e.g. 8GB or 512MB{' or 0' if zero else ''}")
    return int(value)


def _cgroup_free() -> int | None:
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            text = Path(limit).read_text().strip()
            if text != "max" and int(text) < 2**60:
                return int(text) - int(Path(usage).read_text().strip())
        except (OSError, ValueError):
            continue
    return None


def host_free() -> int:
    """Bytes of host memory free for new arrays (MemAvailable, capped by a cgroup limit)."""
    free = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if free is None:  # not Linux: physical pages free
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            free = 2**62
    cgroup = _cgroup_free()
    return min(free, cgroup) if cgroup is not None else free


def device_free() -> int:
    """Bytes free on JAX's default device: an accelerator's (bytes_limit - bytes_in_use), or the host's on CPU."""
    import jax
    device = jax.devices()[0]
    if device.platform != "cpu":
        stats = device.memory_stats() or {}
        if "bytes_limit" in stats:
            return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
    return host_free()


def free(where: str = "host") -> int:
    """Bytes available for new arrays on the host (``"host"``) or JAX's default device (``"device"``)."""
    override = os.environ.get(ENV)
    if override:
        return parse_size(override)
    return device_free() if where == "device" else host_free()


def _place(where: str) -> str:
    if os.environ.get(ENV):
        return f"the limit {ENV} sets"
    if where == "device":
        import jax
        platform = jax.devices()[0].platform
        if platform != "cpu":
            return f"free {platform.upper()} memory"
    return "free memory"


def require(nbytes: float, what: str, instead: str, where: str = "host") -> None:
    """Refuse (`InputError`) when ``nbytes`` exceed what is free, in one line:
    "<what>: X needed, more than the Y of free memory; <instead>"."""
    available = free(where)
    if nbytes > available:
        raise InputError(f"{what}: {human(nbytes)} needed, more than the {human(max(available, 0))} of "
                         f"{_place(where)}; {instead}")


def describe_oom(err: BaseException) -> str | None:
    """One line for an out-of-memory error from NumPy (MemoryError) or XLA (RESOURCE_EXHAUSTED); None otherwise."""
    text = str(err)
    if isinstance(err, MemoryError):
        detail = text.splitlines()[0] if text else "an array did not fit"
        return f"out of memory: {detail}; use fewer points, features, seeds or a smaller width"
    if type(err).__name__ in ("XlaRuntimeError", "JaxRuntimeError") and (
            "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower()):
        size = re.search(r"allocat\w* ([0-9.]+) ?(bytes|[KMGTP]i?B)", text)
        detail = (f"XLA could not allocate {human(parse_size(size.group(1) + size.group(2).replace('bytes', '')))}"
                  if size else "XLA could not allocate an array")
        return (f"out of device memory: {detail}; use fewer points, features, seeds or a smaller width, or run on a "
                "larger device")
    return None
