"""`dense-direction train` argument handling that needs no training run."""

import pytest

pytest.importorskip("mmengine", reason="OpenMMLab stack not installed")

from dense_direction.cli.train import own_image_loader


def test_training_loads_images_like_prediction():
    pipeline = [dict(type="LoadImageFromFile", to_float32=True), dict(type="LoadAnnotations")]
    assert own_image_loader(pipeline) == [
        dict(type="LoadImage", to_float32=True),
        dict(type="LoadAnnotations"),
    ]
