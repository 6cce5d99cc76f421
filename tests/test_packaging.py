"""A wheel install must work: what the package imports is declared in pyproject.toml, and the
preset configs and bundled models are package data."""

import ast
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import packages_distributions

import pytest
import torch

from helpers import REPO_ROOT

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

PACKAGE = REPO_ROOT / "src" / "dense_direction"


def _imported(path):
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"dense_direction", "__future__"}


def _declared(requirements):
    return {
        r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower()
        for r in requirements
    }


def test_every_third_party_import_is_declared():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    core = _declared(project["dependencies"])
    extras = core | _declared(r for reqs in project["optional-dependencies"].values() for r in reqs)
    dists = packages_distributions()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        allowed = extras if "mm" in path.relative_to(PACKAGE).parts else core
        for name in _imported(path):
            provided = {d.lower() for d in dists.get(name, [name])}
            if not provided & allowed:
                missing.append(f"{path.relative_to(PACKAGE)}: {name} ({', '.join(provided)})")
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(missing)


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    """The files of a wheel built from a copy of the project (no build files left in the
    checkout), with a small bundled model added to the copy."""
    pytest.importorskip("setuptools")
    from dense_direction.models import write_bundle

    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"
    shutil.copytree(PACKAGE.parent, source / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    state = {"conv.weight": torch.ones(2, 3, 1, 1)}
    write_bundle(source / "src" / "dense_direction" / "models", "tiny-test", state, "x = 1\n", {})
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps"]
    command += ["--no-build-isolation", "-q", "-w", str(tmp_path / "wheel")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(next((tmp_path / "wheel").glob("*.whl"))) as wheel:
        return set(wheel.namelist())


def test_preset_configs_are_package_data(wheel_names):
    """train and demo need the presets after `pip install .`: they must be in the wheel."""
    from dense_direction.cli._presets import PRESETS, config_root

    shipped = {n for n in wheel_names if n.startswith("dense_direction/configs/")}
    in_source = {
        f"dense_direction/configs/{p.relative_to(config_root()).as_posix()}"
        for p in config_root().rglob("*.py")
    }
    assert in_source and in_source <= shipped, sorted(in_source - shipped)
    for relative, _ in PRESETS.values():
        assert f"dense_direction/configs/{relative}" in shipped


def test_bundled_models_are_package_data(wheel_names):
    """predict without --checkpoint needs the bundled weights, config and manifest."""
    for name in ("weights.pth", "config.py", "manifest.json"):
        assert f"dense_direction/models/tiny-test/{name}" in wheel_names, name
    assert "dense_direction/models/__init__.py" in wheel_names


def test_top_level_configs_are_the_package_presets():
    """One owner: the checkout's configs/ (tools/run.py, OpenMMLab users) is the package's."""
    from dense_direction.cli._presets import config_root

    assert (REPO_ROOT / "configs").resolve() == config_root()
