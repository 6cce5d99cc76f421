"""Importing OpenMMLab without what only training uses, and completing it when training does.

mmengine's optimizer package imports Hugging Face ``transformers`` (about 0.5 s of every
start-up on 2 CPU cores; 0.77 s under a profiler) for one reason: to register transformers'
Adafactor optimizer. Prediction never builds an optimizer, so when this package is the first to
import mmengine, ``import transformers`` is made to fail while mmengine tries (it takes that as
"not installed"), and :func:`complete_optimizer_registry` registers Adafactor when a runner
builds its optimizer. ``transformers`` itself imports as usual afterwards (the DINO backbones
use it). Where mmengine was imported before this package, nothing changes.
"""

from __future__ import annotations

import sys

__all__ = ["complete_optimizer_registry", "import_mmengine_without_transformers"]


def import_mmengine_without_transformers() -> None:
    """Import ``mmengine.optim`` with ``import transformers`` blocked, where neither is
    imported yet (a no-op otherwise)."""
    if "mmengine.optim" in sys.modules or "transformers" in sys.modules:
        return
    sys.modules["transformers"] = None  # type: ignore[assignment]  # `import` raises ImportError
    try:
        import mmengine.optim  # noqa: F401
    finally:
        del sys.modules["transformers"]


def complete_optimizer_registry() -> None:
    """Register what :func:`import_mmengine_without_transformers` left out of mmengine's
    optimizer registry (transformers' Adafactor, where transformers is installed)."""
    from mmengine.optim.optimizer.builder import register_transformers_optimizers
    from mmengine.registry import OPTIMIZERS

    if "Adafactor" not in OPTIMIZERS.module_dict:
        register_transformers_optimizers()
