"""The preset configs ``train`` and ``demo`` start from.

They are package data (``dense_direction/configs/``: ``_base_/``, ``dir/``, ``seg_dir/``), so a
wheel install trains; the top-level ``configs/`` of a source checkout is a link to the same
folder, for ``tools/run.py`` and OpenMMLab users.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PRESETS", "config_root", "preset_config"]

#: ``--model`` name -> (config file below :func:`config_root`, description).
PRESETS = {
    "unet": (
        "seg_dir/unet_synthetic_lines_cpu.py",
        "segmentation + direction, small UNet; trains on a CPU (default)",
    ),
    "unet-dir": ("dir/unet_synthetic_lines_cpu.py", "direction only, small UNet; CPU"),
    "dinov2-dpt": (
        "seg_dir/dinov2_dual_synthetic_lines_10k.py",
        "segmentation + direction, frozen DINOv2-S/14 + DPT; needs --backbone-weights",
    ),
}


def config_root() -> Path:
    """The folder of the shipped configs (inside the installed package)."""
    root = Path(__file__).resolve().parents[1] / "configs"
    if not root.is_dir():
        raise FileNotFoundError(
            f"preset configs not found at {root}: the installation is incomplete; reinstall "
            f"dense-direction (pip install --force-reinstall dense-direction), or use "
            f"tools/run.py with your own config"
        )
    return root


def preset_config(model: str) -> Path:
    """The config file of the ``--model`` preset ``model``."""
    if model not in PRESETS:
        raise ValueError(f"unknown model {model!r}: choose one of {', '.join(sorted(PRESETS))}")
    return config_root() / PRESETS[model][0]
