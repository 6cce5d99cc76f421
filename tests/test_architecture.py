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


PREDICT = """
import sys
import numpy as np
from dense_direction.inference import DirectionEstimator
prediction = DirectionEstimator.pretrained().predict(np.zeros((40, 48, 3), np.uint8), tta=False)
assert prediction.angles.shape == (1, 40, 48)
from dense_direction.cli.main import main
assert main(["predict", "--input", sys.argv[1], "--out", sys.argv[2], "--no-tta"]) == 0
leaked = sorted(m for m in sys.modules if m.split('.')[0] in {'mmengine', 'mmcv', 'mmseg'})
assert not leaked, leaked
"""


def test_the_bundled_model_predicts_without_openmmlab(tmp_path):
    # Importing mmengine/mmseg costs a second of start-up (docs/benchmarks.md), and someone
    # who only predicts with a shipped model should not need them.
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((24, 32, 3), 90, np.uint8)).save(tmp_path / "a.png")
    command = [sys.executable, "-c", PREDICT, str(tmp_path / "a.png"), str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "a_angles.npy").exists()
