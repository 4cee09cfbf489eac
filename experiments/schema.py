"""Typed schemas of every config group, registered in Hydra's ConfigStore.

OmegaConf checks types and unknown keys when the YAML is composed; the values are checked
by each dataclass's `__post_init__`, which runs when the composed config is turned into
objects (`to_spec`), before any work starts. Every message names the offending key.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

import torch
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf, open_dict

import finite
from experiments.learning_rates import default_lr
from models import ACTIVATIONS, INITS, LOSSES, Activation, get_activation
from shapeset import ShapesetConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVICES = ("auto", "cpu", "cuda")
SEED_LIMIT = 2**32  # seeds in [0, 2**32): what numpy's and torch's generators all accept
FOLDER_NAME = re.compile(r"[A-Za-z0-9_.=,+-]+")  # one folder: no separators, no `..`


def _bad(key: str, value: object, why: str) -> ValueError:
    return ValueError(f"config {key}={value!r}: {why}")


def _known(key: str, value: str, registry) -> None:
    if value not in registry:
        raise _bad(key, value, f"unknown; known: {', '.join(sorted(registry))}")


@dataclass
class FiniteConfig:
    """Where a finite data set's files are and how its pixels are scaled (finite/)."""

    # Holds mnist/ and cifar10/; relative: to the repository. `data/` is git-ignored; the
    # Makefile passes ../shared/data instead where that folder exists (docs/datasets.md).
    root: str = "data"
    pixel_range: str = "0..1"  # bytes / 255, or mapped to [-1, 1]
    download: bool = True  # fetch missing files from the official mirrors (checked)

    def __post_init__(self):
        if self.pixel_range not in finite.PIXEL_RANGES:
            raise _bad("data.finite.pixel_range", self.pixel_range, f"choose {finite.PIXEL_RANGES}")


@dataclass
class DataConfig:
    name: str = "shapeset"  # shapeset | mnist | cifar10
    size: int = 0  # shapeset: train on its first `size` examples, by epochs (0: unlimited)
    shapeset: ShapesetConfig = field(default_factory=ShapesetConfig)  # used by shapeset
    finite: FiniteConfig = field(default_factory=FiniteConfig)  # used by mnist, cifar10

    def __post_init__(self):
        if self.size < 0:
            raise _bad("data.size", self.size, "must be >= 0 (0: the unlimited stream)")
        if self.size and self.name != "shapeset":
            raise _bad(
                "data.size", self.size, f"{self.name} has a fixed size; data.size is for shapeset"
            )
        if self.name != "shapeset" and self.name not in finite.DATASETS:
            raise _bad(
                "data.name", self.name, f"choose shapeset or one of {sorted(finite.DATASETS)}"
            )


@dataclass
class ModelConfig:
    name: str = "mlp"  # mlp (the paper's) | conv (models/conv.py)
    depth: int = 5  # hidden layers
    width: int = 1000  # units per hidden layer, unless `widths` lists them (mlp)
    channels: int = 16  # conv: maps per layer
    kernel: int = 5  # conv: kernel side, odd (padding keeps the size)
    widths: list[int] | None = None
    output_init: str | None = None  # None: the hidden layers' scheme (the paper is silent)
    batch_norm: bool = False  # batch norm before each activation (after the paper; autograd)

    def __post_init__(self):
        if self.name not in ("mlp", "conv"):
            raise _bad("model.name", self.name, "choose 'mlp' or 'conv'")
        if self.channels < 1:
            raise _bad("model.channels", self.channels, "must be >= 1")
        if self.kernel < 1 or self.kernel % 2 == 0:
            raise _bad("model.kernel", self.kernel, "must be odd (padding keeps the size)")
        if self.depth < 1:
            raise _bad("model.depth", self.depth, "a net needs at least 1 hidden layer")
        if self.width < 1:
            raise _bad("model.width", self.width, "must be >= 1")
        if self.widths is not None:
            if len(self.widths) != self.depth:
                raise _bad("model.widths", self.widths, f"must list model.depth={self.depth}")
            if min(self.widths) < 1:
                raise _bad("model.widths", self.widths, "every width must be >= 1")
        if self.output_init is not None:
            _known("model.output_init", self.output_init, INITS)

    def hidden_widths(self) -> list[int]:
        return list(self.widths) if self.widths is not None else [self.width] * self.depth


