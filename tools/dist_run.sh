#!/usr/bin/env bash
# Several processes, GPUs or nodes through torchrun and mmengine's pytorch launcher:
#
#   tools/dist_run.sh CONFIG NPROC [run.py arguments ...]
#
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node. Without CUDA the
# processes train on the CPU over gloo.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${PYTHON:-$HERE/../.venv/bin/python}"
exec "$PY" -m torch.distributed.run \
  --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
  --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
  --nproc_per_node="$NPROC" \
  "$HERE/run.py" --config "$CONFIG" --launcher pytorch "$@"
