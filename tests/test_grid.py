"""Grid and hash encodings (`nf.model.grids`): the encoding and its row sums against loops over vertices in NumPy, the
empirical NTK with the tables against the full Jacobian, the kernel (tables trained) against wide networks, its
expectation over table draws against the mean of many draws, the linearised network's training against its own
kernel's closed form, and the command line."""
import itertools

import numpy as np
import pytest

import ntk_fourier as nf
from ntk_fourier.core import layers, tables
from ntk_fourier.model import grids

jax = pytest.importorskip("jax")
jnp = jax.numpy

MAPPINGS = [nf.model.grid_mapping("grid", levels=3, base=2, finest=8, scale=1.0),
            nf.model.grid_mapping("hash", levels=3, base=2, finest=16, table_size=32, scale=1.0)]  # 2D: 2 levels hashed


def _rows_matrix(mapping, x, resolution):
    """A (n, rows): each point's interpolation weights summed onto table rows, by loops over vertices (NumPy)."""
    n, dim = x.shape
    hashed = mapping.kind == "hash" and (resolution + 1) ** dim > mapping.table_size
    a = np.zeros((n, mapping.table_size if hashed else (resolution + 1) ** dim))
    for p in range(n):
        t = x[p] * resolution
        cell = np.clip(np.floor(t), 0, resolution - 1).astype(int)
        for corner in itertools.product((0, 1), repeat=dim):
            v = cell + np.array(corner)
            w = np.prod([t[i] - cell[i] if corner[i] else 1 - (t[i] - cell[i]) for i in range(dim)])
            if hashed:
                h = 0
                for i in range(dim):
                    h ^= (int(v[i]) * (1, 2654435761, 805459861)[i]) % 2 ** 32
                row = h % mapping.table_size
            else:
                row = int(sum(int(v[i]) * (resolution + 1) ** i for i in range(dim)))
            a[p, row] += w
    return a


@pytest.mark.parametrize("mapping", MAPPINGS, ids=["dense", "hash"])
@pytest.mark.parametrize("dim", [1, 2, 3])
def test_encoding_and_row_sums_equal_loops(mapping, dim, x64):
    x = np.random.default_rng(dim).uniform(0, 1, (7, dim))
    x[0] = 1.0  # the upper edge: the last cell
    y = np.random.default_rng(10 + dim).uniform(0, 1, (5, dim))
    mats = [_rows_matrix(mapping, x, r) for r in grids.resolutions(mapping)]
    others = [_rows_matrix(mapping, y, r) for r in grids.resolutions(mapping)]
    level_tables = grids.tables(mapping, dim)
    expected = np.concatenate([m @ t for m, t in zip(mats, level_tables)], 1)
    np.testing.assert_allclose(nf.encode(mapping, x), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(grids.encode(mapping, jnp.asarray(x), jnp)), expected, rtol=1e-12,
                               atol=1e-12)
    for p, q in ((1, 1), (2, 2), (3, 1), (1, 3)):
        np.testing.assert_allclose(np.asarray(grids.overlap(mapping, jnp.asarray(x), jnp.asarray(y), p, q, jnp)),
                                   np.stack([(m ** p) @ (o ** q).T for m, o in zip(mats, others)]), atol=1e-13)
    for p in (2, 4):
        np.testing.assert_allclose(grids.power_sum(mapping, x, p), np.stack([np.sum(m ** p, 1) for m in mats]),
                                   atol=1e-13)


def test_hash_tables_collide():
    """The finest hashed level maps distinct vertices onto every row, so the tests here include collisions; the
    table is as Instant-NGP's: only as many rows as table_size."""
    mapping = MAPPINGS[1]
    r = grids.resolutions(mapping)[-1]
    vertices = np.array(list(itertools.product(range(r + 1), repeat=2)))
    rows = grids.row_index(mapping, vertices, r)
    assert (r + 1) ** 2 > mapping.table_size and len(np.unique(rows)) == mapping.table_size
    assert grids.tables(mapping, 2)[-1].shape == (mapping.table_size, mapping.features)


@pytest.mark.parametrize("mapping", MAPPINGS, ids=["dense", "hash"])
def test_empirical_ntk_with_tables_equals_the_jacobian(mapping, x64):
    model = nf.Model(mapping, depth=2, width=16, activation="sin", omega0=2.0, b_std=0.3)
    net = nf.network.build(model, 2, 2)
    params = net.init(jax.random.PRNGKey(0), jnp.float64)
    x = np.random.default_rng(0).uniform(0, 1, (6, 2))
    full = np.asarray(nf.jacobian_ntk(net, params, x))
    np.testing.assert_allclose(np.asarray(nf.empirical_ntk(net, params, x)), full, rtol=1e-12, atol=1e-14)
    assert len(params) == 4 and all(np.array_equal(a, b) for a, b in zip(params[-1], grids.tables(mapping, 2)))


def _wide_ntks(model, x, count, width=4096):
    net = nf.network.build(model.replace(width=width), x.shape[1], 1)
    return np.stack([np.asarray(nf.empirical_ntk(net, net.init(jax.random.PRNGKey(100 + k), jnp.float64), x))
                     for k in range(count)])