@dataclass
class ActivationConfig:
    name: str = "tanh"
    slope: float = 0.01  # leaky_relu's negative slope (unused by the others)

    def __post_init__(self):
        _known("activation.name", self.name, ACTIVATIONS)
        if not 0 < self.slope < 1:
            raise _bad("activation.slope", self.slope, "leaky ReLU's slope must be in (0, 1)")

    def get(self) -> Activation:
        return get_activation(self.name, self.slope if self.name == "leaky_relu" else None)


@dataclass
class InitConfig:
    name: str = "normalized"
    gain: float = 1.0  # multiplies the hidden layers' drawn weights (1: as published)
    fan: str = "receptive_field"  # conv: fans count in x k x k; "channels": the mistake
    std: float = 0.01  # gaussian: N(0, std^2)
    sigma_w2: float = 1.0  # mean_field: weights N(0, sigma_w2 / fan_in)
    sigma_b2: float = 0.0  # mean_field: biases N(0, sigma_b2)
    fit_batch: int = 500  # lsuv, data_dependent: training examples the layers are fitted on
    lsuv_tol: float = 0.1  # lsuv: stop when |Var - 1| < tol (Mishkin & Matas's Tol_var)
    lsuv_max_iter: int = 10  # lsuv: rescalings per layer at most (their T_max)

    def __post_init__(self):
        _known("init.name", self.name, INITS)
        if not (self.gain > 0 and math.isfinite(self.gain)):
            raise _bad("init.gain", self.gain, "must be finite and > 0")
        if self.fan not in ("receptive_field", "channels"):
            raise _bad("init.fan", self.fan, "choose 'receptive_field' or 'channels'")
        if not (self.std > 0 and math.isfinite(self.std)):
            raise _bad("init.std", self.std, "must be finite and > 0")
        if not (self.sigma_w2 > 0 and math.isfinite(self.sigma_w2)):
            raise _bad("init.sigma_w2", self.sigma_w2, "must be finite and > 0")
        if not (self.sigma_b2 >= 0 and math.isfinite(self.sigma_b2)):
            raise _bad("init.sigma_b2", self.sigma_b2, "must be finite and >= 0")
        if self.fit_batch < 2:
            raise _bad("init.fit_batch", self.fit_batch, "must be >= 2")
        if not self.lsuv_tol > 0:
            raise _bad("init.lsuv_tol", self.lsuv_tol, "must be > 0")
        if self.lsuv_max_iter < 1:
            raise _bad("init.lsuv_max_iter", self.lsuv_max_iter, "must be >= 1")

    def options(self, output_init: str | None = None) -> dict:
        """The settings the schemes in use take when drawing (each scheme declares them)."""
        schemes = [INITS[s] for s in {self.name, output_init or self.name}]
        names = {o for s in schemes for o in (*s.options, *s.bias_options)}
        return {o: getattr(self, o) for o in sorted(names)}


def fitted_to_data(*schemes: str | None) -> set[str]:
    """Those of `schemes` whose draw is only a start, fitted to a batch of data."""
    return {s for s in schemes if s is not None and INITS[s].fitted_to_data}


@dataclass
class LossConfig:
    name: str = "cross_entropy"

    def __post_init__(self):
        _known("loss.name", self.name, LOSSES)


@dataclass
class OptimConfig:
    """Plain SGD as in the paper: no momentum, no decay, no schedule."""

    lr: float = 0.01
    batch_size: int = 10

    def __post_init__(self):
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise _bad("optim.lr", self.lr, "the learning rate must be finite and > 0")
        if self.batch_size < 1:
            raise _bad("optim.batch_size", self.batch_size, "must be >= 1")


