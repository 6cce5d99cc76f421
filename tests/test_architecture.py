"""The core imports no OpenMMLab: someone who wants only the loss needs only torch."""

import subprocess
import sys

CHECK = """
import sys
import dense_direction, dense_direction.losses, dense_direction.kernels
import dense_direction.analysis, dense_direction.analysis.report.files, dense_direction.models
leaked = sorted(m for m in sys.modules if m.split('.')[0] in {'mmengine', 'mmcv', 'mmseg'})
assert not leaked, leaked
"""


def test_core_does_not_import_openmmlab():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
