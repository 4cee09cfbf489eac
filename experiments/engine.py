"""The training engine: runs trained as stacks of nets in lockstep, each writing its own run.

    run_jobs([(cfg, run_dir), ...])  # `python -m experiments.train` (one job) and the
                                     # lockstep launcher (a sweep's jobs) both call this

Every job is checked before any work (its values, and a clash with the config stored in its
run directory); finished runs are skipped; the others are grouped into stacks of nets of
one shape, device, batch size and starting update, and each stack trains in `train_stack`.
A solo run is a stack of one: there is one training path. Stacking is a speed-only choice:
each net keeps its own activation, init, loss, rate, seeds, stream, evaluations, probes,
checkpoints and run directory, and on the CPU its numbers are the same bit for bit whatever
it is stacked with (models/stack.py says why; on CUDA they agree to rounding).
"""

from __future__ import annotations

import contextlib
import logging
import math
import statistics
import sys
import time
import traceback
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from experiments import schema
from experiments.cuda_graph import GraphedTrainer
from experiments.data import FiniteData, FixedSet, ShapesetData, source
from experiments.feed import Feed, StreamFailed
from experiments.learning_rates import rate_source
from experiments.pretrain import pretrain_dae
from experiments.probes import probe
from experiments.rbm import pretrain_rbm
from experiments.run_identity import differences, what_matters
from experiments.run_store import RunStore
from experiments.tensorboard_log import TensorBoardLog
from models import MLP, get_loss
from models.autograd_trainer import AutogradTrainer
from models.conv import ConvNet
from models.data_fit import FITTERS
from models.stack import NetStack
from shapeset import ShapesetSet, batches

log = logging.getLogger(__name__)

# A net has diverged when a mini-batch's cost is not finite or exceeds this many times the
# cross-entropy of a uniform guess, log K: its correct class then gets probability below
# e^-(100 log K) = K^-100 on average, from which SGD does not come back. The quadratic cost
# never exceeds 2, so for it only a non-finite cost counts. Our rule, not the paper's.
DIVERGED_AT = 100


def blown_up(costs: torch.Tensor, classes: int) -> torch.Tensor:
    """Which of a net's per-step costs say it has diverged."""
    return ~costs.isfinite() | (costs > DIVERGED_AT * math.log(classes))


# Torch's thread count when this process started. Set again for every stack: a launcher
# that reuses worker processes (joblib's loky) must not carry one job's count into the next.
DEFAULT_THREADS = torch.get_num_threads()


class RunBusy(RuntimeError):
    """Another process is training this run right now."""


# A job refused before its training started: a bad value, a missing or corrupt data file,
# a run another process trains. Said in one line; anything else is a bug, with its traceback.
REFUSALS = (ValueError, OSError, RunBusy)


@dataclass
class Job:
    spec: schema.Config
    store: RunStore
    config: dict  # the resolved config, as config.yaml stores it
    command: str  # what reproduces the run
    data: ShapesetData | FiniteData  # what it trains and is measured on


@dataclass
class Net:
    """A run while it trains: its job, its MLP (a view of the stack's weights), its record."""

    job: Job
    model: MLP
    state: dict  # step, metrics, probes, wall time: what a checkpoint holds
    t0: float  # perf_counter() at which this run's wall clock started (carried over a resume)
    sets: tuple  # valid set, test set, probe inputs, probe labels
    status: str = "running"
    error: Exception | None = None  # what failed it, when status is "failed"
    stack_size: int = 1  # nets trained beside it (its wall time is theirs too)
    stream: int = 0  # which of the stack's training streams it reads
    log: TensorBoardLog | None = None  # logger=tensorboard
    loss_fn: object = field(init=False)

    def __post_init__(self):
        self.loss_fn = get_loss(self.spec.loss.name)

    @property
    def spec(self) -> schema.Config:
        return self.job.spec

    @property
    def total(self) -> int:
        return math.ceil(self.spec.profile.examples / self.spec.optim.batch_size)


def run_jobs(jobs: list[tuple[DictConfig, str]], max_nets: int = 0) -> list:
    """Train every job (cfg, run_dir); returns per job its summary, or the exception that
    stopped it (the other jobs go on). `max_nets` bounds a stack (0: no bound). Jobs that
    name one run (`optim.lr=1e-2` and `0.01`) train it once and share its result."""
    plan = plan_jobs(jobs, max_nets)
    for stack in plan.stacks:
        for i, result in train_jobs(stack):
            plan.results[i] = result
    return plan.per_job()


