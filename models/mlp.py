"""The paper's fully connected classifier (§2.3): `depth` hidden layers of one activation,
then a linear layer whose logits feed a softmax (applied in the loss or `predict_proba`).

Notation follows §4.2.1: s^i = z^i W^i + b^i and z^{i+1} = f(s^i), with z^0 = x, for hidden
layers i = 0..depth-1. All weights are drawn from one torch.Generator seeded by `seed`, in
layer order, so a seed fixes the net whatever the device.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from models.activations import Activation, get_activation
from models.inits import get_init, initialize_linear
from models.jacobian import layer_jacobians


def resolve_widths(hidden: Sequence[int] | tuple[int, int]) -> list[int]:
    """Hidden widths from either a list of widths or a (depth, width) tuple.

    A tuple is always read as (depth, width); any other sequence (e.g. a list) as the
    widths themselves, so (5, 1000) and [1000] * 5 give the same net.
    """
    if isinstance(hidden, tuple):
        if len(hidden) != 2:
            raise ValueError(
                f"hidden as a tuple must be (depth, width), got {hidden!r}; "
                "pass a list for explicit widths"
            )
        depth, width = hidden
        _check_int("depth", depth)
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        widths = [width] * depth
    else:
        widths = list(hidden)
        if len(widths) < 1:
            raise ValueError("depth must be >= 1: hidden lists no widths")
    for w in widths:
        _check_int("width", w)
        if w < 1:
            raise ValueError(f"width must be positive, got {w} in hidden={hidden!r}")
    return [int(w) for w in widths]


class MLP(nn.Module):
    """Fully connected net: `hidden` layers with activation `activation`, linear output.

    activation: a name, or an Activation (e.g. leaky ReLU with its own slope).
    init: scheme for the hidden layers ("standard" Eq. 1, "normalized" Eq. 16, ...).
    output_init: scheme for the output layer; None means the same as `init`. The paper
    does not say how the output layer was initialized. Biases always start at 0. Schemes
    that depend on the activation (orthogonal's gain, kumar) take the net's for every
    layer; "lsuv" and "data_dependent" draw the start that `models.data_fit` fits to data.
    init_gain multiplies the hidden layers' drawn weights (1: the schemes as published; the
    lab's tutorials used 4 for sigmoid hidden layers, not for the classifier); init_options
    are the schemes' own settings (e.g. {"std": 0.01} for "gaussian").
    batch_norm: normalize each hidden layer's s before f (Ioffe & Szegedy 2015): batch
    statistics in train mode, running ones in eval mode (evaluations and probes).
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] | tuple[int, int],
        n_classes: int,
        activation: str | Activation,
        init: str = "normalized",
        output_init: str | None = None,
        seed: int = 0,
        init_gain: float = 1.0,
        batch_norm: bool = False,
        init_options: dict | None = None,
    ) -> None:
        super().__init__()
        _check_int("in_features", in_features)
        _check_int("n_classes", n_classes)
        if in_features < 1:
            raise ValueError(f"in_features must be positive, got {in_features}")
        if not (init_gain > 0 and math.isfinite(init_gain)):
            raise ValueError(f"init_gain must be finite and > 0, got {init_gain!r}")
        if n_classes < 1:
            raise ValueError(f"n_classes must be positive, got {n_classes}")
        self.widths = resolve_widths(hidden)
        if not isinstance(activation, Activation):
            activation = get_activation(activation)
        self.activation = activation
        get_init(init)
        output_init = init if output_init is None else output_init
        get_init(output_init)

        self.in_features = int(in_features)
        self.n_classes = int(n_classes)
        self.activation_name = activation.name
        self.init_name = init
        self.output_init_name = output_init
        self.seed = seed

        # skip_init: build without nn.Linear's default init, which would consume the
        # global RNG and draw non-zero biases.
        sizes = [self.in_features, *self.widths]
        self.hidden = nn.ModuleList(
            nn.utils.skip_init(nn.Linear, n_in, n_out)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.output = nn.utils.skip_init(nn.Linear, self.widths[-1], self.n_classes)
        # gamma 1, beta 0, running mean 0 and variance 1: no random draw
        self.norms = nn.ModuleList(nn.BatchNorm1d(w) for w in self.widths) if batch_norm else None

        gen = torch.Generator(device="cpu").manual_seed(seed)
        for layer in self.hidden:
            initialize_linear(layer, init, gen, activation, init_gain, **(init_options or {}))
        initialize_linear(self.output, output_init, gen, activation, 1.0, **(init_options or {}))

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.widths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (pre-softmax) for a batch x of shape (B, in_features)."""
        return self.forward_trace(x)[0]

    def pre_activation(self, i: int, z: torch.Tensor) -> torch.Tensor:
        """s^i from the layer's input z^i: z W + b, batch-normalized when the net is."""
        s = self.hidden[i](z)
        return s if self.norms is None else self.norms[i](s)

    def effective_weights(self) -> list[torch.Tensor]:
        """Each hidden layer's ds^i/dz^i per example: W, or diag(gamma / sqrt(running var +
        eps)) W with batch norm in eval mode (train-mode batch norm couples the examples)."""
        if self.norms is None:
            return [layer.weight for layer in self.hidden]
        if self.training:
            raise ValueError("per-example Jacobians of a batch-norm net need eval mode")
        return [
            (n.weight / (n.running_var + n.eps).sqrt())[:, None] * layer.weight
            for layer, n in zip(self.hidden, self.norms, strict=True)
        ]

    def forward_trace(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """(logits, pre, post): pre[i] = s^i (after batch norm, if any) and post[i] =
        z^{i+1} = f(s^i) per hidden layer.

        The tensors stay in the autograd graph, so torch.autograd.grad(loss, pre) gives the
        back-propagated gradients dC/ds^i (Fig. 7).
        """
        f = self.activation.fn
        pre: list[torch.Tensor] = []
        post: list[torch.Tensor] = []
        z = x
        for i in range(self.depth):
            s = self.pre_activation(i, z)
            z = f(s)
            pre.append(s)
            post.append(z)
        return self.output(z), pre, post

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Softmax class probabilities."""
        return F.softmax(self.forward(x), dim=-1)

    def layer_jacobians(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Per-example Jacobians diag(f'(s^i)) W^i, (B, out, in), for i = 0..depth-1;
        entry 0 is the input layer. See models.jacobian.layer_jacobians."""
        return layer_jacobians(self, x)

    def extra_repr(self) -> str:
        return (
            f"activation={self.activation_name}, init={self.init_name}, "
            f"output_init={self.output_init_name}, seed={self.seed}"
            + (", batch_norm=True" if self.norms is not None else "")
        )


def _check_int(option: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{option} must be an int, got {value!r}")
