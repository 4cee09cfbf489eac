# Glorot & Bengio (2010) reproduction suite. `make help` lists the targets.
# Every target that needs the environment installs it first, so any target works as the
# first command typed on a fresh clone.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= quick
FIG12_PROFILE ?= epochs10
# Torch CPU threads per run, fixed so that results repeat bit for bit on any machine: the
# order of floating-point sums depends on the thread count (docs/engine.md, "A run directory").
THREADS ?= 2
# How a sweep's jobs run: `lockstep` trains compatible ones as one stack in one process
# (docs/engine.md), the default where an NVIDIA GPU is present; `basic` one
# after another. Both give the same runs (bit for bit on the CPU).
LAUNCHER ?= $(if $(shell command -v nvidia-smi 2>/dev/null),lockstep,basic)
# Where the suite's records go (committed; a plain `python -m experiments.train` writes to the
# git-ignored runs/), and where MNIST and CIFAR-10 are read: ../shared/data when present,
# else data/ inside the clone (git-ignored; downloaded there, checked against checksums).
RUNS_DIR ?= results/runs
DATA_ROOT ?= $(if $(wildcard ../shared/data),../shared/data,data)
WHERE_TO := runs_dir=$(abspath $(RUNS_DIR)) data.finite.root=$(DATA_ROOT)
MULTIRUN := $(PY) -m experiments.train -m threads=$(THREADS) hydra/launcher=$(LAUNCHER) $(WHERE_TO)
SWEEP := $(MULTIRUN) profile=$(PROFILE)
# The learning-rate search: stage 1 (every model x rate, seed 0), then stage 2 (more seeds
# for the rates stage 1 cannot tell apart), always in lockstep stacks.
LR_SEARCH := $(PY) -m experiments.train -m threads=$(THREADS) hydra/launcher=lockstep $(WHERE_TO) \
  experiment=lr_search progress=false
# The design grid (`make sweep-grid`): its budget, seeds, parallel jobs and their threads,
# and GRID for any extra override, e.g. GRID="model.depth=1,3,5 loss=quadratic".
GRID_PROFILE ?= grid
SEEDS ?= 0
JOBS ?= 2
GRID_THREADS ?= 1
GRID ?=

.DEFAULT_GOAL := help
.PHONY: help install test test-all lint reproduce-all reproduce-fig1 reproduce-fig5 reproduce-fig6 \
	reproduce-fig7 reproduce-fig8 reproduce-jacobian reproduce-depth-scan reproduce-isometry reproduce-random-walk reproduce-conv-scan reproduce-order-chaos reproduce-trainability reproduce-framework-defaults reproduce-beyond reproduce-init-mistakes reproduce-svm runs-at-init lr-search lr-search-paper lr-search-beyond lr-search-conv lr-search-mnist reproduce-fig12 \
	reproduce-fig2 reproduce-fig3 reproduce-fig4 reproduce-fig9 reproduce-fig10 reproduce-fig11 \
	reproduce-saturation reproduce-table1 runs-table1 runs-table1-seeds reproduce-init-vs-rate reproduce-sigmoid-pretrain reproduce-layer-sizes reproduce-mnist-sigmoid sweep-grid grid-plots inspect aggregate report \
	bench-shapeset bench-train gpu-wheels clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev,joblib,submitit,tensorboard,svm]'
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
	$(PY) -m analysis.figures fig1

reproduce-fig5: $(STAMP) ## Fig. 5: cross-entropy vs quadratic cost surfaces -> results/figures/fig5.*
	$(PY) -m analysis.figures fig5

runs-at-init: $(STAMP) ## probe tanh 5x1000 at init, standard and normalized (reuses complete runs)
	$(MULTIRUN) experiment=at_init init=standard,normalized

reproduce-fig6: runs-at-init ## Fig. 6: activation histograms at init -> results/figures/fig6.*
	$(PY) -m analysis.figures fig6

reproduce-fig7: runs-at-init ## Fig. 7: back-propagated gradient histograms at init
	$(PY) -m analysis.figures fig7

reproduce-fig8: runs-at-init ## Fig. 8: weight-gradient histograms just after init
	$(PY) -m analysis.figures fig8

reproduce-jacobian: runs-at-init ## mean Jacobian singular values at init -> results/jacobian.md
	$(PY) -m analysis.figures.jacobian_table

reproduce-depth-scan: $(STAMP) ## beyond the paper: std of activations and gradients per layer at init, 50 layers, activation x init
	$(PY) -m analysis.scans.depth_scan

