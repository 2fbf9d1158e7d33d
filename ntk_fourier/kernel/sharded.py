"""The engine's kernel tiles spread over a device mesh (`devices`): dense kernels and kernel-times-block products.

The tiles of K(x1, x2) (``rows x cols`` each; above the diagonal only when K is symmetric) are dealt to the mesh's
devices in turn (`devices.round_robin`), so every device computes the same number of tiles whatever the point count.
The points, their features gamma(x) and the block of vectors are replicated on every device (n (d + 2 m + b) floats:
small beside the kernel); each tile is computed by the pure JAX core (`ntk_fourier.core`) where it is used, as on one
device, so results equal the one-device ones up to the order of floating-point sums (about 1e-15 relative).

- `dense`: the tiles of one round (``per_device`` tiles on each device) come back to the host, which writes them into
  the dense result and its mirror; memory per device: ``per_device`` tiles.
- `Product`: ``K @ V`` in one SPMD program per pass: each device adds its tiles' products K_ab V_b (and K_ab^T V_a
  for mirrored tiles) into an (n1, b) block, and one all-reduce (``psum``) sums the blocks; the kernel never leaves
  the device that computed it. Communication per pass: one (n1, b) all-reduce.
"""
from __future__ import annotations

import functools

import numpy as np

from ntk_fourier import devices
from ntk_fourier.core.kernel import kernels_of
from ntk_fourier.model import Model
from ntk_fourier.model.value import plain
from ntk_fourier.precision import float64


