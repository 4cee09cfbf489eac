"""Train (and probe) one net: `python -m experiments.train [overrides]`, `-m` to sweep.

    python -m experiments.train activation=sigmoid model.depth=4 init=standard
    python -m experiments.train -m experiment=at_init init=standard,normalized

A run writes its directory (see experiments/run_store.py); a complete run is skipped, an
interrupted one resumes from its last checkpoint and ends identical to an uninterrupted one.
"""

from __future__ import annotations

import logging
import math
import shutil
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import torch
from hydra.core.hydra_config import HydraConfig
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


def run(cfg: DictConfig, run_dir: str) -> dict:
    spec = schema.to_spec(cfg)  # every value checked before any work
    store = RunStore(run_dir)
    if store.is_complete():
        log.info("already complete, skipped: %s", run_dir)
        return store.summary()
    if spec.threads:
        torch.set_num_threads(spec.threads)
    device = resolve_device(spec.device)
    p, bs, data = spec.profile, spec.optim.batch_size, spec.data.shapeset
    store.write_text("config.yaml", OmegaConf.to_yaml(schema.task_config(cfg), resolve=True))
    model, loss_fn = build(spec, device), get_loss(spec.loss.name)
    opt = torch.optim.SGD(model.parameters(), lr=spec.optim.lr)
    valid = ShapesetSet(data, spec.seed, "valid", p.valid_size)
    test = ShapesetSet(data, spec.seed, "test", p.test_size)
    px, py = test.x[: p.probe_size].to(device), test.y[: p.probe_size].to(device)

    state = store.checkpoint() or {"step": 0, "metrics": [], "probes": [], "wall": 0.0}
    state["probes"] = [{k: np.asarray(v) for k, v in r.items()} for r in state["probes"]]
    t0 = time.perf_counter() - state["wall"]  # wall time carries over a resume
    if "model" in state:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        log.info("resuming at update %d", state["step"])
    elif spec.pretrain.name == "dae":  # once, then kept in a checkpoint at update 0
        state["pretrain_examples"] = pretrain_dae(
            model, spec.pretrain, data, spec.seed, device, spec.progress
        )
        save(store, state, model, opt, 0, t0)
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
        "profile": spec.profile.name,
        "updates": step,
        "examples_seen": step * spec.optim.batch_size,
        "lr": spec.optim.lr,
        "pretrain_examples": state.get("pretrain_examples", 0),
        "wall_s": round(time.perf_counter() - t0, 2),
        "final_valid_error": metrics[-1]["valid_error"] if metrics else None,
        "final_test_error": metrics[-1]["test_error"] if metrics else None,
        "best_valid_error": min(m["valid_error"] for m in metrics) if metrics else None,
        "command": " ".join(["python -m experiments.train", *_overrides()]),
    }
    store.write_json("summary.json", summary)
    if status == "complete":  # nothing left to resume; a 5 x 1000 checkpoint is ~20 MB
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


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run(cfg, run_dir)
    except ValueError as e:  # a bad config value or device, found before any work
        _discard_if_empty(run_dir, Path(cfg.runs_dir))
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
