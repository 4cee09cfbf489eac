# Glorot & Bengio (2010) reproduction suite. `make help` lists the targets.
# Every target that needs the environment installs it first, so any target works as the
# first command typed on a fresh clone.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS ?= 1

.DEFAULT_GOAL := help
.PHONY: help install test test-all lint reproduce-all reproduce-fig1 bench-shapeset clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the suite (editable, with dev tools); idempotent

test: $(STAMP) ## run the fast tests (installs first if needed)
	$(PY) -m pytest

test-all: $(STAMP) ## run every test, the slow ones too
	$(PY) -m pytest -m "not gpu"

lint: $(STAMP) ## ruff: style and common bugs
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

reproduce-fig1: $(STAMP) ## Fig. 1: Shapeset-3x2 examples -> results/figures/fig1.{png,pdf}
	$(PY) -m analysis.fig1

bench-shapeset: $(STAMP) ## images/s of the generator vs a per-image PIL reference, one core
	$(PY) -m benchmarks.bench_shapeset

clean: ## remove the environment and caches (keeps results/)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

reproduce-all: reproduce-fig1 ## every reproduced figure and table
