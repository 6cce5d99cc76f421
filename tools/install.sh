#!/usr/bin/env bash
# Install everything Dense Direction needs into a project-local virtual environment (.venv).
# Safe to run again: it returns at once when nothing changed since the last complete install.
#
#   VENV=path      where the environment lives (default: .venv)
#   PYTHON=python3 the interpreter that creates it
#   TORCH_SPEC     what to install when the environment has no torch (default: torch==2.13.0);
#                  a torch already importable in the environment (e.g. a CUDA build) is kept.
#
# The OpenMMLab stack is the maintained fork (onedl-mmengine / onedl-mmcv /
# onedl-mmsegmentation, same import names). onedl-mmcv compiles its C++ ops from source, about
# 15 minutes on 2 cores the first time; pip caches the wheel so later installs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
MMCV_SPEC="onedl-mmcv>=2.3.6,<2.4"
STAMP="$VENV/.dense-direction-install"
fingerprint=$(cat pyproject.toml tools/install.sh | sha256sum | cut -c1-16)

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$fingerprint" ]]; then
  exit 0
fi

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -x "$VENV/bin/python" ]]; then
  step "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
py="$VENV/bin/python"
pip=("$py" -m pip install --disable-pip-version-check --progress-bar off)

step "build tools (setuptools<81: onedl-mmcv's build needs pkg_resources)"
"${pip[@]}" -q --upgrade pip "setuptools<81" wheel

if "$py" -c "import torch" 2>/dev/null; then
  step "keeping installed torch $("$py" -c 'import torch; print(torch.__version__)')"
else
  step "installing $TORCH_SPEC"
  "${pip[@]}" "$TORCH_SPEC"
fi

if "$py" -c "import mmcv" 2>/dev/null; then
  step "keeping installed mmcv $("$py" -c 'import mmcv; print(mmcv.__version__)')"
else
  step "installing $MMCV_SPEC (first build compiles for ~15 min; pip caches the wheel)"
  # No build isolation: the build must see the torch installed above, not a fresh one.
  "${pip[@]}" --no-build-isolation "$MMCV_SPEC"
fi

step "installing dense-direction (editable) with the OpenMMLab, DINO and development extras"
"${pip[@]}" -e ".[mm,dino,dev]"

echo "$fingerprint" > "$STAMP"
step "done: $("$py" -c 'import torch, mmcv, mmengine, mmseg; print(f"torch {torch.__version__}, mmengine {mmengine.__version__}, mmcv {mmcv.__version__}, mmseg {mmseg.__version__}")')"
