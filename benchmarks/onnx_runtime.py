"""Would ONNX Runtime run the network faster than torch? One tile, three ways, one table.

The network ``predict`` runs (the rewritten inference copy of a bundled model or checkpoint)
on one ``--tile``² tile: torch in float32, torch in bfloat16 (where the CPU computes it
natively: what ``--precision auto`` picks) and ONNX Runtime in float32 on a
``torch.onnx.export`` of the same network, median seconds of ``--repeats`` calls after a
warm-up, and how far ONNX Runtime's outputs are from torch's float32. ONNX Runtime is not a
dependency of the project: ``.venv/bin/pip install onnxruntime onnx`` first.

    .venv/bin/python benchmarks/onnx_runtime.py [--model general] [--tile 512] [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from _timing import median_seconds


class _Network(torch.nn.Module):
    """The segmentor's raw outputs of a whole input, as ``predict`` computes them per tile."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from dense_direction.mm.segmentors import whole_outputs

        return whole_outputs(self.model, x)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="general", help="bundled model (general)")
    parser.add_argument("--tile", type=int, default=512, help="tile side in pixels (512)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls, median (5)")
    args = parser.parse_args()
    try:
        import onnxruntime
    except ImportError:
        parser.error("ONNX Runtime is not installed: .venv/bin/pip install onnxruntime onnx")
    from dense_direction.hardware import cpu_has_bfloat16_units
    from dense_direction.mm.inference import DirectionEstimator

    estimator = DirectionEstimator.pretrained(args.model, device="cpu", precision="float32")
    network = _Network(estimator.model).eval()
    x = torch.randn(1, 3, args.tile, args.tile, generator=torch.Generator().manual_seed(0))
    x_last = x.contiguous(memory_format=torch.channels_last)
    threads = torch.get_num_threads()
    rows = []
    with torch.inference_mode():
        reference = network(x).numpy()
        rows.append(
            ("torch, float32", median_seconds(lambda: network(x_last), args.repeats, warmup=True))
        )
        if cpu_has_bfloat16_units():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                seconds = median_seconds(lambda: network(x_last), args.repeats, warmup=True)
            rows.append(("torch, bfloat16 (--precision auto here)", seconds))
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation notes
        path = Path(tmp) / "network.onnx"
        torch.onnx.export(network, (x,), str(path), dynamo=False, opset_version=17)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
    feed = {session.get_inputs()[0].name: x.numpy()}
    outputs = session.run(None, feed)[0]
    seconds = median_seconds(lambda: session.run(None, feed), args.repeats, warmup=True)
    rows.append((f"ONNX Runtime {onnxruntime.__version__}, float32", seconds))
    difference = float(np.abs(outputs - reference).max())
    print(f"bundled {args.model!r}, one {args.tile}x{args.tile} tile, {threads} threads, ", end="")
    print(f"torch {torch.__version__}, median of {args.repeats} calls\n")
    print("| network run by | seconds per tile | MPix/s |")
    print("|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.4f} | {args.tile**2 / seconds / 1e6:.2f} |")
    print(f"\nONNX Runtime vs torch float32: largest output difference {difference:.1e} ", end="")
    print(f"(outputs up to {np.abs(reference).max():.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