@dataclass
class ProfileConfig:
    """How far a run goes and how often it measures: the scale of an experiment."""

    name: str = "quick"
    examples: int = 200_000  # training examples to see (0: measure at initialization only)
    eval_every: int = 20_000  # examples between valid/test error measurements
    probe_every: int = 2_000  # updates between probes (the paper: 20k, one "epoch"); 0: none
    checkpoint_every: int = 2_000  # updates between checkpoints (what a killed run resumes from)
    valid_size: int = 2_000
    test_size: int = 2_000
    probe_size: int = 300  # the paper's fixed probe set: the first test examples
    pretrain_examples: int = 30_000  # per layer, when pre-training is on

    def __post_init__(self):
        for key in ("examples", "probe_every", "pretrain_examples"):
            if getattr(self, key) < 0:
                raise _bad(f"profile.{key}", getattr(self, key), "must be >= 0")
        for key in (
            "eval_every",
            "checkpoint_every",
            "valid_size",
            "test_size",
            "probe_size",
        ):
            if getattr(self, key) < 1:
                raise _bad(f"profile.{key}", getattr(self, key), "must be >= 1")
        if self.probe_size > self.test_size:
            raise _bad(
                "profile.probe_size",
                self.probe_size,
                f"the probe set is taken from the test set (profile.test_size="
                f"{self.test_size}) and cannot be larger",
            )


@dataclass
class PretrainConfig:
    """Greedy layer-wise pre-training before supervised training: denoising auto-encoders
    (Fig. 11's "Pre-training" curve; the paper does not give its setup: these are ours) or
    RBMs (Hinton et al. 2006, the cure before the paper)."""

    name: str = "none"  # none | dae | rbm
    examples_per_layer: int = 0  # unlabelled training examples each layer is trained on
    lr: float = 0.01
    batch_size: int = 10
    corruption: float = 0.25  # dae: masking noise, share of each input set to 0
    reconstruction: str = "cross_entropy"  # dae: or squared_error (experiments/pretrain.py)
    cd_k: int = 1  # rbm: Gibbs steps of contrastive divergence (experiments/rbm.py)

    def __post_init__(self):
        if self.reconstruction not in ("cross_entropy", "squared_error"):
            raise _bad(
                "pretrain.reconstruction",
                self.reconstruction,
                "choose 'cross_entropy' or 'squared_error'",
            )
        if self.name not in ("none", "dae", "rbm"):
            raise _bad("pretrain.name", self.name, "choose 'none', 'dae' or 'rbm'")
        if self.cd_k < 1:
            raise _bad("pretrain.cd_k", self.cd_k, "contrastive divergence needs k >= 1")
        if self.name != "none" and self.examples_per_layer < 1:
            raise _bad("pretrain.examples_per_layer", self.examples_per_layer, "must be >= 1")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise _bad("pretrain.lr", self.lr, "the learning rate must be finite and > 0")
        if self.batch_size < 1:
            raise _bad("pretrain.batch_size", self.batch_size, "must be >= 1")
        if not 0 <= self.corruption < 1:
            raise _bad("pretrain.corruption", self.corruption, "must be in [0, 1)")


@dataclass
class ProbeConfig:
    """Fixed histogram bins per quantity, so probes compare across layers, time and runs."""

    activation_bins: int = 100  # over the activation's output range
    # Fine bins: at init under standard init dC/ds has std ~0.002 in layer 1 and dC/dW
    # ~0.0003, 10-15x narrower than under normalized init; plots merge bins for display.
    backprop_bins: int = 5000
    backprop_range: float = 0.25  # dC/ds bins span [-range, range]
    weight_grad_bins: int = 2000
    weight_grad_range: float = 0.05  # dC/dW bins span [-range, range]
    grad_batch_size: int = 10  # dC/dW is the gradient of mini-batches of this size
    saturation_margin: float = 0.1  # saturated: within 10% of the range from an asymptote
    jacobian_examples: int = 5  # probe examples whose layer Jacobians are decomposed
    unbounded_range: float = 5.0  # activation bins of ReLU, leaky ReLU, linear: +-this

    def __post_init__(self):
        for key in ("activation_bins", "backprop_bins", "weight_grad_bins", "grad_batch_size"):
            if getattr(self, key) < 1:
                raise _bad(f"probe.{key}", getattr(self, key), "must be >= 1")
        for key in ("backprop_range", "weight_grad_range", "unbounded_range"):
            if not getattr(self, key) > 0:
                raise _bad(f"probe.{key}", getattr(self, key), "must be > 0")
        if not 0 < self.saturation_margin < 0.5:
            raise _bad("probe.saturation_margin", self.saturation_margin, "must be in (0, 0.5)")
        if self.jacobian_examples < 0:
            raise _bad("probe.jacobian_examples", self.jacobian_examples, "must be >= 0")


