"""The lean install: panel (the explorer) and imageio-ffmpeg (MP4) are extras, not core dependencies
(pyproject.toml); without them, the commands that need them say in one line which extra to install (a fresh process
with the module blocked, as if not installed), and GIF animations still work."""
import re
import subprocess
import sys
import tomllib

import pytest

from helpers import ROOT
from ntk_fourier import extras
from ntk_fourier.errors import InputError

CORE = {"jax", "numpy", "scipy", "optax", "matplotlib", "tqdm", "pillow"}


def run_cli_without(module: str, argv: list[str]) -> subprocess.CompletedProcess:
    """`python -m ntk_fourier ARGV` from the checkout with ``module`` blocked (its import fails: not installed)."""
    code = (f"import sys, runpy; sys.modules[{module!r}] = None; "
            f"sys.argv = ['ntk-fourier'] + {[str(a) for a in argv]!r}; runpy.run_module('ntk_fourier', run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def missing_message(extra: str) -> str:
    """The message of `extras.require` for a module that is not there."""
    with pytest.raises(InputError) as err:
        extras.require(extra, "ntk_fourier_no_such_module")
    return str(err.value)


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group().lower().replace("_", "-")


def test_core_leaves_out_the_extras_which_test_and_all_include():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]

    def names(requirements) -> set:  # package names, an extra of ntk-fourier itself expanded to its packages
        found = set()
        for req in requirements:
            own = re.fullmatch(r"ntk-fourier\[([a-z,\s]+)\]", req.strip())
            if own:
                for extra in own.group(1).split(","):
                    found |= names(optional[extra.strip()])
            else:
                found.add(_name(req))
        return found

    core = names(project["dependencies"])
    assert core == CORE
    assert "panel" in names(optional["explore"]) and "imageio-ffmpeg" in names(optional["video"])
    assert not core & {"panel", "bokeh", "imageio-ffmpeg", "imageio"}
    for extra in ("all", "test"):
        assert names(optional["explore"]) | names(optional["video"]) <= names(optional[extra]), extra


def test_require_imports_or_names_the_extra():
    assert extras.require("video", "tomllib") is tomllib
    for extra in ("explore", "video"):
        message = missing_message(extra)
        assert f"'{extra}' extra" in message and f'pip install "ntk-fourier[{extra}]"' in message
        assert "\n" not in message


@pytest.mark.parametrize("module, extra, argv", [
    ("panel", "explore", ["explore", "--no-browser", "--port", "8765"]),
    ("imageio_ffmpeg", "video", ["animate", "--out", "{tmp}/film.mp4"]),
    ("imageio_ffmpeg", "video", ["plot", "{tmp}/given.mp4"]),
])
def test_missing_extra_is_one_line(tmp_path, module, extra, argv):
    (tmp_path / "given.mp4").write_bytes(b"\0\0\0\x18ftypmp42")  # plot reads it: only its suffix matters here
    done = run_cli_without(module, [a.format(tmp=tmp_path) for a in argv])
    assert done.returncode == 2 and done.stdout == "", done
    assert done.stderr.splitlines() == [f"ntk-fourier: error: {missing_message(extra)}"], done.stderr
    assert not (tmp_path / "film.mp4").exists()


def test_gif_needs_no_video_extra(tmp_path):
    from PIL import Image
    out = tmp_path / "film.gif"
    done = run_cli_without("imageio_ffmpeg", ["animate", "--out", out, "--steps", "1", "--frames", "2", "--width", "8",
                                              "--quiet"])
    assert done.returncode == 0 and done.stdout.startswith("wrote "), done.stderr
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.n_frames == 2
