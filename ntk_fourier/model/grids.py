"""Multiresolution grid encodings: dense grids and Instant-NGP's hash tables (Mueller et al. 2022), in NumPy or JAX.

A grid mapping (``Mapping(kind="grid" | "hash", ...)``, `grid_mapping`) has ``levels`` levels; level l has ``N_l``
cells per axis on [0, 1]^d, ``N_l = floor(base g^l)`` with g = (finest / base)^(1 / (levels - 1)), and a table of
``features`` columns. A point's level-l features interpolate the table rows of its cell's 2^d vertices,
e_l(x) = sum_k w_k(x) T_l[i(v_k)], with multilinear weights w_k and i(v) the vertex's row: its dense index, or (kind
``hash``, on levels with more vertices than ``table_size``) Instant-NGP's spatial hash, the XOR of the vertex
coordinates times the primes 1, 2654435761 and 805459861, modulo ``table_size``, so distinct vertices may share a row
(a collision). The encoding e(x) concatenates the levels: ``levels * features`` numbers.

The tables are the mapping's random draw, as Gaussian frequencies are: entries uniform on [-sigma, sigma] from
``numpy.random.default_rng(seed)`` (Instant-NGP initialises at sigma = 1e-4), one unit draw scaled by sigma, so the
encoding is a smooth function of sigma. Networks train them (`ntk_fourier.network.mlp`).

`overlap` gives the sums over table rows that the kernels need: sum_r A(x, r)^p A(x', r)^q, with A(x, r) the total
interpolation weight of x on row r (collisions summed); p = q = 1 is level l's spread S_l(x, x').
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ntk_fourier import memory
from ntk_fourier.errors import InputError
from ntk_fourier.model.value import GRID_KINDS, Mapping

PRIMES = (1, 2654435761, 805459861)  # Instant-NGP's spatial hash
DEFAULTS = {"sigma": 1e-4, "features": 2}  # Instant-NGP's table scale, and features per level


def resolutions(mapping) -> tuple[int, ...]:
    """Cells per axis of each level: floor(base g^l), g = (finest / base)^(1 / (levels - 1))."""
    if mapping.levels == 1:
        return (int(mapping.base),)
    growth = math.exp((math.log(mapping.finest) - math.log(mapping.base)) / (mapping.levels - 1))
    return tuple(int(math.floor(mapping.base * growth ** level + 1e-9)) for level in range(mapping.levels))


def hashed(mapping, resolution: int, dim: int) -> bool:
    """True when a level of this resolution indexes its table by the spatial hash (more vertices than rows)."""
    return mapping.kind == "hash" and (resolution + 1) ** dim > mapping.table_size


def rows(mapping, resolution: int, dim: int) -> int:
    """Rows of the table of a level with ``resolution`` cells per axis in ``dim`` dimensions."""
    return int(mapping.table_size) if hashed(mapping, resolution, dim) else (resolution + 1) ** dim


def width(mapping) -> int:
    """Length of the encoding e(x): levels x features."""
    return int(mapping.levels) * int(mapping.features)


def entries(mapping, dim: int) -> int:
    """Numbers in all the tables (0 for a mapping that is not a grid encoding)."""
    if mapping.kind not in GRID_KINDS:
        return 0
    return sum(rows(mapping, r, dim) for r in resolutions(mapping)) * int(mapping.features)


def check(mapping, x: np.ndarray, dim: int) -> None:
    """Refuse (one line) points outside [0, 1]^d, and tables that would not fit in memory."""
    if x is not None and (np.min(x, initial=0.0) < 0.0 or np.max(x, initial=1.0) > 1.0):
        raise InputError(f"a {mapping.kind} encoding covers [0, 1]^d, but the points reach "
                         f"[{np.min(x):.3g}, {np.max(x):.3g}]; scale the points into [0, 1]")
    total = entries(mapping, dim)
    memory.require(8.0 * 2 * total, f"the {mapping.kind} encoding's tables ({total:,} entries in {dim}D)",
                   "use a coarser --finest, fewer --levels or --features, or --mapping hash with a --table-size")


@functools.lru_cache(maxsize=16)
def unit_tables(kind: str, levels: int, base: int, finest: int, features: int, table_size: int, seed: int,
                dim: int) -> tuple[np.ndarray, ...]:
    """The tables at sigma = 1: entries uniform on [-1, 1] from ``numpy.random.default_rng(seed)``, level by level.
    Read-only."""
    mapping = Mapping(kind, features=features, seed=seed, levels=levels, base=base, finest=finest,
                      table_size=table_size)
    rng = np.random.default_rng(seed)
    out = []
    for resolution in resolutions(mapping):
        table = rng.uniform(-1.0, 1.0, (rows(mapping, resolution, dim), features))
        table.setflags(write=False)
        out.append(table)
    return tuple(out)


def tables(mapping, dim: int, xp=np) -> list:
    """The mapping's tables, one ``(rows, features)`` array per level: `unit_tables` times sigma (``xp``:
    ``jax.numpy`` for a traceable function of sigma)."""
    unit = unit_tables(mapping.kind, int(mapping.levels), int(mapping.base), int(mapping.finest),
                       int(mapping.features), int(mapping.table_size), int(mapping.seed), dim)
    return [xp.asarray(t) * mapping.sigma for t in unit]


def corners(x, resolution: int, xp=np):
    """(vertex coordinates (n, 2^d, d) as integers, multilinear weights (n, 2^d)) of points ``x`` (n, d) in
    [0, 1]^d on a grid of ``resolution`` cells per axis."""
    t = x * resolution
    cell = xp.clip(xp.floor(t), 0, resolution - 1)
    frac = t - cell
    dim = x.shape[1]
    offsets = np.array(np.meshgrid(*[[0, 1]] * dim, indexing="ij")).reshape(dim, -1).T  # (2^d, d)
    vertices = cell[:, None, :].astype(np.int32) + offsets[None]
    weights = xp.prod(xp.where(offsets[None] == 1, frac[:, None, :], 1.0 - frac[:, None, :]), axis=-1)
    return vertices, weights


def row_index(mapping, vertices, resolution: int, xp=np):
    """The table row of each vertex (integers (..., d)): its dense index, or the spatial hash (`hashed`)."""
    dim = vertices.shape[-1]
    if not hashed(mapping, resolution, dim):
        strides = np.array([(resolution + 1) ** i for i in range(dim)], dtype=np.int32)
        return xp.sum(vertices * strides, axis=-1)
    v = vertices.astype(np.uint32)
    code = v[..., 0] * np.uint32(PRIMES[0])
    for i in range(1, dim):
        code = code ^ (v[..., i] * np.uint32(PRIMES[i]))
    return (code % np.uint32(mapping.table_size)).astype(np.int32)


def encode(mapping, x, xp=np, level_tables=None):
    """e(x) ``(n, levels * features)``: each level's interpolated table rows, levels concatenated; unchecked (see
    `check`). ``xp = jax.numpy``: traceable in the points and sigma. ``level_tables``: tables other than the
    mapping's draw (a network's, during training)."""
    parts = []
    level_tables = tables(mapping, x.shape[1], xp) if level_tables is None else level_tables
    for table, resolution in zip(level_tables, resolutions(mapping)):
        vertices, weights = corners(x, resolution, xp)
        parts.append(xp.einsum("nk,nkf->nf", weights, table[row_index(mapping, vertices, resolution, xp)]))
    return xp.concatenate(parts, axis=1)


def _merged(mapping, x, resolution: int, xp):
    """(rows (n, 2^d), weights (n, 2^d)) with the corners of one point that share a row merged: the first such
    corner carries their total weight A(x, r), the others weight 0."""
    vertices, weights = corners(x, resolution, xp)
    index = row_index(mapping, vertices, resolution, xp)
    if not hashed(mapping, resolution, x.shape[1]):
        return index, weights
    same = index[:, :, None] == index[:, None, :]  # (n, 2^d, 2^d)
    corners_count = index.shape[1]
    earlier = np.tril(np.ones((corners_count, corners_count), dtype=bool), -1)  # [k, m]: m < k
    first = ~xp.any(same & earlier[None], axis=2)
    return index, xp.where(first, xp.einsum("nkm,nm->nk", same.astype(weights.dtype), weights), 0.0)


def power_sum(mapping, x, p: int, xp=np):
    """sum_r A(x, r)^p per level: ``(levels, n)``; p = 2 is S_l(x, x)."""
    return xp.stack([xp.sum(_merged(mapping, x, resolution, xp)[1] ** p, axis=1) for resolution in resolutions(mapping)])


def overlap(mapping, x1, x2, p: int = 1, q: int = 1, xp=np):
    """sum_r A(x1, r)^p A(x2, r)^q per level: ``(levels, n1, n2)``, A(x, r) the total interpolation weight of x on
    table row r (collisions summed). p = q = 1: the spread S_l. Dense levels factorise over the axes (a vertex is
    shared when every coordinate is); hashed levels compare rows, collisions included."""
    dim = x1.shape[1]
    out = []
    for resolution in resolutions(mapping):
        if not hashed(mapping, resolution, dim):
            total = 1.0
            for axis in range(dim):  # 1D overlap: sum over the two corners of each point on a shared vertex
                c1, w1 = corners(x1[:, axis:axis + 1], resolution, xp)
                c2, w2 = corners(x2[:, axis:axis + 1], resolution, xp)
                shared = (c1[:, None, :, 0, None] == c2[None, :, None, :, 0]).astype(w1.dtype)  # (n1, n2, 2, 2)
                total = total * xp.einsum("ak,bm,abkm->ab", w1 ** p, w2 ** q, shared)
            out.append(total)
            continue
        i1, a1 = _merged(mapping, x1, resolution, xp)
        i2, a2 = _merged(mapping, x2, resolution, xp)
        shared = (i1[:, None, :, None] == i2[None, :, None, :]).astype(a1.dtype)  # (n1, n2, 2^d, 2^d)
        out.append(xp.einsum("ak,bm,abkm->ab", a1 ** p, a2 ** q, shared))
    return xp.stack(out)