reproduce-isometry: $(STAMP) ## beyond the paper: singular values of the input-output Jacobian at init vs depth
	$(PY) -m analysis.scans.isometry

reproduce-random-walk: $(STAMP) ## beyond the paper: log gradient norm over 100 layers at init, random-walk g vs plain (Sussillo & Abbott)
	$(PY) -m analysis.scans.random_walk

reproduce-conv-scan: $(STAMP) ## beyond the paper: conv fan-in over the receptive field vs channels, at init
	$(PY) -m analysis.scans.conv_scan

reproduce-order-chaos: $(STAMP) ## beyond the paper: the order-to-chaos phase diagram of tanh nets, the inits and framework defaults on it, the maps against nets at init
	$(PY) -m analysis.scans.mean_field
	$(PY) -m analysis.scans.mean_field_probes

reproduce-trainability: $(STAMP) ## beyond the paper: where tanh nets train over sigma_w^2 x depth, 6 xi_c over it (MNIST, 50 nets)
	$(PY) -m experiments.train -m threads=$(THREADS) hydra/launcher=lockstep $(WHERE_TO) experiment=trainability
	$(PY) -m analysis.figures trainability --runs-dir $(RUNS_DIR)

reproduce-framework-defaults: $(STAMP) ## beyond the paper: the paper's tanh and softsign nets from PyTorch's and Flax's default inits, 3 seeds
	$(SWEEP) experiment=framework_defaults seed=0,1,2

reproduce-beyond: $(STAMP) ## beyond the paper, in training: ReLU d5/d30 He vs normalized, sigmoid Kumar, batch norm, conv fan-in (rates: make lr-search-beyond)
	$(SWEEP) experiment=beyond_relu
	$(SWEEP) experiment=beyond_sigmoid
	$(SWEEP) experiment=beyond_batch_norm
	$(SWEEP) experiment=beyond_conv activation=tanh init=normalized
	$(SWEEP) experiment=beyond_conv activation=relu init=he
	$(PY) -m analysis.figures beyond --profile $(PROFILE)

reproduce-init-mistakes: runs-table1 ## beyond the paper: common init mistakes beside the right scheme, at init and in training
	$(SWEEP) experiment=init_mistakes
	$(SWEEP) experiment=init_mistakes init=gaussian init.std=0.01,0.001,0.178
	$(SWEEP) experiment=beyond_relu model.depth=5
	$(SWEEP) experiment=beyond_conv activation=relu init=he
	$(PY) -m analysis.figures.init_mistakes --profile $(PROFILE)

# The SVM's 64 fits take ~16 min: a stored record is reused unless SVM_REFIT=1.
SVM_REDRAW = $(if $(SVM_REFIT),,$(if $(wildcard results/svm_baseline.json),--redraw))

reproduce-svm: $(STAMP) ## section 2.1: RBF SVM vs tanh net on a finite Shapeset of 1k-8k examples (the paper: 1e5; SVM_REFIT=1 refits the SVMs)
	$(SWEEP) experiment=svm_nets
	$(PY) -m analysis.scans.svm_baseline --profile $(PROFILE) $(SVM_REDRAW)

lr-search: $(STAMP) ## search each model's learning rate -> conf/learning_rates.yaml (hours)
	$(LR_SEARCH)
	$(LR_SEARCH) activation=sigmoid init=standard model.depth=4
	$(PY) -m analysis.report.lr_search --plan > .lr_search_stage2
	while read -r overrides; do $(LR_SEARCH) $$overrides || exit 1; done < .lr_search_stage2
	$(PY) -m analysis.report.lr_search
	@rm -f .lr_search_stage2

# The sigmoid nets' candidates at 2.5e6 examples (conf/experiment/lr_search_paper.yaml says why).
SIGMOID_PAPER_RATES := optim.lr=0.1,0.3,1.0
lr-search-paper: $(STAMP) ## the search at 2.5e6 examples per candidate -> conf/learning_rates.yaml's `tenth` and `paper` sections (a GPU job: experiments/gpu_lease.sh)
	$(LR_SEARCH) experiment=lr_search_paper
	$(LR_SEARCH) experiment=lr_search_paper activation=sigmoid $(SIGMOID_PAPER_RATES)
	$(LR_SEARCH) experiment=lr_search_paper activation=sigmoid init=standard model.depth=4 $(SIGMOID_PAPER_RATES)
	$(PY) -m analysis.report.lr_search --paper

