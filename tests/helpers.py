"""Shared test helpers (not oracles)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli_without_neural_tangents(argv: list[str]) -> subprocess.CompletedProcess:
    """`python -m ntk_fourier ARGV` from the checkout with neural-tangents blocked, as on a GPU machine's JAX."""
    code = ("import sys, runpy; sys.modules['neural_tangents'] = None; "
            f"sys.argv = ['ntk-fourier'] + {[str(a) for a in argv]!r}; runpy.run_module('ntk_fourier', run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