@dataclass
class Plan:
    """A sweep's jobs checked and grouped: `results` holds what is known before training
    (a finished run's summary, a refusal), `stacks` the (index, Job) lists to train."""

    jobs: list[tuple[DictConfig, str]]
    results: list
    stacks: list[list[tuple[int, Job]]]
    first: dict[Path, int]  # run folder -> the first job naming it

    def per_job(self) -> list:
        return [self.results[self.first[Path(d).resolve()]] for _, d in self.jobs]


def plan_jobs(jobs: list[tuple[DictConfig, str]], max_nets: int = 0) -> Plan:
    """Check every job before any trains, skip finished runs, and group the others into
    stacks of nets that can train in lockstep, at most `max_nets` each (0: no bound)."""
    results: list = [None] * len(jobs)
    first: dict[Path, int] = {}
    pending: dict[tuple, list[tuple[int, Job]]] = {}
    for i, (cfg, run_dir) in enumerate(jobs):
        if first.setdefault(Path(run_dir).resolve(), i) != i:
            continue
        try:
            job = check(cfg, run_dir)
            source = rate_source(job.spec, OmegaConf.is_interpolation(cfg.optim, "lr"))
            say = log.warning if source.startswith("fallback") else log.info
            say("learning rate %s (%s): %s", job.spec.optim.lr, source, run_dir)
            if job.store.is_finished():
                log.info("already %s, skipped: %s", job.store.status(), run_dir)
                results[i] = job.store.summary()
            else:
                pending.setdefault(stack_key(job), []).append((i, job))
        except Exception as e:  # a bad value or device, a clash, an unreadable record
            results[i] = e
    stacks = []
    for group in pending.values():
        size = max_nets or len(group)
        stacks += [group[at : at + size] for at in range(0, len(group), size)]
    return Plan(jobs, results, stacks, first)


def check(cfg: DictConfig, run_dir: str) -> Job:
    """The job's validated config; refuses a run directory made with another config."""
    spec = schema.to_spec(cfg)  # every value checked before any work
    store = RunStore(run_dir)
    config = OmegaConf.to_container(schema.task_config(cfg), resolve=True)
    if store.path("config.yaml").exists():  # the same run, or a clash to refuse
        try:
            stored = yaml.safe_load(store.path("config.yaml").read_text())
        except yaml.YAMLError as e:
            raise ValueError(f"{store.path('config.yaml')}: unreadable ({e}): delete the run "
                             "folder to train it again") from e  # fmt: skip
        diff = differences(what_matters(stored), what_matters(config))
        if diff:
            raise ValueError(
                f"run {run_dir} was made with another config ({'; '.join(diff)}): "
                "move it away or choose another runs_dir"
            )
    command = " ".join(["python -m experiments.train", *task_overrides(cfg)])
    data = source(spec.data)
    if isinstance(data, FiniteData):  # a stream never runs short; a finite split can
        data.check_size("valid", spec.profile.valid_size)
        data.check_size("test", spec.profile.test_size)
    side = min(data.image_shape[1:])
    if spec.model.name == "conv" and spec.model.kernel > side:
        raise ValueError(f"config model.kernel={spec.model.kernel}: larger than the "
                         f"{side}-pixel input")  # fmt: skip
    return Job(spec, store, config, command, data)


def task_overrides(cfg: DictConfig) -> list[str]:
    """The command-line overrides that made this job."""
    if "hydra" in cfg:  # a launcher's job config
        return list(cfg.hydra.overrides.task)
    try:
        return list(HydraConfig.get().overrides.task)
    except ValueError:  # called outside Hydra (tests)
        return sys.argv[1:]


def stack_key(job: Job) -> tuple:
    """Jobs with equal keys can train as one stack."""
    s = job.spec
    step = job.store.checkpoint_step()
    device = resolve_device(s.device).type
    m = s.model
    shape = (m.name, m.depth, m.channels, m.kernel) if m.name == "conv" else m.hidden_widths()
    return (device, job.data.n_inputs, tuple(shape), s.optim.batch_size, m.batch_norm, step)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("config device='cuda' but no CUDA device is available")
    return torch.device(name)


