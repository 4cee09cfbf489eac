"""What a run *is*: the one place that says which settings make a run, how its folder is
named from them, and how a stored config is compared with the current one.

A run's folder is `<runs_dir>/<experiment_name>/<name>/seed=<seed>`, where `<name>` is made
from the run's resolved config, never from how its overrides were spelled:
- the headline, always: `activation`, `init`, `model.depth`, `optim.lr`, `profile`;
- every other group whose choice is not the root config's default (`data=mnist`,
  `loss=quadratic`, `model=conv`, `pretrain=dae`);
- every other setting whose value differs from what its group's YAML and schema give it
  (`init.std=0.001`, `model.batch_norm=true`, `model_seed=7`),
leaving out the settings that change only speed or where files go (SPEED_ONLY) and the
options the run does not use (`what_matters`). So `activation=tanh` restated,
`logger=tensorboard`, `optim.lr=3e-2` for `0.03`, or a sweep's order of keys all name
one folder. Hydra's folder comes from `run_folder` (the `run_folder` resolver).
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from functools import cache
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from experiments import schema
from models import INITS
from models.data_fit import FIT_SETTINGS

CONF = Path(__file__).resolve().parent.parent / "conf"
# Settings that change speed or where files go, never what a run is.
SPEED_ONLY = ("device", "threads", "progress", "runs_dir", "engine", "logger",
              "data.finite.root", "data.finite.download")  # fmt: skip
# Settings the path already holds (experiment folder, seed folder).
IN_THE_PATH = ("experiment_name", "seed")
# Named in every folder, so that a folder says at a glance which net it holds.
HEADLINE = ("activation", "init", "model.depth", "optim.lr", "profile")
# Options added after runs were stored, with the value those older runs were made with: a
# stored config without the key is compared as if it held this value.
BEFORE_THE_OPTION = {
    "data.shapeset.fill": "centers",
    "pretrain.reconstruction": "squared_error",
    "model.name": "mlp",
    "data.size": 0,
    "model.batch_norm": False,
    "init.gain": 1.0,
    "probe.unbounded_range": 5.0,  # used by unbounded activations only, which came with it
}
# A file name may have 255 bytes: a longer name keeps the items that fit in this many
# characters and names the rest by a hash of the whole name.
NAME_LIMIT = 200


def what_matters(config: dict) -> dict:
    """The config less the settings of a pre-training that does not run, of the data sets
    it does not read, and of activations and init schemes it does not use."""
    out = dict(config)
    pre = config.get("pretrain", {})
    if pre.get("name") == "none":
        out["pretrain"] = {"name": "none"}
    elif pre.get("name") == "dae":
        out["pretrain"] = {k: v for k, v in pre.items() if k != "cd_k"}
    elif pre.get("name") == "rbm":
        out["pretrain"] = {
            k: v for k, v in pre.items() if k not in ("corruption", "reconstruction")
        }
    model = config.get("model") or {}
    dense = ("width", "widths") if model.get("name") == "conv" else ("channels", "kernel")
    out["model"] = {k: v for k, v in model.items() if k not in dense}
    act, init = config.get("activation", {}), config.get("init", {})
    if act.get("name") != "leaky_relu":
        out["activation"] = {k: v for k, v in act.items() if k != "slope"}
    schemes = {init.get("name"), model.get("output_init")} & set(INITS)
    used = {"name", "gain"} | ({"fan"} if model.get("name") == "conv" else set())
    for scheme in schemes:  # each scheme's drawing options (biases too) and its fit's settings
        s = INITS[scheme]
        used |= {*s.options, *s.bias_options, *FIT_SETTINGS.get(scheme, ())}
    unused = {f.name for f in fields(schema.InitConfig)} - used
    out["init"] = {k: v for k, v in init.items() if k not in unused}
    if "data" in config:
        used = "shapeset" if config["data"]["name"] == "shapeset" else "finite"
        out["data"] = {k: v for k, v in config["data"].items() if k in ("name", "size", used)}
    return out


def differences(stored: dict, current: dict, prefix: str = "") -> list[str]:
    """Keys whose values differ, speed-only ones aside; a key only one side has (the schema
    grew) is compared only where BEFORE_THE_OPTION says what a run stored without it was
    made with."""
    out = []
    for k in current.keys() - stored.keys():
        if f"{prefix}{k}" in BEFORE_THE_OPTION:
            stored = {**stored, k: BEFORE_THE_OPTION[f"{prefix}{k}"]}
    for k in stored.keys() & current.keys():
        a, b, key = stored[k], current[k], f"{prefix}{k}"
        if speed_only(key):
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += differences(a, b, f"{key}.")
        elif a != b:
            out.append(f"{key}: stored {a!r}, now {b!r}")
    return sorted(out)


def speed_only(key: str) -> bool:
    return key in SPEED_ONLY or key.split(".")[0] in SPEED_ONLY


def spelled(value) -> str:
    """A value as a folder name writes it: as YAML and the command line do (`true`,
    `null`, `[500,1000]`), floats as Python prints them (`0.01`, `1.0`, `1e-05`)."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(spelled(v) for v in value) + "]"
    return str(value)


