"""The gallery: a registry of figure modules, captions built only from findings computed from the saved data, the
claims each caption makes checked on a quick run and on the published full run (docs/gallery), and reruns that
recompute only what changed."""
import json
import math
import re
from pathlib import Path

import pytest

import figures
from analysis import gallery

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "gallery"
REGISTRY = figures.registry()
# names and citations whose digits are not measured numbers
NOT_NUMBERS = re.compile(r"1/f|et al\.,? \d{4}|Figs?\. \d+(?:[,/ -]+\d+)*|\b[Ff]igure \d+|arXiv:? ?\d+\.\d+")
TOKEN = re.compile(r"(?<![A-Za-z_\d.])(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(%?)(?![A-Za-z_\d])")
FORMULA_INTEGERS = {-1.0, 0.0, 1.0, 2.0}  # as in 1 - eta lambda / n, r(0), x^2, width^-1/2


def caption_numbers(text: str) -> list[tuple[str, float, float, bool]]:
    """(token, value, half of its last printed digit's unit, is a percentage) for every number in ``text``."""
    out = []
    for match in TOKEN.finditer(NOT_NUMBERS.sub(" ", text.replace("**", " "))):
        token, percent = match.group(1), bool(match.group(2))
        mantissa, _, exponent = token.lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        unit = 10.0 ** (-decimals + (int(exponent) if exponent else 0))
        out.append((token + match.group(2), float(token), 0.5 * unit, percent))
    return out


def finding_values(value) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)] if math.isfinite(value) else []
    if isinstance(value, str):
        try:
            return [float(value)] if math.isfinite(float(value)) else []
        except ValueError:
            return []
    if isinstance(value, dict):
        value = list(value.values())
    return [v for item in value for v in finding_values(item)]


def unexplained_numbers(text: str, findings: dict) -> list[str]:
    """The numbers printed in ``text`` that no findings value rounds to at their printed precision."""
    values = finding_values(findings)
    missing = []
    for token, number, half_unit, percent in caption_numbers(text):
        candidates = [number, number / 100] if percent else [number]
        units = [half_unit, half_unit / 100] if percent else [half_unit]
        if number in FORMULA_INTEGERS and not percent:
            continue
        if not any(abs(abs(v) - abs(c)) <= u * (1 + 1e-9) + 1e-15 for v in values for c, u in zip(candidates, units)):
            missing.append(token)
    return missing


def test_number_check_catches_a_planted_number():
    f = {"slope": -0.4512, "seeds": 3, "level": 0.95, "share": 0.123}
    good = "slope -0.45 (95% interval) from 3 seeds, 12.3% of it, 1D, L2 norm, 1/f, Tancik et al. 2020, Fig. 3"
    assert unexplained_numbers(good, f) == []
    assert unexplained_numbers(good + " and a typed 0.37", f) == ["0.37"]
    assert unexplained_numbers("slope -0.46", f) == ["-0.46"] and unexplained_numbers("slope -0.451", f) == []
    assert unexplained_numbers("2.1e-05 left", {"x": 2.14e-5}) == [] and unexplained_numbers("3e-05", {"x": 2e-5})


def test_registry_finds_every_figure_module():
    modules = {p.stem for p in (ROOT / "figures").glob("*.py")} - {"__init__", "style", "findings"}
    assert set(REGISTRY) == modules
    for name, module in REGISTRY.items():
        analysis = __import__(f"analysis.{module.ANALYSIS}", fromlist=["SETTINGS"])
        assert {"quick", "full"} <= set(analysis.SETTINGS), name
        assert {"quick", "full"} <= set(module.CLAIMS), name
        for attribute in ("findings", "caption", "draw"):
            assert callable(getattr(module, attribute)), (name, attribute)
    assert len(REGISTRY) >= 22


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    gallery.main(["--quick", "--out", str(out)])
    return out


def test_quick_gallery_draws_every_figure(quick):
    index = (quick / "index.md").read_text()
    for name in REGISTRY:
        for suffix in (".png", ".pdf", ".md"):
            assert (quick / f"{name}{suffix}").stat().st_size > 0, (name, suffix)
        assert f"({name}.png)" in index and (quick / "findings" / f"{name}.json").is_file()
    meta = json.loads((quick / "data" / "kernel_1d.json").read_text())
    assert meta["mode"] == "quick" and meta["settings"] and len(meta["key"]) == 64


@pytest.mark.parametrize("name", list(REGISTRY))
def test_quick_captions_are_built_from_their_findings(quick, name):
    f = json.loads((quick / "findings" / f"{name}.json").read_text())
    text = (quick / f"{name}.md").read_text().strip()
    assert REGISTRY[name].caption(f).strip() == text
    assert unexplained_numbers(text, f) == [], text
    for claim, expected in REGISTRY[name].CLAIMS["quick"].items():
        assert f[claim] == expected, (name, claim, f[claim])


def test_rerun_with_nothing_changed_recomputes_and_redraws_nothing(quick, capsys):
    before = {p: p.read_bytes() for p in quick.glob("*.png")}
    capsys.readouterr()
    gallery.main(["--quick", "--out", str(quick)])
    out = capsys.readouterr().out
    assert "computing" not in out and "drawn in" not in out
    assert out.count("unchanged") == len({m.ANALYSIS for m in REGISTRY.values()})
    assert {p: p.read_bytes() for p in quick.glob("*.png")} == before


def test_changed_settings_or_sources_change_the_key(monkeypatch, tmp_path):
    from analysis import kernel_2d
    settings = gallery.settings(kernel_2d, "quick")
    key = gallery.analysis_key(kernel_2d, settings)
    assert gallery.analysis_key(kernel_2d, {**settings, "extra": 1}) != key
    assert gallery.analysis_key(kernel_2d, dict(settings)) == key
    # a copy of the sources: an edit of a package file, of the analysis or of a module it imports changes the key
    import shutil
    for part in ("analysis", "ntk_fourier"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(gallery, "ROOT", tmp_path)
    copy = type(kernel_2d)("analysis.kernel_2d")
    copy.__file__ = str(tmp_path / "analysis" / "kernel_2d.py")
    base = gallery.analysis_key(copy, settings)
    for edited in ("ntk_fourier/kernel/engine.py", "analysis/kernel_2d.py", "analysis/common.py"):
        path = tmp_path / edited
        text = path.read_text()
        path.write_text(text + "\n# edited\n")
        changed = gallery.analysis_key(copy, settings)
        path.write_text(text)
        imports_common = "common" in (tmp_path / "analysis" / "kernel_2d.py").read_text()
        assert (changed != base) == (edited != "analysis/common.py" or imports_common), edited


def test_docs_gallery_holds_every_figure_with_its_findings():
    """The published full run: every registered figure, its findings file, the caption in index.md equal to the one
    rebuilt from that file, and the claims each caption makes at full scale."""
    captions = gallery.captions_in((DOCS / "index.md").read_text())
    for name, module in REGISTRY.items():
        assert (DOCS / f"{name}.png").is_file(), name
        f = json.loads((DOCS / "findings" / f"{name}.json").read_text())
        assert captions.get(name) == module.caption(f).strip(), name
        assert unexplained_numbers(captions[name], f) == [], name
        for claim, expected in module.CLAIMS["full"].items():
            assert f[claim] == expected, (name, claim, f[claim])