def train_jobs(group: list[tuple[int, Job]]):
    """Lock the group's runs, start each net, train them as one stack; yields (index,
    summary or exception) per job. A run another process holds is left to it; one it
    finished or moved on since `run_jobs` looked is skipped, or trained in a stack of its
    own starting update."""
    torch.set_num_threads(max(job.spec.threads for _, job in group) or DEFAULT_THREADS)
    by_step: dict[int, list[tuple[int, Net]]] = {}
    with contextlib.ExitStack() as locks:
        for i, job in group:
            try:
                locks.enter_context(job.store.lock())
            except BlockingIOError:
                yield i, RunBusy(f"run {job.store.dir} is being trained by another process")
                continue
            except Exception as e:
                yield i, e
                continue
            if job.store.is_finished():
                yield i, job.store.summary()
                continue
            try:
                net = start(job)
            except Exception as e:
                yield i, fail(job, e)
                continue
            by_step.setdefault(net.state["step"], []).append((i, net))
        for nets in by_step.values():
            try:
                train_stack([net for _, net in nets])
            except Exception as e:  # the shared step failed: every unfinished run stops
                traceback.clear_frames(e.__traceback__)  # its tensors, graphs, workers go
                for _, net in nets:
                    if net.status == "running":
                        drop(net, e)
            for i, net in nets:
                yield i, net.error if net.status == "failed" else net.job.store.summary()


def drop(net: Net, error: Exception) -> None:
    """A net whose own measurement, record or stream failed leaves its stack, failed; the
    others go on (as they do when one diverges)."""
    log.error("failed, the rest of its stack goes on: %s: %r", net.job.store.dir, error)
    net.status, net.error = "failed", error
    with contextlib.suppress(Exception):  # the failure may be the disk: keep the error
        fail(net.job, error)


def on_own(net: Net, work, *args) -> None:
    """`work(net, *args)`, which touches this net alone: a failure drops only this net."""
    try:
        work(net, *args)
    except Exception as e:
        drop(net, e)


def fail(job: Job, error: Exception) -> Exception:
    job.store.write_json(
        "summary.json",
        {
            "status": "failed",
            "error": repr(error),
            "experiment": job.spec.experiment_name,
            "seed": job.spec.seed,
        },
    )
    return error


def build(spec: schema.Config, data, device: torch.device) -> MLP | ConvNet:
    """The run's net as initialized; a scheme fitted to data (lsuv, data_dependent) is
    fitted on the first `init.fit_batch` examples of the training stream of `model_seed`."""
    m, i = spec.model, spec.init
    options = i.options(m.output_init)
    if m.name == "conv":
        return ConvNet(data.image_shape, m.depth, m.channels, m.kernel, data.classes,
                       spec.activation.get(), i.name, m.output_init, spec.model_seed, i.gain,
                       i.fan, options).to(device)  # fmt: skip
    model = MLP(
        data.n_inputs,
        spec.model.hidden_widths(),
        data.classes,
        spec.activation.get(),
        spec.init.name,
        spec.model.output_init,
        seed=spec.model_seed,
        init_gain=spec.init.gain,
        batch_norm=spec.model.batch_norm,
        init_options=options,
    ).to(device)
    fitted = [s for s in (model.init_name, model.output_init_name) if s in FITTERS]
    if fitted:
        x, _ = next(iter(data.stream(spec.model_seed, spec.init.fit_batch)))
        FITTERS[fitted[0]](model, x, spec.init)
    return model


_fixed_sets: dict[tuple, ShapesetSet | FixedSet] = {}


def fixed_set(data, seed: int, split: str, size: int) -> ShapesetSet | FixedSet:
    """A fixed valid/test set, made once per process for all the nets that use it."""
    key = (data.key, seed, split, size)
    if key not in _fixed_sets:
        _fixed_sets[key] = data.fixed(seed, split, size)
    return _fixed_sets[key]


def start(job: Job) -> Net:
    """The net of a run: fresh, or as its checkpoint left it (pre-training finished)."""
    spec, store = job.spec, job.store
    store.remove_leftovers()  # temp files of a write a kill interrupted
    if not store.path("config.yaml").exists():
        store.write_text("config.yaml", yaml.safe_dump(job.config, sort_keys=False))
    device = resolve_device(spec.device)
    model = build(spec, job.data, device)
    state = store.checkpoint() or {"step": 0, "metrics": [], "probes": [], "wall": 0.0}
    state["probes"] = [{k: np.asarray(v) for k, v in r.items()} for r in state["probes"]]
    if "model" in state:
        model.load_state_dict(state["model"])
        log.info("resuming %s at update %d", store.dir, state["step"])
    p, data = spec.profile, job.data
    valid = fixed_set(data, spec.eval_seed, "valid", p.valid_size)
    test = fixed_set(data, spec.eval_seed, "test", p.test_size)
    probes = test.x[: p.probe_size].to(device), test.y[: p.probe_size].to(device)
    net = Net(job, model, state, time.perf_counter() - state["wall"], (valid, test, *probes))
    if spec.logger == "tensorboard":
        net.log = TensorBoardLog(store.dir, state, spec.optim.batch_size)
    done = state.get("pretrained_layers", 0)
    if spec.pretrain.name != "none" and done < model.depth:  # a checkpoint after each layer

        def layer_done(i: int) -> None:
            state["pretrained_layers"] = i + 1
            save(net, 0)

        pretrain = {"dae": pretrain_dae, "rbm": pretrain_rbm}[spec.pretrain.name]
        state["pretrain_examples"] = pretrain(
            model, spec.pretrain, data, spec.seed, device, spec.progress, done, layer_done
        )
    return net