@cache
def default_choices() -> dict[str, str]:
    """Each config group's choice in the root config (conf/config.yaml's defaults list)."""
    defaults = yaml.safe_load((CONF / "config.yaml").read_text())["defaults"]
    return {k: v for d in defaults if isinstance(d, dict) for k, v in d.items() if v}


@cache
def _group_yaml(group: str, choice: str) -> dict:
    path = CONF / group / f"{choice}.yaml"
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def reference(config: dict) -> dict:
    """What `config` would hold had nothing been overridden but its groups' choices: each
    group from its schema and YAML, interpolations (e.g. pre-training's examples per layer
    from the profile) resolved against the run's own config."""
    ref = OmegaConf.create({k: v for k, v in config.items() if not isinstance(v, dict)})
    for f in fields(schema.Config):
        node = config.get(f.name)
        if not isinstance(node, dict):
            continue
        group = OmegaConf.structured(f.default_factory())
        choice = node.get("name")
        if choice is not None:
            group = OmegaConf.merge(group, _group_yaml(f.name, str(choice)))
        for key in HEADLINE:  # always named: no need to look up what it would be
            if key.startswith(f"{f.name}.") and key.split(".", 1)[1] in node:
                group[key.split(".", 1)[1]] = node[key.split(".", 1)[1]]
        ref[f.name] = group
    ref.model_seed = config.get("seed", 0)
    ref.eval_seed = schema.Config.eval_seed
    whole = OmegaConf.merge(OmegaConf.create(config), ref)  # interpolations see the run
    return resolved_task(whole)


def _leaves(node: dict, prefix: str = ""):
    for k, v in node.items():
        if isinstance(v, dict):
            yield from _leaves(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def name_items(config: dict) -> dict[str, str]:
    """The `key: value` items that name a run (see the module's docstring), by key."""
    mine = what_matters(config)
    ref = dict(_leaves(what_matters(reference(config))))
    groups = default_choices()
    items = {}
    for key, value in _leaves(mine):
        top = key.split(".")[0]
        if speed_only(key) or key in IN_THE_PATH:
            continue
        if key == f"{top}.name" and top in groups:
            if top in HEADLINE or value != groups[top]:
                items[top] = spelled(value)
        elif key in HEADLINE or key not in ref or value != ref[key]:
            items[key] = spelled(value)
    return items


def run_name(config: dict) -> str:
    """The folder name of the run `config` describes (a resolved config, as stored)."""
    kept = sorted(f"{k}={v}" for k, v in name_items(config).items())
    name = ",".join(kept).replace("/", "_").replace("\\", "_")
    if len(name) <= NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    head = []
    for item in kept:  # the tail below is at most 24 characters
        if len(",".join([*head, item]).replace("/", "_")) > NAME_LIMIT - 24:
            break
        head.append(item)
    return ",".join(head).replace("/", "_") + f",+{len(kept) - len(head)}_more_{digest}"


def run_path(config: dict, runs_dir: str | Path | None = None) -> Path:
    """Where the run `config` describes lives."""
    root = Path(runs_dir or config["runs_dir"])
    return root / config["experiment_name"] / run_name(config) / f"seed={config['seed']}"


def resolved_task(root: DictConfig) -> dict:
    """The resolved config as a dict, without Hydra's own node (whose folder is being named)."""
    return {k: OmegaConf.to_container(root[k], resolve=True) if OmegaConf.is_config(root[k])
            else root[k] for k in root if k != "hydra"}  # fmt: skip


def run_folder(*, _root_: DictConfig) -> str:
    """The `run_folder` resolver: the folder name of the job Hydra is composing."""
    return run_name(resolved_task(_root_))


def register() -> None:
    OmegaConf.register_new_resolver("run_folder", run_folder, replace=True)
