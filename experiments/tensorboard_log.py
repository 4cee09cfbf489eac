"""`logger=tensorboard`: a run's probe record and metrics also as TensorBoard events in
`<run>/tensorboard/` (per-layer histograms of activations, dC/ds and dC/dW, their means,
stds and saturation; train loss, valid and test error), stepped by examples seen, so
`tensorboard --logdir results/runs` shows every run. Written from the record at each
checkpoint (just before it) and at the end; a resumed run purges what came after its
checkpoint and writes it again, so no event is lost or shown twice. Needs the
`tensorboard` extra (pip install -e '.[tensorboard]')."""

from __future__ import annotations

from pathlib import Path

import numpy as np

QUANTITIES = ("act", "backprop", "wgrad")


class TensorBoardLog:
    def __init__(self, run_dir: Path, state: dict, batch_size: int):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as e:  # torch needs the tensorboard package for its writer
            raise RuntimeError(
                "logger=tensorboard needs the tensorboard package: pip install -e '.[tensorboard]'"
            ) from e
        resumed = state["step"] * batch_size
        purge = resumed + 1 if resumed else None  # events after the checkpoint: written again
        self.writer = SummaryWriter(str(run_dir / "tensorboard"), purge_step=purge)
        self.probes_done, self.metrics_done = len(state["probes"]), len(state["metrics"])
        if not resumed:  # a fresh run: its step-0 records are written with the rest
            self.probes_done = self.metrics_done = 0

    def write(self, state: dict) -> None:
        for record in state["probes"][self.probes_done :]:
            self._probe(record)
        for m in state["metrics"][self.metrics_done :]:
            for key in ("train_loss", "valid_error", "test_error"):
                if np.isfinite(m[key]):
                    self.writer.add_scalar(f"error/{key}", m[key], m["examples"])
        self.probes_done, self.metrics_done = len(state["probes"]), len(state["metrics"])
        self.writer.flush()

    def _probe(self, r: dict) -> None:
        step, w = int(r["examples"]), self.writer
        for q in QUANTITIES:
            edges = np.asarray(r[f"{q}_edges"])
            for layer, counts in enumerate(np.asarray(r[f"{q}_hist"])):
                n = int(counts.sum())
                if n == 0:
                    continue
                mean, std = float(r[f"{q}_mean"][layer]), float(r[f"{q}_std"][layer])
                tag = f"layer{layer + 1}/{q}"
                w.add_histogram_raw(tag, edges[0], edges[-1], n, mean * n,
                                    (std**2 + mean**2) * n, edges[1:], counts, step)  # fmt: skip
                w.add_scalar(f"{tag}_mean", mean, step)
                w.add_scalar(f"{tag}_std", std, step)
            if q == "act":
                for layer, s in enumerate(np.asarray(r["act_saturation"])):
                    w.add_scalar(f"layer{layer + 1}/saturation", float(s), step)

    def close(self) -> None:
        self.writer.close()
