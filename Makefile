# Every target installs what it needs first (tools/install.sh is a no-op when up to date).
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: install demo test lint format bench pretrained clean

install:
	@bash tools/install.sh

## demo: the main job on generated data (about 10 minutes on 2 CPU cores) -> demo_out/
demo: install
	$(PY) -m dense_direction.cli.main demo --out demo_out

## test: lint, then the whole test suite
test: install lint
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## bench: loss speed and memory table (docs/benchmarks.md quotes it)
bench: install
	$(PY) benchmarks/loss_speed.py

## pretrained: regenerate the bundled 'general' model (data, training, evaluation, bundle;
## 66 minutes end to end on 2 idle CPU cores, measured 2026-12-07; resumable; docs/models.md) into work/pretrained and src/dense_direction/models
pretrained: install
	$(PY) tools/train_pretrained.py --out work/pretrained

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build src/*.egg-info
