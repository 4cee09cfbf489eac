"""One run, one folder: Hydra's folder is the identity module's, whatever the spelling of
the overrides; stored runs move to the folders their configs name, byte for byte."""

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.runs.store import find_runs
from experiments.learning_rates import default_lr
from experiments.rename_runs import rename
from experiments.run_identity import resolved_task, run_name, run_path
from experiments.run_store import RunStore
from experiments.schema import InitConfig
from models.inits import INITS

REPO = Path(__file__).resolve().parent.parent

# Each group: spellings of one run (restated defaults, speed-only settings, other number
# formats, another order), then the folder name written by hand from the rule.
SAME_RUN = [
    (
        [[], ["activation=tanh"], ["init=normalized", "model.depth=5"], ["logger=tensorboard"],
         ["threads=1", "progress=false", "device=cpu", "engine.loader_workers=0"],
         ["data.finite.root=/elsewhere"], ["optim.lr=0.01"], ["optim.lr=1e-2"],
         ["loss=cross_entropy", "pretrain=none", "model.batch_norm=false"]],
        f"activation=tanh,init=normalized,model.depth=5,optim.lr="
        f"{default_lr('tanh', 'normalized', 5)},profile=quick",
    ),
    (
        [["activation=sigmoid", "model.depth=4", "init=standard"],
         ["init=standard", "model.depth=4", "activation=sigmoid", "model_seed=0"],
         ["model.depth=4", "activation=sigmoid", "init=standard", "model.width=1000"]],
        f"activation=sigmoid,init=standard,model.depth=4,optim.lr="
        f"{default_lr('sigmoid', 'standard', 4)},profile=quick",
    ),
    (
        [["init=gaussian", "init.std=0.001", "model.batch_norm=true"],
         ["model.batch_norm=True", "init.std=1e-3", "init=gaussian"]],
        "activation=tanh,init.std=0.001,init=gaussian,model.batch_norm=true,model.depth=5,"
        f"optim.lr={default_lr('tanh', 'gaussian', 5, batch_norm=True)},profile=quick",
    ),
    (
        [["data=mnist", "loss=quadratic", "profile=epochs10", "model_seed=7"]],
        f"activation=tanh,data=mnist,init=normalized,loss=quadratic,model.depth=5,model_seed=7,"
        f"optim.lr={default_lr('tanh', 'normalized', 5, 'mnist')},profile=epochs10",
    ),
]  # fmt: skip


@pytest.mark.parametrize("spellings,name", SAME_RUN)
def test_hydra_names_every_spelling_of_a_run_by_the_identity_rule(compose_cfg, spellings, name):
    for overrides in spellings:
        with compose_cfg(overrides) as cfg:
            config = resolved_task(cfg)
            assert cfg.hydra.run.dir == str(run_path(config)), overrides
            assert cfg.hydra.sweep.subdir == str(run_path(config, ".").relative_to("."))
            assert run_name(config) == name, overrides


def test_different_runs_get_different_folders(compose_cfg):
    settings = [[], ["init=standard"], ["optim.lr=0.02"], ["seed=1"], ["model.width=999"],
                ["profile.examples=1000"], ["init=gaussian"], ["init=gaussian", "init.std=0.1"],
                ["pretrain=dae"], ["model.widths=[500,1000,1000,1000,1500]"],
                ["eval_seed=1"]]  # fmt: skip
    dirs = set()
    for overrides in settings:
        with compose_cfg(overrides) as cfg:
            dirs.add(cfg.hydra.run.dir)
    assert len(dirs) == len(settings)


@pytest.mark.parametrize(
    "scheme,setting",
    sorted({(n, o) for n in INITS for o in (*INITS[n].options, *INITS[n].bias_options)}),
)
def test_every_setting_a_scheme_draws_with_names_its_run(compose_cfg, scheme, setting):
    other = getattr(InitConfig(), setting) * 2 + 0.01  # valid for every such setting
    folders = set()
    for overrides in ([f"init={scheme}"], [f"init={scheme}", f"init.{setting}={other}"]):
        with compose_cfg(overrides) as cfg:
            folders.add(cfg.hydra.run.dir)
    assert len(folders) == 2


def test_a_run_trained_twice_by_different_spellings_is_found_once(tmp_path):
    base = [sys.executable, "-m", "experiments.train", "profile=smoke", "model.width=8",
            "model.depth=1", "progress=false", "threads=1", f"runs_dir={tmp_path}"]  # fmt: skip
    subprocess.run(base, cwd=REPO, check=True, capture_output=True, timeout=300)
    again = subprocess.run([*base, "activation=tanh", "logger=tensorboard", "optim.lr=1e-2"],
                           cwd=REPO, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert "already complete, skipped" in again.stdout + again.stderr
    assert len(list(tmp_path.rglob("summary.json"))) == 1
    (run,) = find_runs("default", tmp_path, activation="tanh", depth=1, profile="smoke",
                       model__width=8)  # fmt: skip
    assert run.dir == next(tmp_path.rglob("summary.json")).parent


def _tiny_run(root: Path) -> Path:
    cmd = [sys.executable, "-m", "experiments.train", "profile=smoke", "model.width=8",
           "model.depth=1", "progress=false", "threads=1", "init=standard",
           f"runs_dir={root}"]  # fmt: skip
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=300)
    (summary,) = root.rglob("summary.json")
    return summary.parent


def test_rename_moves_old_folders_whole_and_leaves_conflicts(tmp_path):
    run = _tiny_run(tmp_path / "made")
    old = tmp_path / "runs" / "default" / "init=standard,model.depth=1" / "seed=0"
    shutil.copytree(run, old)
    twin = tmp_path / "runs" / "default" / "model.depth=1,init=standard,logger=x" / "seed=0"
    shutil.copytree(run, twin)
    assert rename(tmp_path / "runs") == 1  # the second holds the same run: left as is
    config = yaml.safe_load((run / "config.yaml").read_text())
    new = run_path(config, tmp_path / "runs")
    assert not old.exists() and not old.parent.exists() and twin.exists()
    files = sorted(p.name for p in run.iterdir() if p.is_file())
    assert filecmp.cmpfiles(run, new, files, shallow=False)[0] == files
    assert RunStore(new).status() == "complete"
    assert rename(tmp_path / "runs") == 0  # nothing left to move
