"""What the package imports is what pyproject.toml declares (a wheel install must work)."""

import ast
import sys
from importlib.metadata import packages_distributions

import pytest

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
