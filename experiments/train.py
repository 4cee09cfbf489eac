"""Train (and probe) one net: `python -m experiments.train [overrides]`, `-m` to sweep.

    python -m experiments.train activation=sigmoid model.depth=4 init=standard
    python -m experiments.train -m experiment=at_init init=standard,normalized

A run writes its directory (see experiments/run_store.py); a complete run is skipped, an
interrupted one resumes from its last checkpoint and ends identical to an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import torch
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from experiments import schema
from experiments.pretrain import pretrain_dae
from experiments.probes import probe
from experiments.run_store import RunStore
from models import MLP, get_loss
from shapeset import ShapesetSet, ShapesetStream, batches

log = logging.getLogger(__name__)


def build(spec: schema.Config, device: torch.device) -> MLP:
    size = spec.data.shapeset.image_size
    return MLP(
        size * size,
        spec.model.hidden_widths(),
        9,
        spec.activation.name,
        spec.init.name,
        spec.model.output_init,
        seed=spec.model_seed,
    ).to(device)


@torch.no_grad()
def error_rate(model: MLP, data: ShapesetSet, device: torch.device) -> float:
    wrong = sum(
        (model(x.to(device)).argmax(1).cpu() != y).sum().item() for x, y in batches(data, 1000)
    )
    return wrong / len(data)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("config device='cuda' but no CUDA device is available")
    return torch.device(name)


class RunBusy(RuntimeError):
    """Another process is training this run right now."""


# Keys that change speed or where files go, never what a run is.
SPEED_ONLY = ("device", "threads", "progress", "runs_dir")


def _differences(stored: dict, current: dict, prefix: str = "") -> list[str]:
    """Keys whose values differ; keys only one side has (schema grew) are not compared."""
    out = []
    for k in stored.keys() & current.keys():
        a, b, key = stored[k], current[k], f"{prefix}{k}"
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{key}.")
        elif a != b and key not in SPEED_ONLY:
            out.append(f"{key}: stored {a!r}, now {b!r}")
    return sorted(out)


def run(cfg: DictConfig, run_dir: str) -> dict:
    """Train the run at `run_dir`, or skip it when finished, or resume it when interrupted."""
    spec = schema.to_spec(cfg)  # every value checked before any work
    store = RunStore(run_dir)
    config = OmegaConf.to_container(schema.task_config(cfg), resolve=True)
    if store.path("config.yaml").exists():  # the same run, or a clash to refuse
        diff = _differences(yaml.safe_load(store.path("config.yaml").read_text()), config)
        if diff:
            raise ValueError(
                f"run {run_dir} was made with another config ({'; '.join(diff)}): "
                "move it away or choose another runs_dir"
            )
    if store.is_finished():
        log.info("already %s, skipped: %s", store.status(), run_dir)
        return store.summary()
    try:
        with store.lock():
            if not store.path("config.yaml").exists():
                store.write_text("config.yaml", yaml.safe_dump(config, sort_keys=False))
            return train(spec, store)
    except BlockingIOError:
        raise RunBusy(f"run {run_dir} is being trained by another process") from None
    except Exception as e:
        store.write_json(
            "summary.json",
            {
                "status": "failed",
                "error": repr(e),
                "experiment": spec.experiment_name,
                "seed": spec.seed,
            },
        )
        raise


# Torch's thread count when this process started. Set again in every run: a launcher that
# reuses worker processes (joblib's loky) must not carry one job's count into the next.
DEFAULT_THREADS = torch.get_num_threads()


def train(spec: schema.Config, store: RunStore) -> dict:
    """The training loop: SGD on the Shapeset stream, measured on the fixed sets."""
    torch.set_num_threads(spec.threads or DEFAULT_THREADS)
    device = resolve_device(spec.device)
    p, bs, data = spec.profile, spec.optim.batch_size, spec.data.shapeset
    model, loss_fn = build(spec, device), get_loss(spec.loss.name)
    opt = torch.optim.SGD(model.parameters(), lr=spec.optim.lr)
    valid = ShapesetSet(data, spec.eval_seed, "valid", p.valid_size)
    test = ShapesetSet(data, spec.eval_seed, "test", p.test_size)
    px, py = test.x[: p.probe_size].to(device), test.y[: p.probe_size].to(device)

    state = store.checkpoint() or {"step": 0, "metrics": [], "probes": [], "wall": 0.0}
    state["probes"] = [{k: np.asarray(v) for k, v in r.items()} for r in state["probes"]]
    t0 = time.perf_counter() - state["wall"]  # wall time carries over a resume
    if "model" in state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        log.info("resuming at update %d", state["step"])
    done = state.get("pretrained_layers", 0)
    if spec.pretrain.name == "dae" and done < model.depth:  # a checkpoint after each layer

        def layer_done(i: int) -> None:
            state["pretrained_layers"] = i + 1
            save(store, state, model, opt, 0, t0)

        state["pretrain_examples"] = pretrain_dae(
            model, spec.pretrain, data, spec.seed, device, spec.progress, done, layer_done
        )
    total = math.ceil(p.examples / bs)
    step, status, loss = state["step"], "complete", 0.0

    def measure(step: int, loss: float) -> None:
        if p.probe_every and (step % p.probe_every == 0 or step == total):
            state["probes"].append(
                {"step": step, "examples": step * bs, **probe(model, px, py, loss_fn, spec.probe)}
            )
        if (step * bs) % p.eval_every < bs or step == total:
            state["metrics"].append(
                {
                    "step": step,
                    "examples": step * bs,
                    "train_loss": loss,
                    "valid_error": error_rate(model, valid, device),
                    "test_error": error_rate(model, test, device),
                    "wall_s": time.perf_counter() - t0,
                }
            )

    if step == 0:
        measure(0, float("nan"))
    stream = iter(ShapesetStream(data, spec.seed, bs, "train", start=step * bs))
    bar = tqdm(
        total=total * bs,
        initial=step * bs,
        unit="ex",
        unit_scale=True,
        disable=not spec.progress or total == 0,
        dynamic_ncols=True,
        desc=spec.experiment_name,
    )
    while step < total:
        x, y = next(stream)
        loss_t = loss_fn(model(x.to(device)), y.to(device))
        opt.zero_grad(set_to_none=True)
        loss_t.backward()
        opt.step()
        step += 1
        loss = loss_t.item()
        if not math.isfinite(loss):
            status = "diverged"
            log.warning("loss became %s at update %d: run diverged", loss, step)
            break
        measure(step, loss)
        if step % p.checkpoint_every == 0:
            save(store, state, model, opt, step, t0)
        bar.update(bs)
        if step % 100 == 0:
            bar.set_postfix(
                loss=f"{loss:.3f}", test_err=f"{state['metrics'][-1]['test_error']:.3f}"
            )
    bar.close()
    return finish(store, state, spec, status, step, t0)


def save(store: RunStore, state: dict, model, opt, step: int, t0: float) -> None:
    state.update(
        step=step,
        wall=time.perf_counter() - t0,
        model=model.state_dict(),
        optimizer=opt.state_dict(),
    )
    store.write_metrics(state["metrics"])
    store.write_probes(state["probes"])
    # Probe arrays travel as tensors: the checkpoint then loads with weights_only=True.
    tensors = [{k: torch.from_numpy(np.asarray(v)) for k, v in r.items()} for r in state["probes"]]
    store.write_checkpoint({**state, "probes": tensors})


def finish(store: RunStore, state, spec, status: str, step: int, t0: float) -> dict:
    store.write_metrics(state["metrics"])
    store.write_probes(state["probes"])
    metrics = state["metrics"]
    summary = {
        "status": status,
        "experiment": spec.experiment_name,
        "seed": spec.seed,
        "model_seed": spec.model_seed,
        "eval_seed": spec.eval_seed,
        "profile": spec.profile.name,
        "updates": step,
        "examples_seen": step * spec.optim.batch_size,
        "lr": spec.optim.lr,
        "pretrain_examples": state.get("pretrain_examples", 0),
        "wall_s": round(time.perf_counter() - t0, 2),
        "threads": torch.get_num_threads(),  # results repeat bit for bit at a fixed count
        "final_valid_error": metrics[-1]["valid_error"] if metrics else None,
        "final_test_error": metrics[-1]["test_error"] if metrics else None,
        "best_valid_error": min(m["valid_error"] for m in metrics) if metrics else None,
        "command": " ".join(["python -m experiments.train", *_overrides()]),
    }
    store.write_json("summary.json", summary)
    # Finished: nothing left to resume, and a 5 x 1000 checkpoint is ~20 MB.
    store.path("checkpoint.pt").unlink(missing_ok=True)
    log.info(
        "%s after %d examples: test error %s",
        status,
        summary["examples_seen"],
        summary["final_test_error"],
    )
    return summary


def _overrides() -> list[str]:
    try:
        return list(HydraConfig.get().overrides.task)
    except ValueError:  # called outside Hydra (tests)
        return sys.argv[1:]


schema.register()


def launcher_threads(launcher, cores: int | None = None) -> int:
    """For `threads=0`: the CPUs a launcher gives each job (Slurm's cpus_per_task, or the
    cores shared among joblib's n_jobs workers), else 0 (torch's default)."""
    cores = cores or os.cpu_count() or 1
    if launcher.get("cpus_per_task"):
        return int(launcher.cpus_per_task)
    n_jobs = launcher.get("n_jobs")
    if n_jobs:  # joblib: -1 is every core, -2 all but one, ...
        jobs = n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)
        return max(1, cores // min(jobs, cores))
    return 0


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    if cfg.threads == 0:  # parallel jobs must not each start a thread per core
        cfg.threads = launcher_threads(hc.launcher)
    if hc.mode == RunMode.RUN and hc.sweeper.params:
        _discard_if_empty(run_dir, Path(cfg.runs_dir))
        sys.exit(f"error: this experiment sweeps {dict(hc.sweeper.params)}: run it with -m")
    try:
        run(cfg, run_dir)
    except ValueError as e:  # a bad config value or device, found before any work
        _discard_if_empty(run_dir, Path(cfg.runs_dir))
        if hc.mode == RunMode.MULTIRUN:
            raise  # Hydra records the failed job and the sweep goes on with the others
        sys.exit(f"error: {e}")


def _discard_if_empty(run_dir: Path, runs_dir: Path) -> None:
    """Remove what Hydra created for a job refused before it started (.hydra/, the log)."""
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {".hydra", "train.log"}:
        shutil.rmtree(run_dir)
        for parent in run_dir.parents:  # and the folders left empty above it
            if parent == runs_dir or not parent.is_relative_to(runs_dir) or any(parent.iterdir()):
                break
            parent.rmdir()


if __name__ == "__main__":
    main()
