"""How a computation runs, apart from what it computes: one value, `Execution`, taken as ``execution=`` by every
routine that computes kernels, trains networks or runs an experiment over them.

>>> nf.kernels(model, x, execution=nf.Execution(engine="neural-tangents", tile=256))
>>> nf.train(model, x, y, xs, ys, lr=0.5, steps=[0, 100], execution=nf.QUIET)      # no progress bars
>>> nf.top_eigenpairs_points(model, x, 100, execution=nf.Execution(mesh=nf.devices.mesh()))
"""
from __future__ import annotations

import dataclasses
import numbers

from ntk_fourier.errors import InputError

ENGINES = ("native", "neural-tangents")


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return engine


@dataclasses.dataclass(frozen=True)
class Execution:
    """Where and how a computation runs; the results do not depend on it (up to the order of floating-point sums).

    Fields:
      engine: the kernel engine: ``"native"`` (the pure JAX core, any current JAX, CPU or GPU; the default) or
        ``"neural-tangents"`` (the reference, where neural-tangents can be imported).
      mesh: a mesh from `devices.mesh` (several devices, several hosts) to spread the work over: kernel tiles, the
        networks of an ensemble; ``None``: one device. Several devices work with the native engine only.
      tile: side of the square kernel tiles computed at once (memory: a few tiles); ``None``: each routine's own
        default, the engine's tile side (`kernel.engine.BLOCK`: 512 native, 1024 neural-tangents) for dense kernels
        and 4096 for the matrix-free products (`KernelOperator`, `top_eigenpairs_points`, `regress_points`).
      cache: bytes of memory the matrix-free routines may fill with kernel tiles they keep for their next products
        (`KernelOperator`: block Lanczos, or conjugate gradients, then computes each tile once); ``None``: half the
        memory free when the operator is made; 0: keep none (the least memory).
      progress: progress bars and status lines on standard error (`QUIET`: none).

    Checked when made (one-line `InputError`); ``execution.replace(progress=False)`` gives a changed copy.
    """

    engine: str = "native"
    mesh: object = None
    tile: int | None = None
    progress: bool = True
    cache: int | None = None

    def __post_init__(self):
        check_engine(self.engine)
        if self.tile is not None:
            if isinstance(self.tile, bool) or not isinstance(self.tile, numbers.Real) or not self.tile >= 1 \
                    or self.tile == float("inf") or int(self.tile) != self.tile:
                raise InputError(f"tile must be a positive integer or None, got {self.tile!r}")
            object.__setattr__(self, "tile", int(self.tile))
        if self.cache is not None:
            if isinstance(self.cache, bool) or not isinstance(self.cache, numbers.Real) or not 0 <= self.cache < 2**63 \
                    or int(self.cache) != self.cache:
                raise InputError(f"cache must be a number of bytes (0 or more) or None, got {self.cache!r}")
            object.__setattr__(self, "cache", int(self.cache))
        if self.mesh is not None and not hasattr(self.mesh, "devices"):
            raise InputError(f"mesh must be a mesh from ntk_fourier.devices.mesh(...) or None, got {self.mesh!r}")
        if self.spread and self.engine != "native":
            raise InputError("several devices work with the native engine only; use --devices 1 with neural-tangents")
        object.__setattr__(self, "progress", bool(self.progress))

    @property
    def spread(self) -> bool:
        """True when the mesh spreads the work beyond one device of one process (`devices.spread`)."""
        if self.mesh is None:
            return False
        from ntk_fourier import devices
        return devices.spread(self.mesh)

    replace = dataclasses.replace


DEFAULT = Execution()
QUIET = Execution(progress=False)
