# Glorot & Bengio (2010) reproduction suite. `make help` lists the targets.
# Every target that needs the environment installs it first, so any target works as the
# first command typed on a fresh clone.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export OMP_NUM_THREADS ?= 1

.DEFAULT_GOAL := help
.PHONY: help install test test-all lint reproduce-all reproduce-fig1 reproduce-fig5 reproduce-fig6 \
	reproduce-fig7 reproduce-fig8 reproduce-jacobian runs-at-init lr-search bench-shapeset bench-train clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

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

reproduce-fig5: $(STAMP) ## Fig. 5: cross-entropy vs quadratic cost surfaces -> results/figures/fig5.*
	$(PY) -m analysis.fig5

runs-at-init: $(STAMP) ## probe tanh 5x1000 at init, standard and normalized (reuses complete runs)
	$(PY) -m experiments.train -m experiment=at_init init=standard,normalized

reproduce-fig6: runs-at-init ## Fig. 6: activation histograms at init -> results/figures/fig6.*
	$(PY) -m analysis.fig6

reproduce-fig7: runs-at-init ## Fig. 7: back-propagated gradient histograms at init
	$(PY) -m analysis.fig7

reproduce-fig8: runs-at-init ## Fig. 8: weight-gradient histograms just after init
	$(PY) -m analysis.fig8

reproduce-jacobian: runs-at-init ## mean Jacobian singular values at init -> results/jacobian.md
	$(PY) -m analysis.jacobian_table

lr-search: $(STAMP) ## search each model's learning rate -> conf/learning_rates.yaml (~35 min)
	$(PY) -m experiments.train -m experiment=lr_search progress=false
	$(PY) -m experiments.train -m experiment=lr_search activation=sigmoid init=standard \
	  model.depth=4 progress=false
	$(PY) -m analysis.lr_search

bench-train: $(STAMP) ## examples/s: suite loop, with probes, vs a plain PyTorch loop (CPU)
	$(PY) -m benchmarks.bench_train

bench-shapeset: $(STAMP) ## images/s of the generator vs a per-image PIL reference, one core
	$(PY) -m benchmarks.bench_shapeset

clean: ## remove the environment and caches (keeps results/)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

reproduce-all: reproduce-fig1 reproduce-fig5 reproduce-fig6 reproduce-fig7 reproduce-fig8 \
	reproduce-jacobian ## every reproduced figure and table