def train_stack(nets: list[Net]) -> None:
    """The training loop: SGD in lockstep on the nets' streams, each net measured on its
    fixed sets and checkpointed on its own schedule, and finished when its budget is spent
    or it diverges (`blown_up`); a net whose own measurement, record or stream fails leaves
    too. The others go on."""
    step, bs = nets[0].state["step"], nets[0].spec.optim.batch_size
    nets = sorted(nets, key=lambda n: (n.spec.activation.name, n.spec.loss.name))  # groups
    for n in nets:
        n.stack_size = len(nets)
        if step == 0:
            on_own(n, measure, 0, float("nan"))
        if step >= n.total and n.status == "running":
            on_own(n, finish, "complete", step)
    feed = None
    with closing(progress_bar(nets, step)) as bar, contextlib.ExitStack() as on_exit:
        on_exit.callback(lambda: feed and feed.close())
        while active := [n for n in nets if n.status == "running"]:
            feed = feed or open_feed(active, step)
            trainer = make_trainer(active, feed)  # anew whenever a net leaves
            try:
                while all(n.status == "running" for n in active):
                    n_steps = min(min(next_event(n, step) for n in active) - step,
                                  feed.chunk_steps)  # fmt: skip
                    costs = trainer.train(*feed.take(n_steps)).cpu()  # (n_steps, nets)
                    for n, c in zip(active, costs.T, strict=True):
                        bad = blown_up(c, n.job.data.classes)
                        if bad.any():  # diverged: leaves the stack
                            on_own(n, finish, "diverged", step + int(bad.nonzero()[0, 0]) + 1)
                    step += n_steps
                    for n, c in zip(active, costs[-1].tolist(), strict=True):
                        if n.status == "running":
                            on_own(n, measure, step, c)
                        if n.status != "running":
                            continue
                        if step >= n.total:
                            on_own(n, finish, "complete", step)
                        elif step % n.spec.profile.checkpoint_every == 0:
                            on_own(n, save, step)
                    show_progress(bar, n_steps * bs, active, costs[-1])
            except StreamFailed as e:  # its readers leave; the others read on from `step`
                for n in active:
                    if n.stream == e.stream:
                        drop(n, e.cause)
                feed.close()
                feed = None


def open_feed(nets: list[Net], step: int) -> Feed:
    """One stream per (data config, seed), shared by the nets that read it (`net.stream`)."""
    keys = sorted({(n.job.data.key, n.spec.seed): n for n in nets}.items())
    for n in nets:
        n.stream = [k for k, _ in keys].index((n.job.data.key, n.spec.seed))
    spec = nets[0].spec
    device = resolve_device(spec.device)
    workers = spec.engine.loader_workers if device.type == "cuda" else 0
    streams = [(n.job.data, n.spec.seed) for _, n in keys]
    return Feed(streams, spec.optim.batch_size, step, device, workers)


def make_trainer(nets: list[Net], feed: Feed):
    """The stack of `nets`; on CUDA with its steps replayed from CUDA graphs. Batch-norm
    and conv nets (a stack holds all or none) train through autograd instead."""
    args = (
        [n.model for n in nets],
        [n.spec.loss.name for n in nets],
        [n.spec.optim.lr for n in nets],
        [n.stream for n in nets],
    )
    if nets[0].spec.model.batch_norm or nets[0].spec.model.name == "conv":
        return AutogradTrainer(*args)
    stack = NetStack(*args)
    graph_steps = nets[0].spec.engine.cuda_graph_steps
    if stack.device.type == "cuda" and graph_steps:
        return GraphedTrainer(stack, graph_steps, feed.step_shape)
    return stack


def progress_bar(nets: list[Net], step: int) -> tqdm:
    spec, end = nets[0].spec, max(n.total for n in nets)
    return tqdm(
        total=end * spec.optim.batch_size,
        initial=step * spec.optim.batch_size,
        unit="ex",
        unit_scale=True,
        disable=not spec.progress or step >= end,
        dynamic_ncols=True,
        desc=spec.experiment_name if len(nets) == 1 else f"{len(nets)} nets",
    )


