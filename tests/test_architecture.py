"""The layout keeps its promises: one-way imports between the views, no global state changed by importing or calling
ntk_fourier (no XLA flags, no process-wide jax_enable_x64), no plotting or image library at import time, and the
public API in ntk_fourier/__init__.py."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ntk_fourier as nf

PACKAGE = Path(nf.__file__).parent


def _imports(folder: str) -> dict[str, set[str]]:
    """Module path -> every module it imports (at any depth of the file), as absolute names."""
    found = {}
    for path in sorted((PACKAGE / folder).glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        found[str(path.relative_to(PACKAGE.parent))] = names
    return found


@pytest.mark.parametrize("folder, forbidden", [
    ("network", ("ntk_fourier.kernel", "neural_tangents", "ntk_fourier.images", "ntk_fourier.compare")),
    ("kernel", ("ntk_fourier.network", "ntk_fourier.images", "ntk_fourier.compare")),
    ("model", ("ntk_fourier.kernel", "ntk_fourier.core", "ntk_fourier.network", "ntk_fourier.images",
               "ntk_fourier.compare", "neural_tangents", "jax")),
    ("core", ("ntk_fourier.kernel", "ntk_fourier.network", "ntk_fourier.images", "ntk_fourier.compare",
              "ntk_fourier.explore", "ntk_fourier.cli", "ntk_fourier.progress", "ntk_fourier.memory",
              "ntk_fourier.devices", "neural_tangents")),
])
def test_one_way_imports(folder, forbidden):
    """The views import one way; the pure core sits below the NumPy conveniences (no progress, memory checks or
    meshes in it); the model imports of JAX only ``jax.tree_util``, to be a pytree."""
    allowed = ("jax.tree_util",) if folder == "model" else ()
    bad = {path: sorted(n for n in names if n.startswith(forbidden) and n not in allowed)
           for path, names in _imports(folder).items()}
    assert not any(bad.values()), f"{folder} imports what it must not: { {k: v for k, v in bad.items() if v} }"


def test_neural_tangents_only_in_the_reference_module():
    users = [path for folder in ("", "model", "kernel", "network", "images", "compare")
             for path, names in _imports(folder).items() if any(n.startswith("neural_tangents") for n in names)]
    assert users == ["ntk_fourier/kernel/reference.py"], users


def test_import_and_kernels_change_no_global_state():
    """In a fresh process: importing ntk_fourier sets no XLA flag, leaves JAX in 32-bit mode and loads neither
    matplotlib nor Pillow; computing a kernel gives float64 and still leaves JAX's global mode alone."""
    code = """
import os, sys
before = os.environ.get("XLA_FLAGS")
import ntk_fourier as nf, jax, numpy as np
assert os.environ.get("XLA_FLAGS") == before, os.environ.get("XLA_FLAGS")
assert not jax.config.jax_enable_x64
assert "matplotlib" not in sys.modules and "PIL" not in sys.modules and "neural_tangents" not in sys.modules
k = nf.kernels(nf.Model(), np.linspace(0, 1, 9)[:, None], execution=nf.QUIET)
assert k.ntk.dtype == np.float64 and abs(k.ntk[0, 0] - k.ntk[3, 3]) < 1e-12 * k.ntk[0, 0]
assert not jax.config.jax_enable_x64 and jax.numpy.ones(2).dtype == np.float32
assert os.environ.get("XLA_FLAGS") == before
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_public_api_is_listed():
    for name in nf.__all__:
        assert hasattr(nf, name), name
    for sub in ("model", "core", "kernel", "network", "images", "compare"):
        assert getattr(nf, sub).__name__ == f"ntk_fourier.{sub}"
    for sub in (nf.core, nf.kernel, nf.network, nf.images, nf.compare, nf.model):
        for name in sub.__all__:
            assert hasattr(sub, name), f"{sub.__name__}.{name}"