@pytest.mark.parametrize("mapping", MAPPINGS, ids=["dense", "hash"])
def test_wide_networks_match_the_kernel(mapping, x64):
    """Empirical NTK (MLP weights and tables) of 32 networks of width 4096 on the mapping's table draw: every entry
    within 4 standard errors of the kernel; the kernel without the tables' term is rejected."""
    x = np.random.default_rng(3).uniform(0, 1, (6, 2))
    model = nf.Model(mapping, depth=2, activation="relu", w_std=1.3, b_std=0.2)
    samples = _wide_ntks(model, x, 32)
    mean, se = samples.mean(0), samples.std(0, ddof=1) / np.sqrt(len(samples))
    ntk = nf.kernels(model, x, execution=nf.QUIET).ntk
    g = nf.encode(mapping, x)
    c = np.sum(g * g, 1) / g.shape[1]
    same = np.eye(len(x), dtype=bool)
    without, _ = layers.layers(model, jnp.asarray(g @ g.T / g.shape[1]), jnp.zeros((6, 6)), jnp.asarray(c),
                               jnp.asarray(c), g.shape[1], jnp.asarray(same))
    assert np.max(np.abs(mean - ntk) / se) < 4
    assert np.max(np.abs(mean - np.asarray(without)) / se) > 4


def _kernels_over_draws(model, x, draws, key):
    """(draws, 2, n, n): the conditional (NTK, NNGP) for independent uniform table draws (jax.random, not the
    mapping's seed), from the encoding with explicit tables and the layer recursion."""
    m, dim = model.mapping, x.shape[1]
    shapes = [(grids.rows(m, r, dim), m.features) for r in grids.resolutions(m)]
    theta0 = np.sum(grids.overlap(m, x, x), 0) / m.levels
    same = jnp.asarray(np.eye(len(x), dtype=bool))

    def one(k):
        drawn = [jax.random.uniform(kk, s, jnp.float64, -m.sigma, m.sigma)
                 for kk, s in zip(jax.random.split(k, len(shapes)), shapes)]
        e = grids.encode(m, jnp.asarray(x), jnp, drawn)
        g = e @ e.T / e.shape[1]
        return jnp.stack(layers.layers(model, g, jnp.asarray(theta0), jnp.diag(g), jnp.diag(g), e.shape[1], same))
    return np.asarray(jax.lax.map(one, jax.random.split(key, draws), batch_size=512))


@pytest.mark.parametrize("kind", ["grid", "hash"])
@pytest.mark.parametrize("scale", [1.0, 1e-4])
def test_expectation_over_table_draws(kind, scale, x64):
    """The second-order expectation against the mean of 8192 draws: within 4 standard errors per entry, where the
    kernel at the mean covariance (order 0) is rejected; and against the mean of 64 draws of the mapping's own seeds
    (0..63), within 4 standard errors."""
    mapping = nf.model.grid_mapping(kind, levels=4, base=2, finest=32, table_size=64, scale=scale)
    model = nf.Model(mapping, depth=3, activation="relu", b_std=0.1)
    x = np.random.default_rng(1).uniform(0, 1, (6, 2))
    expected = {order: np.stack(tables.expected_kernels(model, x, order=order)) for order in (0, 2)}
    many = _kernels_over_draws(model, x, 8192, jax.random.PRNGKey(0))
    mean, se = many.mean(0), many.std(0, ddof=1) / np.sqrt(len(many))
    assert np.max(np.abs(expected[2] - mean) / se) < 4
    assert np.max(np.abs(expected[0] - mean) / se) > 4
    seeds = np.stack([np.stack(nf.kernels(model.replace(mapping=mapping.replace(seed=s)), x, execution=nf.QUIET))
                      for s in range(64)])
    assert np.max(np.abs(expected[2] - seeds.mean(0)) / (seeds.std(0, ddof=1) / 8)) < 4


def test_expectation_refused_where_the_expansion_fails(x64):
    """A sin network (omega0 3) at table scale 1: its kernel is far from quadratic over the draws' spread, so the
    second-order expectation (off by 20% of the kernel's scale against 8192 draws) is refused in one line."""
    mapping = nf.model.grid_mapping("grid", levels=4, base=2, finest=32, scale=1.0)
    model = nf.Model(mapping, depth=3, activation="sin", omega0=3.0, w_std=1.0, b_std=0.1)
    x = np.random.default_rng(1).uniform(0, 1, (6, 2))
    with pytest.raises(nf.InputError, match="second-order"):
        tables.expected_kernels(model, x)


