"""``dense-direction predict`` end to end, this checkout against another one, on the same
machine in one run: the ratio the speed issue sets its target in (4x the end-to-end MPix/s
of the code at the time it was filed, commit 7338a99).

Each run is a fresh process as a user starts it (Python start-up, imports, loading the
model, reading, tiling, network, blending, smoothing, writing every output), the two
checkouts alternated, ``--repeats`` runs each, on the 4000x3000 mosaic of
``predict_throughput.py`` (or ``--sizes``). Both predict with the bundled ``general`` model:
this checkout by default, the other from a work dir written here from the same weights and
config (older code has no bundled models; it reads the config from the checkpoint), or by
default too with ``--before-bundled``.

    git worktree add /tmp/before 7338a99
    .venv/bin/python benchmarks/predict_before_after.py --before /tmp/before [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _cli import DENSE_DIRECTION
from predict_throughput import mosaic


def bundled_work_dir(folder: Path) -> Path:
    """A work dir of the bundled ``general`` model as older code loads one: a checkpoint
    with the weights and, in its meta, the config's text, and ``last_checkpoint``."""
    import torch

    from dense_direction.models import bundled_model

    model = bundled_model()
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint = folder / "iter_1.pth"
    config = model.config.read_text()
    torch.save({"state_dict": model.load_state_dict(), "meta": {"cfg": config}}, checkpoint)
    (folder / "config.py").write_text(config)
    (folder / "last_checkpoint").write_text(str(checkpoint.resolve()))
    return folder


def predict_seconds(
    source: Path | None,
    image: Path,
    out: Path,
    checkpoint: Path | None,
    tta: bool = False,
    env: dict[str, str] | None = None,
) -> float:
    """Seconds of one ``predict --no-tta`` (with ``tta``: ``predict``, its default test-time
    augmentation) in a fresh process, with ``source`` (a checkout's ``src``) first on the
    import path, or this checkout's installed package; ``env``: its environment (this
    process's by default)."""
    env = dict(os.environ if env is None else env)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    command = [*DENSE_DIRECTION, "predict"]
    command += ["--input", str(image), "--out", str(out)] + ([] if tta else ["--no-tta"])
    if checkpoint is not None:
        command += ["--checkpoint", str(checkpoint)]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=out.parent)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument(
        "--before-bundled",
        action="store_true",
        help="the other checkout has the bundled model too (commit 17261fa on): both predict "
        "without --checkpoint, the same path (without it, the other loads a work dir)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--tta", action="store_true", help="predict's default (8 passes), not --no-tta"
    )
    parser.add_argument("--sizes", nargs="+", default=["4000x3000"], help="WxH... or N for N²")
    args = parser.parse_args()
    before_src = args.before.resolve() / "src"
    if not (before_src / "dense_direction").is_dir():
        parser.error(f"--before {args.before}: no src/dense_direction there")
    print(f"`predict{'' if args.tta else ' --no-tta'}`\n")
    print("| image | code | seconds, each run | median | MPix/s | ratio |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        work_dir = None if args.before_bundled else bundled_work_dir(folder / "general")
        for size in args.sizes:
            width, height = (int(v) for v in size.split("x")) if "x" in size else (int(size),) * 2
            image = folder / f"mosaic_{size}.png"
            mosaic(image, height, width)
            runs: dict[str, list[float]] = {"before": [], "after": []}
            for _ in range(args.repeats):
                before = predict_seconds(before_src, image, folder / "b", work_dir, args.tta)
                runs["before"].append(before)
                runs["after"].append(predict_seconds(None, image, folder / "a", None, args.tta))
            medians = {code: statistics.median(seconds) for code, seconds in runs.items()}
            for code, seconds in runs.items():
                each = ", ".join(f"{s:.2f}" for s in seconds)
                rate = width * height / 1e6 / medians[code]
                ratio = medians["before"] / medians[code]
                print(
                    f"| {width}x{height} | {code} | {each} | {medians[code]:.2f} | {rate:.2f} "
                    f"| {ratio:.2f}x |"
                )


if __name__ == "__main__":
    main()