def tile_pairs(n1: int, n2: int, rows: int, cols: int, symmetric: bool) -> np.ndarray:
    """(P, 2) tile indices (row tile, column tile) of an (n1, n2) kernel; upper triangle only when ``symmetric``."""
    pairs = [(i, j) for i in range(-(-n1 // rows)) for j in range(-(-n2 // cols)) if not (symmetric and j < i)]
    return np.array(pairs, dtype=np.int32).reshape(-1, 2)


def _padded(a: np.ndarray | None, length: int) -> np.ndarray | None:
    """``a`` with its first row repeated up to ``length`` rows (valid points: the kernel stays finite there)."""
    if a is None or len(a) == length:
        return a
    return np.concatenate([a, np.repeat(a[:1], length - len(a), axis=0)])


class _Points:
    """Points and features of one side, padded to whole tiles and replicated on the mesh."""

    def __init__(self, mesh, x: np.ndarray, g: np.ndarray | None, tile: int):
        self.n, self.tile = len(x), tile
        self.padded = -(-len(x) // tile) * tile
        self.x = devices.replicate(mesh, _padded(x, self.padded))
        self.g = None if g is None else devices.replicate(mesh, _padded(np.asarray(g), self.padded))


def _tile(kernel, rows: int, cols: int):
    """jax function (i, j, x1, x2, g1, g2) -> (ntk, nngp) of tile (i, j), the points sliced on the device."""
    import jax

    def compute(i, j, x1, x2, g1, g2):
        cut = (lambda a, start, length: None if a is None else  # noqa: E731
               jax.lax.dynamic_slice_in_dim(a, start, length))
        return kernel(cut(x1, i * rows, rows), cut(x2, j * cols, cols), cut(g1, i * rows, rows),
                      cut(g2, j * cols, cols))
    return compute


@functools.lru_cache(maxsize=16)
def _dense_program(model: Model, dim: int, rows: int, cols: int, mesh):
    import jax
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P
    kernel = functools.partial(kernels_of, model)

    def local(pairs, x1, x2, g1, g2):  # pairs (per_device, 2) on this device
        tile = _tile(kernel, rows, cols)
        return jax.lax.map(lambda p: jnp.stack(tile(p[0], p[1], x1, x2, g1, g2)), pairs)

    return devices.shard_map(local, mesh, (P(devices.AXIS), P(), P(), P(), P()), P(devices.AXIS))


def dense(model: Model, mesh, x1: np.ndarray, x2: np.ndarray, g1, g2, symmetric: bool, block: int,
          per_device: int = 8, show_progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Dense NTK and NNGP (n1, n2) of validated points, their tiles computed over ``mesh``. Call inside
    `precision.float64`."""
    from ntk_fourier.progress import progress
    rows, cols = min(block, len(x1)), min(block, len(x2))
    a = _Points(mesh, x1, g1, rows)
    b = a if symmetric else _Points(mesh, x2, g2, cols)
    pairs = tile_pairs(len(x1), len(x2), rows, cols, symmetric)
    program = _dense_program(plain(model), x1.shape[1], rows, cols, mesh)
    ntk, nngp = np.empty((len(x1), len(x2))), np.empty((len(x1), len(x2)))
    per_round = devices.size(mesh) * per_device
    rounds = range(0, len(pairs), per_round)
    for start in progress(rounds, "kernel tile rounds", enabled=show_progress and len(rounds) > 1):
        chunk = pairs[start:start + per_round]
        order, valid = devices.round_robin(len(chunk), devices.size(mesh))
        if len(order) < per_round:  # the last round: pad to the compiled shape
            order = np.concatenate([order, np.full(per_round - len(order), -1)])
            valid = order >= 0
        placed = np.where(valid[:, None], chunk[np.maximum(order, 0)], 0).astype(np.int32)
        tiles = devices.gather(program(devices.shard(mesh, placed), a.x, b.x, a.g, b.g))
        for (i, j), t, ok in zip(placed, tiles, valid):
            if not ok:
                continue
            r, c = slice(i * rows, min((i + 1) * rows, len(x1))), slice(j * cols, min((j + 1) * cols, len(x2)))
            ntk[r, c], nngp[r, c] = t[0][:r.stop - r.start, :c.stop - c.start], t[1][:r.stop - r.start,
                                                                                     :c.stop - c.start]
            if symmetric and i != j:
                ntk[c, r], nngp[c, r] = ntk[r, c].T, nngp[r, c].T
    return ntk, nngp


@functools.lru_cache(maxsize=16)
def _product_program(model: Model, which: int, symmetric: bool, dim: int, rows: int, cols: int, mesh):
    import jax
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P
    kernel = functools.partial(kernels_of, model)
    compute = _tile(kernel, rows, cols)

    def local(pairs, weights, x1, x2, g1, g2, V):  # pairs (L, 2), weights (L,) of this device; V (n2p, b)
        def add(out, start, part):
            block = jax.lax.dynamic_slice_in_dim(out, start, part.shape[0])
            return jax.lax.dynamic_update_slice_in_dim(out, block + part, start, 0)

        def body(k, out):
            i, j = pairs[k, 0], pairs[k, 1]
            K = compute(i, j, x1, x2, g1, g2)[which] * weights[k]
            out = add(out, i * rows, K @ jax.lax.dynamic_slice_in_dim(V, j * cols, cols))
            if symmetric:  # the mirrored tile K_ba = K_ab^T, except on the diagonal
                mirror = jnp.where(i != j, 1.0, 0.0)
                out = add(out, j * cols, mirror * (K.T @ jax.lax.dynamic_slice_in_dim(V, i * rows, rows)))
            return out

        out = jax.lax.fori_loop(0, pairs.shape[0], body, jnp.zeros((x1.shape[0], V.shape[1]), V.dtype))
        return jax.lax.psum(out, devices.AXIS)

    return devices.shard_map(local, mesh, (P(devices.AXIS), P(devices.AXIS), P(), P(), P(), P(), P()), P())


class Product:
    """``K @ V`` over ``mesh`` for the kernel ``which`` (0 ntk, 1 nngp) of validated points; ``x2`` None: symmetric.
    The points and the tile schedule are placed on the devices once; each product moves only V and the result."""

    def __init__(self, model: Model, mesh, which: int, x1: np.ndarray, g1, x2: np.ndarray | None, g2, tile: int):
        self.mesh, self.symmetric = mesh, x2 is None
        rows = min(tile, len(x1))
        cols = rows if self.symmetric else min(tile, len(x2))
        with float64():
            self.a = _Points(mesh, x1, g1, rows)
            self.b = self.a if self.symmetric else _Points(mesh, x2, g2, cols)
            pairs = tile_pairs(self.a.padded, self.b.padded, rows, cols, self.symmetric)
            order, valid = devices.round_robin(len(pairs), devices.size(mesh))
            self.pairs = devices.shard(mesh, pairs[np.maximum(order, 0)])
            self.weights = devices.shard(mesh, valid.astype(np.float64))
        self.program = _product_program(plain(model), which, self.symmetric, x1.shape[1], rows, cols, mesh)

    def __call__(self, V: np.ndarray) -> np.ndarray:
        """(n2, b) -> (n1, b)."""
        with float64():
            Vp = np.zeros((self.b.padded, V.shape[1]))
            Vp[:len(V)] = V
            out = self.program(self.pairs, self.weights, self.a.x, self.b.x, self.a.g, self.b.g,
                               devices.replicate(self.mesh, Vp))
            return devices.gather(out)[:self.a.n]
