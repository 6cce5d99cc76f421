"""Import shim: the converter lives in tools/datasets, outside the package."""

import importlib.util
from pathlib import Path

_path = Path(__file__).resolve().parents[2] / "tools" / "datasets" / "ottawa_roads.py"
_spec = importlib.util.spec_from_file_location("ottawa_roads_tool", _path)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
convert = _module.convert