@dataclass
class EngineConfig:
    """How the engine runs on CUDA: speed only, never part of what a run is."""

    cuda_graph_steps: int = 50  # steps per captured CUDA graph; 0: launch step by step
    loader_workers: int = 4  # CUDA: processes rendering training batches ahead

    def __post_init__(self):
        for key in ("cuda_graph_steps", "loader_workers"):
            if getattr(self, key) < 0:
                raise _bad(f"engine.{key}", getattr(self, key), "must be >= 0")


@dataclass
class Config:
    experiment_name: str = "default"
    seed: int = 0  # the training-data seed: which examples the stream shows
    eval_seed: int = 0  # the fixed valid / test / probe sets' seed: the same test set for all
    model_seed: int = 0  # the weight-init seed (the default configs tie it to `seed`)
    device: str = "auto"  # auto | cpu | cuda: changes speed only
    threads: int = 0  # torch CPU threads; 0: per launcher (joblib: cores / n_jobs), else torch's
    progress: bool = True  # tqdm progress bar
    logger: str = "none"  # none | tensorboard: the record also as TensorBoard events
    # A person's own runs land in runs/, which git ignores; the Makefile's targets write the
    # suite's records to results/runs/ (RUNS_DIR), which is committed.
    runs_dir: str = str(REPO_ROOT / "runs")
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    activation: ActivationConfig = field(default_factory=ActivationConfig)
    init: InitConfig = field(default_factory=InitConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    profile: ProfileConfig = field(default_factory=ProfileConfig)
    probe: ProbeConfig = field(default_factory=ProbeConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)

    def __post_init__(self):
        if self.model.name == "conv":
            for what, bad in (
                ("pretrain", self.pretrain.name != "none"),
                ("model.batch_norm", self.model.batch_norm),
                ("init", fitted_to_data(self.init.name, self.model.output_init)),
            ):
                if bad:
                    raise _bad("model", "conv", f"{what} is for dense nets only")
        if self.pretrain.name == "dae" and self.activation.get().saturation != "bounded":
            raise _bad(
                "pretrain",
                "dae",
                f"its decoder needs a bounded activation, not {self.activation.name}",
            )
        schemes = {self.init.name, self.model.output_init or self.init.name}
        for scheme in sorted(schemes):  # e.g. random_walk has no g for sigmoid: say so now
            init = INITS[scheme]
            if init.uses_activation:
                try:
                    init.sample(2, 2, torch.Generator(), activation=self.activation.get())
                except ValueError as e:
                    raise _bad("init", scheme, str(e)) from None
        fitted = fitted_to_data(*schemes)
        if fitted and len(schemes) > 1:
            raise _bad(
                "model.output_init",
                self.model.output_init,
                f"{fitted.pop()} fits every "
                "layer: give the hidden and output layers the same scheme",
            )
        if fitted and self.init.gain != 1:
            raise _bad("init.gain", self.init.gain, f"{fitted.pop()} fits the scale it would set")
        if self.pretrain.name == "rbm" and self.activation.name not in ("sigmoid", "tanh"):
            raise _bad(
                "pretrain", "rbm", f"needs a sigmoid or tanh net, not {self.activation.name}"
            )
        if self.model.batch_norm and self.pretrain.name != "none":
            raise _bad("model.batch_norm", True, "pre-training is not defined with batch norm")
        fitted = fitted_to_data(self.init.name, self.model.output_init)
        if self.model.batch_norm and fitted:
            raise _bad(
                "model.batch_norm", True, f"{fitted.pop()} fits the scale batch norm removes"
            )
        for key in ("seed", "eval_seed", "model_seed"):
            if not 0 <= getattr(self, key) < SEED_LIMIT:
                raise _bad(key, getattr(self, key), "a seed must be in [0, 2**32)")
        check_folder_name("experiment_name", self.experiment_name)
        if self.device not in DEVICES:
            raise _bad("device", self.device, f"choose one of {DEVICES}")
        if self.threads < 0:
            raise _bad("threads", self.threads, "must be >= 0")
        if self.logger not in ("none", "tensorboard"):
            raise _bad("logger", self.logger, "choose 'none' or 'tensorboard'")
        if self.probe.jacobian_examples > self.profile.probe_size:
            raise _bad(
                "probe.jacobian_examples",
                self.probe.jacobian_examples,
                f"exceeds profile.probe_size={self.profile.probe_size}",
            )
        if self.probe.grad_batch_size > self.profile.probe_size:
            raise _bad(
                "probe.grad_batch_size",
                self.probe.grad_batch_size,
                f"exceeds profile.probe_size={self.profile.probe_size}",
            )


def check_folder_name(key: str, name: str) -> None:
    if not FOLDER_NAME.fullmatch(name) or name.strip(".") == "":
        raise _bad(key, name, "must be one folder name (letters, digits, _.=,+-), not a path")


def _folder(name: str) -> str:
    """`experiment_name` in a run's path, checked before Hydra makes any folder; a bad one
    ends the command with one line (a resolver's ValueError would come as a traceback)."""
    try:
        check_folder_name("experiment_name", str(name))
    except ValueError as e:
        sys.exit(f"error: {e}")
    return str(name)


def register() -> None:
    """The schema and the resolvers the YAML uses; idempotent."""
    ConfigStore.instance().store(name="base_config", node=Config)
    from experiments import run_identity  # it reads the schema: imported once that exists

    run_identity.register()
    OmegaConf.register_new_resolver("folder", _folder, replace=True)
    OmegaConf.register_new_resolver("lr_default", default_lr, replace=True)


def task_config(cfg: DictConfig) -> DictConfig:
    """The config without Hydra's own node (present when composed with the hydra config)."""
    if "hydra" not in cfg:
        return cfg
    cfg = cfg.copy()  # keeps the schema, which masked_copy would drop
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def known_keys(schema=Config, prefix: str = "") -> list[str]:
    """Every dotted key the schema declares."""
    out = []
    for f in fields(schema):
        default = f.default_factory() if callable(f.default_factory) else f.default
        out.append(prefix + f.name)
        if is_dataclass(default):
            out += known_keys(type(default), f"{prefix}{f.name}.")
    return out


def unknown_keys(cfg: DictConfig, schema=Config, prefix: str = "") -> list[str]:
    """Keys in `cfg` that the schema does not declare (`+optim.momentum=0.9` adds one that
    training would silently ignore)."""
    declared = {f.name: f for f in fields(schema)}
    out = []
    for key in cfg.keys():
        if key not in declared:
            out.append(prefix + str(key))
            continue
        f = declared[key]
        default = f.default_factory() if callable(f.default_factory) else f.default
        if is_dataclass(default) and isinstance(cfg[key], DictConfig):
            out += unknown_keys(cfg[key], type(default), f"{prefix}{key}.")
    return out


def check_known_keys(cfg: DictConfig) -> None:
    unknown = unknown_keys(cfg)
    if unknown:
        key, known = unknown[0], known_keys()
        leaf: dict[str, str] = {}
        for k in known:  # `+lr=5` means optim.lr (optim comes before pretrain)
            leaf.setdefault(k.rsplit(".", 1)[-1], k)
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6) or [
            leaf[m] for m in difflib.get_close_matches(key.rsplit(".", 1)[-1], leaf, n=1)
        ]
        hint = f"did you mean {near[0]}?" if near else "`--cfg job` lists every key"
        raise ValueError(f"config {key}: unknown key, not in the schema; {hint}")


def to_spec(cfg: DictConfig) -> Config:
    """The composed config as validated dataclasses (raises ValueError naming a bad key)."""
    cfg = task_config(cfg)
    check_known_keys(cfg)
    return OmegaConf.to_object(cfg)
