"""Rearrange the Ottawa Roads zip into the layout OttawaRoadsDataset reads.

The zip holds ``Ottawa-Dataset/{i}/Ottawa-{i}.tif``, ``segmentation.png`` and
``centerline.png`` for i = 1..20; this writes ``OUTPUT/Ottawa-Dataset/images/Ottawa-{i}.tif``,
``masks/Ottawa-{i}.png`` and ``centerline/Ottawa-{i}.png``.

    python tools/datasets/ottawa_roads.py --zip_path Ottawa-Dataset.zip --output_dir data/
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

FILES = {"images": "Ottawa-{i}.tif", "masks": "segmentation.png", "centerline": "centerline.png"}
SUFFIX = {"images": ".tif", "masks": ".png", "centerline": ".png"}
COUNT = 20


def convert(zip_path: Path, output_dir: Path) -> Path:
    """Extract and rename; returns the dataset root. Raises with every missing member named."""
    if not zip_path.is_file():
        raise FileNotFoundError(f"zip not found: {zip_path}")
    root = output_dir / "Ottawa-Dataset"
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        wanted = {
            (folder, i): f"Ottawa-Dataset/{i}/{pattern.format(i=i)}"
            for folder, pattern in FILES.items()
            for i in range(1, COUNT + 1)
        }
        missing = sorted(member for member in wanted.values() if member not in names)
        if missing:
            raise FileNotFoundError(
                f"{zip_path} lacks {len(missing)} expected files, e.g. {missing[:3]}"
            )
        for (folder, i), member in wanted.items():
            target = root / folder / f"Ottawa-{i}{SUFFIX[folder]}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip_path", type=Path, required=True)
    parser.add_argument("--output_dir", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    try:
        root = convert(args.zip_path, args.output_dir)
    except (FileNotFoundError, zipfile.BadZipFile) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {COUNT} images, masks and centre-lines under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
