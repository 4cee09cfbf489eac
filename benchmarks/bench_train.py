"""Training speed, side by side in one run: a plain PyTorch loop, the engine with one net,
the engine with the 8 Shapeset figure nets, and what the `paper` profile would take.

The paper's net (5 hidden layers x 1000 units, mini-batches of 10, plain SGD), trained by:

  plain   a reference loop written here: nn.Sequential (tanh), torch.optim.SGD,
          F.cross_entropy, the loss read every update, the same Shapeset stream.
  solo    `experiments.engine.run_jobs` on one tanh net (a stack of one).
  figure  `run_jobs` on the 8 figure nets (Figs. 2-4, 9-11, Table 1: sigmoid depth 4;
          sigmoid, tanh, softsign x standard, normalized at depth 5; the pre-trained tanh
          net's supervised phase), as the lockstep launcher trains them: a stack of the 7
          depth-5 nets and the depth-4 net alone. Per net and in total.

  table1  the 6 Table 1 nets as one stack on all the threads, and as two stacks of 3
          side by side, one process and one thread each (on 2 cores the steadier and
          faster choice per net; a speed-only choice that changes a run's last bits).

The engine rows are taken by difference of two calls of N1 and 2 N1 updates (fresh run
directories, probes off, evaluations on 300 examples, checkpoints past the end), so set-up
costs cancel and only training is timed; repetitions are interleaved (plain solo figure
table1 plain solo ...), and each row gives min / median / max over them. One probe (300
examples) and one evaluation (the paper profile's 10,000 valid + 10,000 test examples)
have rows of their own, and with them the projected wall time of the `paper` profile
(2.5e7 examples per net, probes every 20k updates, an evaluation every 2e5 examples) for
the 8 figure nets and, with --grid, for the 60-net design grid (a stack of 12 per depth).

    python -m benchmarks.bench_train [--updates N1] [--reps R] [--threads T]
                                     [--device cpu|cuda] [--grid | --no-grid] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from hydra import compose, initialize_config_dir
from torch import nn

import experiments.train  # noqa: F401  (registers the config schema and resolvers)
from experiments import engine
from experiments.probes import probe
from experiments.schema import ProbeConfig
from models import MLP, get_loss
from shapeset import ShapesetConfig, ShapesetSet, ShapesetStream, probe_set

REPO = Path(__file__).resolve().parent.parent
BATCH, IN, CLASSES, WIDTH = 10, 32 * 32, 9, 1000
PAPER_UPDATES, PROBE_EVERY, EVAL_EVERY, EVAL_SIZE = 2_500_000, 20_000, 200_000, 10_000
NEVER = 10**9  # probe/eval/checkpoint period past any benchmark run
SOLO = [["activation=tanh", "init=normalized"]]
FIGURE_NETS = [
    ["activation=sigmoid", "init=standard", "model.depth=4"],
    *(
        [f"activation={a}", f"init={i}"]
        for a in ("sigmoid", "tanh", "softsign")
        for i in ("standard", "normalized")
    ),
    ["activation=tanh", "init=standard", "model_seed=1"],  # the pre-trained net, supervised
]
TABLE1_NETS = [
    [f"activation={a}", f"init={i}"] for a in ("sigmoid", "tanh", "softsign")
    for i in ("standard", "normalized")
]  # fmt: skip
GRID_NETS = [
    [f"activation={a}", f"init={i}", f"loss={loss}", "optim.lr=0.01"]
    for a in ("sigmoid", "tanh", "softsign")
    for i in ("standard", "normalized")
    for loss in ("cross_entropy", "quadratic")
]


def job_configs(settings, updates: int, device: str, threads: int, runs_dir: Path):
    common = [
        f"device={device}",
        f"threads={threads}",
        "progress=false",
        f"profile.examples={updates * BATCH}",
        "profile.probe_every=0",  # no probes: they have a row of their own
        f"profile.eval_every={NEVER}",
        f"profile.checkpoint_every={NEVER}",
        "profile.valid_size=300",
        "profile.test_size=300",
        "probe.jacobian_examples=0",
    ]
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return [
            (compose("config", overrides=[*common, *s]), str(runs_dir / f"net{i}"))
            for i, s in enumerate(settings)
        ]


def engine_seconds(settings, n1: int, device: str, threads: int) -> float:
    """Seconds `run_jobs` takes for N1 more updates of every net in `settings`."""
    walls = []
    for n in (n1, 2 * n1):
        with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
            jobs = job_configs(settings, n, device, threads, Path(tmp))
            t0 = time.perf_counter()
            results = engine.run_jobs(jobs)
            walls.append(time.perf_counter() - t0)
        bad = [r for r in results if not isinstance(r, dict) or r["status"] != "complete"]
        assert not bad, bad
    return walls[1] - walls[0]


def side_by_side_seconds(settings, n1: int, device: str) -> float:
    """Seconds for N1 more updates of `settings` split into two stacks trained at once,
    each in a process of its own with one thread: the slower of the two."""
    halves = [settings[: len(settings) // 2], settings[len(settings) // 2 :]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return max(pool.starmap(engine_seconds, [(h, n1, device, 1) for h in halves]))


def plain_seconds(updates: int, warmup: int, device: str) -> float:
    """Seconds of `updates` updates of the plain loop, after `warmup` ones."""
    layers: list[nn.Module] = []
    for n_in in [IN] + [WIDTH] * 4:
        layers += [nn.Linear(n_in, WIDTH), nn.Tanh()]
    net = nn.Sequential(*layers, nn.Linear(WIDTH, CLASSES)).to(device)  # default init
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    stream = iter(ShapesetStream(ShapesetConfig(), seed=0, batch_size=BATCH))

    def step() -> None:
        x, y = next(stream)
        loss = F.cross_entropy(net(x.to(device)), y.to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(updates):
        step()
    return time.perf_counter() - t0


def probe_and_eval_seconds(device: str) -> tuple[float, float]:
    """One probe (default ProbeConfig, 300 examples) and one paper-profile evaluation."""
    model = MLP(IN, [WIDTH] * 5, CLASSES, "tanh", "normalized").to(device)
    ps = probe_set(ShapesetConfig(), 0, 300)
    x, y = ps.x.to(device), ps.y.to(device)
    data = ShapesetSet(ShapesetConfig(), 0, "test", EVAL_SIZE)
    probe(model, x, y, get_loss("cross_entropy"), ProbeConfig())  # warm-up
    t0 = time.perf_counter()
    probe(model, x, y, get_loss("cross_entropy"), ProbeConfig())
    t1 = time.perf_counter()
    engine.error_rate(model, data)
    engine.error_rate(model, data)  # valid and test
    return t1 - t0, time.perf_counter() - t1


def paper_hours(seconds_per_update: float, nets: int, t_probe: float, t_eval: float) -> float:
    """Wall time of `nets` nets at the paper profile, their updates taking
    `seconds_per_update` all together, each net probed and evaluated on its own."""
    probes, evals = PAPER_UPDATES // PROBE_EVERY + 1, PAPER_UPDATES * BATCH // EVAL_EVERY + 1
    return (PAPER_UPDATES * seconds_per_update + nets * (probes * t_probe + evals * t_eval)) / 3600


def run(n1: int, device: str, threads: int, grid: bool, reps: int = 3,
        seconds: float = 3.0) -> dict:  # fmt: skip
    """Seconds per update of each case. A case times `seconds` of training at least: its
    N1 is the larger of `n1` and what a 20-update trial says takes that long."""
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:  # warm-up
        engine.run_jobs(job_configs(SOLO, 5, device, threads, Path(tmp)))
    cases = {
        "plain": lambda n: plain_seconds(n, 20, device),
        "solo": lambda n: engine_seconds(SOLO, n, device, threads),
        "figure": lambda n: engine_seconds(FIGURE_NETS, n, device, threads),  # 8 nets
        "table1": lambda n: engine_seconds(TABLE1_NETS, n, device, threads),  # 6 nets
    }
    if device == "cpu":
        cases["table1_side_by_side"] = lambda n: side_by_side_seconds(TABLE1_NETS, n, device)
    # A 20-update difference can come out near 0 on a busy machine: no update of these
    # nets takes under 5 ms on a CPU, so no trial may ask for more than seconds / 5 ms.
    floor = 5e-3 if device == "cpu" else 1e-4
    updates = {k: max(n1, math.ceil(seconds / max(case(20) / 20, floor)))
               for k, case in cases.items()}  # fmt: skip
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(reps):  # interleaved: a shared machine's slow spell hits every case
        for k, case in cases.items():
            times[k].append(case(updates[k]) / updates[k])
    t_probe, t_eval = probe_and_eval_seconds(device)
    res = {f"{k}_s_per_update": min(t) for k, t in times.items()}
    res.update(probe_s=t_probe, eval_s=t_eval, reps=times, updates=updates)
    res["paper_hours_figure_nets"] = paper_hours(
        res["figure_s_per_update"], len(FIGURE_NETS), t_probe, t_eval
    )
    if grid:  # 12 nets per depth, one stack each
        per_depth = [
            engine_seconds([[*s, f"model.depth={d}"] for s in GRID_NETS], n1, device, threads) / n1
            for d in range(1, 6)
        ]
        res["grid_s_per_update_by_depth"] = per_depth
        res["paper_hours_grid"] = sum(
            paper_hours(t, len(GRID_NETS), t_probe, t_eval) for t in per_depth
        )
    return res


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--updates", type=int, default=20, help="N1 at least (default 20)")
    p.add_argument("--seconds", type=float, default=3.0,
                   help="training each case times at least (default 3)")  # fmt: skip
    p.add_argument("--reps", type=int, default=3, help="interleaved repetitions (default 3)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument(
        "--grid",
        action=argparse.BooleanOptionalAction,
        help="also project the 60-net grid (default: on CUDA)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = p.parse_args(argv)
    if a.updates < 1 or a.threads < 0 or a.reps < 1:
        p.error("--updates and --reps must be >= 1, --threads >= 0")
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no CUDA device here")
    if a.grid is None:
        a.grid = a.device == "cuda"
    if a.threads:
        torch.set_num_threads(a.threads)
    threads = torch.get_num_threads()
    t0 = time.perf_counter()
    res = run(a.updates, a.device, threads, a.grid, a.reps, a.seconds)
    name = torch.cuda.get_device_name() if a.device == "cuda" else platform.processor()
    meta = {
        "device": f"{a.device} ({name or platform.machine()})",
        "threads": threads,
        "torch": torch.__version__,
        "min_seconds_per_case": a.seconds,
        "total_s": round(time.perf_counter() - t0, 1),
    }
    n_fig, n_t1 = len(FIGURE_NETS), len(TABLE1_NETS)
    rate = {k[: -len("_s_per_update")]: BATCH / v for k, v in res.items() if "_s_per" in k}
    targets = {  # figure: each figure net's own rate; n_fig * figure: the stack's in total
        "solo_ge_1.5x_plain": rate["solo"] >= 1.5 * rate["plain"],
        "figure_total_ge_solo": n_fig * rate["figure"] >= rate["solo"],
    }
    if a.json:
        print(json.dumps({"meta": meta, "results": res, "targets": targets}, indent=2))
        return
    print(
        f"Training speed: 5 x 1000 (depth 4 for one figure net), batch {BATCH}, SGD, probes "
        f"off; {meta['device']}, {threads} torch threads, torch {meta['torch']}, "
        f">= {a.seconds:g} s of training per case and rep, {a.reps} interleaved reps, "
        f"{meta['total_s']:g} s in all"
    )
    print(f"{'case':<46} {'examples/s per net: min / median / max':>40} {'total x plain':>14}")
    rows = [
        ("plain", "plain loop (nn.Sequential + optim.SGD)", 1),
        ("solo", "engine, one net", 1),
        ("figure", f"engine, the {n_fig} figure nets", n_fig),
        ("table1", f"engine, the {n_t1} Table 1 nets, one stack", n_t1),
        ("table1_side_by_side", "  as two stacks side by side, 1 thread each", n_t1),
    ]
    plain = rate["plain"]
    for k, label, nets in rows:
        if k not in res["reps"]:
            continue
        per_net = sorted(BATCH / t for t in res["reps"][k])  # a stack update: BATCH per net
        spread = f"{per_net[0]:,.0f} / {statistics.median(per_net):,.0f} / {per_net[-1]:,.0f}"
        print(f"{label:<46} {spread:>40} {statistics.median(per_net) * nets / plain:>14.2f}")
    print("N1 (updates timed, by difference of N1 and 2 N1) per case: "
          + ", ".join(f"{k} {n}" for k, n in res["updates"].items()))  # fmt: skip
    print(f"{'one probe (300 examples)':<46} {res['probe_s']:>38.2f} s")
    print(f"{'one evaluation (10k valid + 10k test)':<46} {res['eval_s']:>38.2f} s")
    print(
        f"projected `paper` profile (2.5e7 examples per net, probes and evaluations "
        f"included), the {n_fig} figure nets: {res['paper_hours_figure_nets']:.1f} h"
    )
    if a.grid:
        print(f"projected `paper` profile, the 60-net grid: {res['paper_hours_grid']:.1f} h")
    met = "met" if targets["solo_ge_1.5x_plain"] else "NOT met"
    print(f"target engine, one net >= 1.5x plain (best reps): {met}")
    met = "met" if targets["figure_total_ge_solo"] else "NOT met"
    print(f"target the figure nets in total >= one net (best reps): {met}")


if __name__ == "__main__":
    main()