def test_linearised_training_follows_its_kernel(x64):
    """A linearised grid network under gradient descent: its training residual is (I - lr K_0 / n)^t r_0 exactly,
    with K_0 its empirical NTK at initialisation (tables included); the tables move during training."""
    mapping = nf.model.grid_mapping("hash", levels=3, base=2, finest=16, table_size=32, scale=0.5)
    model = nf.Model(mapping, depth=2, width=64, activation="relu")
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, (12, 2)), rng.normal(size=12)
    run = nf.train(model, x, y, x[:3], y[:3], lr=0.5, steps=[0, 20], linearize=True, dtype=jnp.float64,
                   execution=nf.QUIET)
    net = nf.network.build(model, 2, 1)
    params = net.init(jax.random.split(jax.random.PRNGKey(0), 1)[0], jnp.float32)
    params = jax.tree_util.tree_map(lambda a: a.astype(jnp.float64), params)
    k0 = np.asarray(nf.empirical_ntk(net, params, x))
    r0 = run.f_train[0, 0, :, 0] - y
    predicted = np.linalg.matrix_power(np.eye(12) - 0.5 * k0 / 12, 20) @ r0
    np.testing.assert_allclose(run.f_train[1, 0, :, 0] - y, predicted, rtol=1e-9, atol=1e-12)
    plain = nf.train(model, x, y, x[:3], y[:3], lr=0.5, steps=[20], dtype=jnp.float64, execution=nf.QUIET)
    moved = [np.max(np.abs(np.asarray(a)[0] - b)) for a, b in zip(plain.params[-1], grids.tables(mapping, 2))]
    assert min(moved) > 0


def test_cli_spectrum_and_refusals(tmp_path):
    """`spectrum --mapping hash` in a fresh process: the dense eigenvalues of the kernel on the grid; points outside
    [0, 1]^d, a finest resolution below the base and tables beyond memory (counted in the grid's dimension) are
    refused in one line."""
    import subprocess
    import sys
    out = tmp_path / "h.npz"
    run = subprocess.run([sys.executable, "-m", "ntk_fourier", "spectrum", "--grid", "8x8", "--mapping", "hash",
                          "--levels", "4", "--finest", "32", "--table-size", "64", "--depth", "2", "--quiet", "--out",
                          str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    model = nf.Model(nf.model.grid_mapping("hash", levels=4, finest=32, table_size=64), depth=2)
    with np.load(out) as f:
        np.testing.assert_allclose(np.sort(f["eigenvalues"]),
                                   np.linalg.eigvalsh(nf.kernels(model, nf.grid((8, 8)), execution=nf.QUIET).ntk),
                                   rtol=1e-9, atol=1e-12)
    assert "hash encoding (4 levels of 2 features, 4 to 32 cells per axis, hash tables of 64 rows" in run.stdout
    np.save(tmp_path / "x.npy", np.array([[0.5, 1.5]]))
    for extra, needle in ((["kernel", "--x", str(tmp_path / "x.npy")], "covers [0, 1]^d"),
                          (["spectrum", "--grid", "8", "--finest", "2"], "raise --finest"),
                          (["spectrum", "--grid", "8x8", "--finest", "100000"], "entries in 2D")):
        bad = subprocess.run([sys.executable, "-m", "ntk_fourier", *extra, "--mapping", "grid", "--out",
                              str(tmp_path / "b.npz")], capture_output=True, text=True)
        assert bad.returncode == 2 and needle in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr


def test_images_with_grid_encodings():
    """The image models: Instant-NGP's recipe scaled to the image (finest level one cell per training pixel, table
    rows in proportion to the pixels); the dense grid's converged kernel regression interpolates the training pixels
    (its finest level gives every training pixel a row of its own), and a short fit of the hash model runs."""
    model, lr = nf.images.model_for("hash", 64)
    assert (model.mapping.finest, model.mapping.table_size, model.depth, model.width, lr) == (32, 64, 2, 64, 1e-2)
    assert nf.images.model_for("grid", 512)[0].mapping.table_size == 2 ** 12
    image = nf.images.builtin("hopper", 16)
    assert all(grids.hashed(nf.images.model_for("hash", 16)[0].mapping, r, 2)
               for r in grids.resolutions(nf.images.model_for("hash", 16)[0].mapping))
    r = nf.images.regress(nf.images.model_for("grid", 16)[0], image, steps=[np.inf], execution=nf.QUIET)
    assert r.method == "dense"
    np.testing.assert_allclose(r.images[0][::2, ::2], image[::2, ::2], atol=1e-6)
    fit = nf.images.fit(image, "hash", steps=20, execution=nf.QUIET)
    assert np.isfinite(fit.psnr_test).all() and fit.reconstruction.shape == (16, 16, 3)


def test_matrix_free_top_eigenvalues_of_a_hash_encoding():
    """The tiled, matrix-free block Lanczos on a hash encoding's kernel (not stationary) against numpy's eigvalsh of
    the dense kernel."""
    x = np.random.default_rng(0).uniform(0, 1, (300, 2))
    model = nf.Model(nf.model.grid_mapping("hash", table_size=256), depth=2)
    top = nf.top_eigenpairs_points(model, x, 5, execution=nf.Execution(tile=64, progress=False))
    dense = np.linalg.eigvalsh(nf.kernels(model, x, execution=nf.QUIET).ntk)[::-1][:5]
    np.testing.assert_allclose(top.values, dense, rtol=1e-10)