lr-search-beyond: $(STAMP) ## the same learning-rate search for the beyond-the-paper nets (ReLU d5/d30, Kumar, BN; many CPU hours; conv nets: make lr-search-conv)
	$(LR_SEARCH) activation=relu init=he,normalized model.depth=5,30
	$(LR_SEARCH) activation=sigmoid init=kumar
	$(LR_SEARCH) activation=tanh,relu init=standard,normalized model.batch_norm=true
	$(PY) -m analysis.report.lr_search --plan > .lr_search_stage2
	while read -r overrides; do $(LR_SEARCH) $$overrides || exit 1; done < .lr_search_stage2
	$(PY) -m analysis.report.lr_search
	@rm -f .lr_search_stage2

# The conv nets' rates (conf/experiment/lr_search_conv.yaml): the pairs `make reproduce-beyond` trains.
lr-search-conv: $(STAMP) ## the same learning-rate search for the conv nets, 5e4 examples per candidate (~40 min)
	$(LR_SEARCH) experiment=lr_search_conv activation=tanh init=normalized
	$(LR_SEARCH) experiment=lr_search_conv activation=relu init=he
	$(PY) -m analysis.report.lr_search --plan --conv > .lr_search_conv_stage2
	while read -r overrides; do $(LR_SEARCH) experiment=lr_search_conv $$overrides || exit 1; done < .lr_search_conv_stage2
	$(PY) -m analysis.report.lr_search --conv
	@rm -f .lr_search_conv_stage2

lr-search-mnist: $(STAMP) ## the same learning-rate search for Fig. 12's nets on MNIST, 2 epochs per candidate (~1.5 h)
	$(LR_SEARCH) experiment=lr_search_mnist
	$(PY) -m analysis.report.lr_search --plan --mnist > .lr_search_mnist_stage2
	while read -r overrides; do $(LR_SEARCH) experiment=lr_search_mnist $$overrides || exit 1; done < .lr_search_mnist_stage2
	$(PY) -m analysis.report.lr_search --mnist
	@rm -f .lr_search_mnist_stage2

reproduce-fig2: $(STAMP) ## Fig. 2: sigmoid 4 layers, mean activations over training (PROFILE=quick|tenth|paper)
	$(SWEEP) experiment=fig2
	$(PY) -m analysis.figures fig2 --profile $(PROFILE)

reproduce-fig3: $(STAMP) ## Fig. 3: tanh and softsign, percentiles and std over training
	$(SWEEP) experiment=fig3
	$(PY) -m analysis.figures fig3 --profile $(PROFILE)

reproduce-fig4: $(STAMP) ## Fig. 4: activation histograms at the end of training
	$(SWEEP) experiment=fig4
	$(PY) -m analysis.figures fig4 --profile $(PROFILE)

reproduce-fig9: $(STAMP) ## Fig. 9: weight-gradient spreads over training, tanh std vs N
	$(SWEEP) experiment=fig9
	$(PY) -m analysis.figures fig9 --profile $(PROFILE)

reproduce-fig10: $(STAMP) ## Fig. 10: as Fig. 3 for tanh with normalized init
	$(SWEEP) experiment=fig10
	$(PY) -m analysis.figures fig10 --profile $(PROFILE)

reproduce-fig12: $(STAMP) ## Fig. 12: MNIST and CIFAR-10 test error, Table 1's nets (FIG12_PROFILE=epochs10|paper)
	$(MULTIRUN) experiment=fig12 data=mnist profile=$(FIG12_PROFILE)
	-$(MULTIRUN) experiment=fig12 data=cifar10 profile=$(FIG12_PROFILE)  # needs its data file
	$(PY) -m analysis.figures fig12 --profile $(FIG12_PROFILE)

reproduce-mnist-sigmoid: $(STAMP) ## MNIST's 5-layer sigmoid net for 30 epochs, at its searched rate and a tenth of it (report: `make report`)
	$(MULTIRUN) experiment=fig12 data=mnist profile=epochs30 activation=sigmoid init=standard \
	  optim.lr=1.0,0.1

runs-table1: $(STAMP)
	$(SWEEP) experiment=table1

reproduce-fig11: runs-table1 ## Fig. 11: test error vs examples seen, 7 models incl. pre-training
	$(SWEEP) experiment=fig2
	$(SWEEP) experiment=pretrain
	$(PY) -m analysis.figures fig11 --profile $(PROFILE)

runs-table1-seeds: $(STAMP) ## the figure nets of Table 1, Fig. 2 and Fig. 11 at seeds 0-2 (PROFILE)
	$(SWEEP) experiment=table1 seed=0,1,2
	$(SWEEP) experiment=fig2 seed=0,1,2
	$(SWEEP) experiment=pretrain seed=0,1,2