def show_progress(bar: tqdm, examples: int, nets: list[Net], costs: torch.Tensor) -> None:
    errors = [n.state["metrics"][-1]["test_error"] for n in nets if n.state["metrics"]]
    bar.update(examples)
    bar.set_postfix(
        nets=len(nets),
        loss=f"{statistics.median(costs.tolist()):.3f}",
        test_err=f"{min(errors, default=math.nan):.3f}",
    )


def next_event(net: Net, step: int) -> int:
    """The first update after `step` at which `net` is probed, evaluated, checkpointed or
    done."""
    p, bs = net.spec.profile, net.spec.optim.batch_size
    evals = math.ceil(((step * bs) // p.eval_every + 1) * p.eval_every / bs)
    events = [net.total, evals, (step // p.checkpoint_every + 1) * p.checkpoint_every]
    if p.probe_every:
        events.append((step // p.probe_every + 1) * p.probe_every)
    return min(events)


def measure(net: Net, step: int, cost: float) -> None:
    """Probe and evaluate when `step` is due (the same schedule a solo run always had)."""
    p, bs, state = net.spec.profile, net.spec.optim.batch_size, net.state
    valid, test, px, py = net.sets
    if p.probe_every and (step % p.probe_every == 0 or step == net.total):
        with evaluating(net.model):  # batch norm: the running statistics, as evaluated
            record = probe(net.model, px, py, net.loss_fn, net.spec.probe)
        state["probes"].append({"step": step, "examples": step * bs, **record})
    if (step * bs) % p.eval_every < bs or step == net.total:
        state["metrics"].append(
            {
                "step": step,
                "examples": step * bs,
                "train_loss": cost,
                "valid_error": error_rate(net.model, valid),
                "test_error": error_rate(net.model, test),
                "wall_s": time.perf_counter() - net.t0,
            }
        )


@torch.no_grad()
def error_rate(model: MLP, data: ShapesetSet) -> float:
    device = next(model.parameters()).device
    with evaluating(model):
        wrong = sum(
            (model(x.to(device)).argmax(1).cpu() != y).sum().item() for x, y in batches(data, 1000)
        )
    return wrong / len(data)


@contextlib.contextmanager
def evaluating(model: MLP):
    """Eval mode for a measurement (batch norm reads, and does not update, its running
    statistics); the mode it had after."""
    was = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was)


def save(net: Net, step: int) -> None:
    state, store = net.state, net.job.store
    # The weights are views of the stack's tensors: copied, so a checkpoint holds one net.
    weights = {  # on the CPU: a checkpoint's copy need not hold GPU memory
        k: v.detach().to("cpu", memory_format=torch.contiguous_format, copy=True)
        for k, v in net.model.state_dict().items()
    }
    state.update(step=step, wall=time.perf_counter() - net.t0, model=weights)
    store.write_metrics(state["metrics"])
    store.write_probes(state["probes"])
    # Probe arrays travel as tensors: the checkpoint then loads with weights_only=True.
    tensors = [{k: torch.from_numpy(np.asarray(v)) for k, v in r.items()} for r in state["probes"]]
    if net.log is not None:  # first: events past a checkpoint are purged on resume
        net.log.write(state)
    store.write_checkpoint({**state, "probes": tensors})


def finish(net: Net, status: str, step: int) -> None:
    spec, store, state = net.spec, net.job.store, net.state
    net.status = status
    store.write_metrics(state["metrics"])
    store.write_probes(state["probes"])
    if net.log is not None:
        net.log.write(state)
        net.log.close()
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
        "wall_s": round(time.perf_counter() - net.t0, 2),
        "threads": torch.get_num_threads(),  # results repeat bit for bit at a fixed count
        "stack_size": net.stack_size,
        "device": str(next(net.model.parameters()).device),
        "final_valid_error": metrics[-1]["valid_error"] if metrics else None,
        "final_test_error": metrics[-1]["test_error"] if metrics else None,
        "best_valid_error": min(m["valid_error"] for m in metrics) if metrics else None,
        "command": net.job.command,
    }
    store.write_json("summary.json", summary)
    # Finished: nothing left to resume, and a 5 x 1000 checkpoint is ~20 MB.
    store.path("checkpoint.pt").unlink(missing_ok=True)
    log.info(
        "%s after %d examples: test error %s: %s",
        status,
        summary["examples_seen"],
        summary["final_test_error"],
        store.dir,
    )
