"""Every dataset config builds its datasets and runs its pipelines (on stand-in files)."""

from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS
from PIL import Image

from dense_direction.synthetic.dataset import write_dataset
from helpers import REPO_ROOT, line_mask

CONFIGS = REPO_ROOT / "configs" / "_base_" / "datasets"


def _pair(image_path: Path, mask_path: Path, size=400, mask_scale=255):
    rng = np.random.default_rng(0)
    image_path.parent.mkdir(parents=True, exist_ok=True)
    mask_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(image_path)
    mask = (line_mask(size, 0.6, 9).numpy() * mask_scale).astype(np.uint8)
    Image.fromarray(mask).save(mask_path)


def _fake(name: str, root: Path) -> dict:
    """Stand-in files in the layout each dataset expects; returns dataset overrides."""
    if name == "synthetic_lines":
        write_dataset(root, 6, "vessels", 160, fractions=(0.5, 0.25, 0.25))
        return {}
    if name == "concrete_cracks":
        _pair(root / "rgb" / "001.jpg", root / "BW" / "001.jpg")
        return {"indices": None}
    if name == "ottawa_roads":
        _pair(root / "images" / "Ottawa-1.tif", root / "masks" / "Ottawa-1.png", mask_scale=1)
        return {"indices": None}
    suffix = "_1stHO.png" if name == "chase_db1" else "_manual1.png"
    for split in ("training", "validation"):
        _pair(
            root / "images" / split / "01.png",
            root / "annotations" / split / f"01{suffix}",
            mask_scale=1,
        )
    return {}


@pytest.mark.parametrize("name", sorted(p.stem for p in CONFIGS.glob("*.py")))
def test_dataset_config_builds_and_loads(name, tmp_path):
    cfg = Config.fromfile(CONFIGS / f"{name}.py")
    overrides = _fake(name, tmp_path)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        # The package's image reader (any bit depth, float TIFFs), as the CLI uses.
        assert loader.dataset.pipeline[0]["type"] == "LoadImage"
        dataset_cfg = dict(loader.dataset, data_root=str(tmp_path), **overrides)
        dataset = DATASETS.build(dataset_cfg)
        assert len(dataset) >= 1
        packed = dataset[0]
        assert packed["inputs"].ndim == 3
        sample = packed["data_samples"]
        assert sample.gt_sem_seg.data.sum() > 0
        if "gt_directions" in sample:
            assert sample.gt_directions.data.shape[-2:] == sample.gt_sem_seg.data.shape[-2:]