# The controlled experiment behind Figs. 9 and 10 (analysis/figures/init_vs_rate.py): tanh, standard
# vs normalized init at the same rates 0.003, 0.01, 0.03, seeds 0-2. At each init's own
# searched rate its runs are Table 1's (seeds 0-2); the plan lists the other rates.
reproduce-init-vs-rate: $(STAMP) ## tanh standard vs normalized at equal rates, 3 seeds -> results/figures/init_vs_rate*
	$(SWEEP) experiment=table1 activation=tanh seed=0,1,2
	$(PY) -m analysis.figures.init_vs_rate --plan --profile $(PROFILE) > .init_vs_rate_plan
	while read -r overrides; do $(SWEEP) experiment=table1 seed=0,1,2 $$overrides || exit 1; \
	  done < .init_vs_rate_plan
	@rm -f .init_vs_rate_plan
	$(PY) -m analysis.figures.init_vs_rate --profile $(PROFILE)

reproduce-sigmoid-pretrain: $(STAMP) ## section 3.1: Fig. 2's sigmoid net pre-trained as RBMs and as auto-encoders (report: `make report`)
	$(SWEEP) experiment=sigmoid_pretrain

reproduce-layer-sizes: $(STAMP) ## section 5: tanh standard vs normalized with layer sizes shrinking / growing with depth
	$(SWEEP) experiment=layer_sizes

reproduce-saturation: runs-table1 ## saturation per layer over training, activation x init
	$(PY) -m analysis.figures saturation --profile $(PROFILE)

reproduce-table1: runs-table1 ## Table 1, Shapeset column -> results/table1.md
	$(PY) -m analysis.report.table1 --profile $(PROFILE)

# The grid's launcher: lockstep stacks (one per depth) with LAUNCHER=lockstep or
# lockstep_slurm (docs/cluster.md), else joblib.
GRID_LAUNCH = $(if $(filter lockstep%,$(LAUNCHER)),hydra/launcher=$(LAUNCHER) threads=$(THREADS),\
  hydra/launcher=joblib hydra.launcher.n_jobs=$(JOBS) threads=$(GRID_THREADS))

sweep-grid: $(STAMP) ## the design grid: depth 1-5 x activation x loss x init x SEEDS, JOBS at once
	$(PY) -m experiments.train -m experiment=grid profile=$(GRID_PROFILE) seed=$(SEEDS) $(WHERE_TO) \
	  progress=false $(GRID_LAUNCH) $(GRID)
	$(MAKE) --no-print-directory grid-plots

grid-plots: $(STAMP) ## the grid's table (results/grid/runs.csv) and plots, from stored runs
	$(PY) -m analysis.runs.aggregate --experiment grid
	$(PY) -m analysis.figures.grid --profile $(GRID_PROFILE)

inspect: $(STAMP) ## per-layer pages of any run(s): make inspect RUN="results/runs/..." (or WHERE=, RUNS=)
	$(PY) -m analysis.figures.run_page $(RUN) $(if $(RUNS),--runs-dir $(RUNS) --where $(WHERE))

aggregate: $(STAMP) ## every run under results/runs, one row each -> results/all/runs.csv
	$(PY) -m analysis.runs.aggregate

report: $(STAMP) ## results/REPORT.md: each paper claim checked on the stored runs
	$(PY) -m analysis.report --grid-profile $(GRID_PROFILE)

bench-train: $(STAMP) ## examples/s: plain loop vs the engine (one net, the 8 figure nets); paper-scale projection
	$(PY) -m benchmarks.bench_train

# The GPU machine lent to this project has torch but not Hydra: these wheels travel with the
# working tree (docs/speed.md, "On a GPU machine").
GPU_WHEELS := .whl
gpu-wheels: $(STAMP) ## wheels of Hydra and its needs -> .whl/, for a GPU machine without them
	$(PY) -m pip wheel -q --no-deps -w $(GPU_WHEELS) $$($(PY) -c "import importlib.metadata as m; \
	  print(*(f'{p}=={m.version(p)}' for p in ('hydra-core', 'omegaconf', 'antlr4-python3-runtime')))")

bench-shapeset: $(STAMP) ## images/s of the generator vs a per-image PIL reference, one core
	$(PY) -m benchmarks.bench_shapeset

clean: ## remove the environment and caches (keeps results/)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

reproduce-all: reproduce-fig1 reproduce-fig5 reproduce-fig6 reproduce-fig7 reproduce-fig8 \
	reproduce-jacobian reproduce-table1 reproduce-fig2 reproduce-fig3 reproduce-fig4 \
	reproduce-fig9 reproduce-fig10 reproduce-fig11 reproduce-saturation ## every figure and table
