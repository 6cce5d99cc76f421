"""Every warning the package gives is a DenseDirectionWarning: the command line recognises
its warnings by that category (one line naming the command), so one given without it would
print as Python's two-line ``file:line: UserWarning`` form."""

import ast
from pathlib import Path

import dense_direction

PACKAGE = Path(dense_direction.__file__).parent


def _warn_calls_without_the_category(folder: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "warnings.warn"):
                continue
            given = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "category")]
            if not any(ast.unparse(arg) == "DenseDirectionWarning" for arg in given):
                found.append(f"{path.relative_to(folder)}:{node.lineno}")
    return found


def test_every_warning_of_the_package_has_its_category():
    assert _warn_calls_without_the_category() == []


def test_the_check_finds_a_warning_without_it(tmp_path):
    (tmp_path / "m.py").write_text("import warnings\nwarnings.warn('x', stacklevel=2)\n")
    assert _warn_calls_without_the_category(tmp_path) == ["m.py:2"]
