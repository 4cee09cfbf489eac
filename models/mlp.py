"""The paper's fully connected classifier (§2.3): `depth` hidden layers of one activation,
then a linear layer whose logits feed a softmax (applied in the loss or `predict_proba`).

Notation follows §4.2.1: s^i = z^i W^i + b^i and z^{i+1} = f(s^i), with z^0 = x, for hidden
layers i = 0..depth-1. All weights are drawn from one torch.Generator seeded by `seed`, in
layer order, so a seed fixes the net whatever the device.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from models.activations import get_activation
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

    init: scheme for the hidden layers ("standard" Eq. 1, "normalized" Eq. 16).
    output_init: scheme for the output layer; None means the same as `init`. The paper
    does not say how the output layer was initialized. Biases always start at 0.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] | tuple[int, int],
        n_classes: int,
        activation: str,
        init: str = "normalized",
        output_init: str | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        _check_int("in_features", in_features)
        _check_int("n_classes", n_classes)
        if in_features < 1:
            raise ValueError(f"in_features must be positive, got {in_features}")
        if n_classes < 1:
            raise ValueError(f"n_classes must be positive, got {n_classes}")
        self.widths = resolve_widths(hidden)
        self.activation = get_activation(activation)
        get_init(init)
        output_init = init if output_init is None else output_init
        get_init(output_init)

        self.in_features = int(in_features)
        self.n_classes = int(n_classes)
        self.activation_name = activation
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

        gen = torch.Generator(device="cpu").manual_seed(seed)
        for layer in self.hidden:
            initialize_linear(layer, init, gen)
        initialize_linear(self.output, output_init, gen)

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.widths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (pre-softmax) for a batch x of shape (B, in_features)."""
        f = self.activation.fn
        for layer in self.hidden:
            x = f(layer(x))
        return self.output(x)

    def forward_trace(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """(logits, pre, post): pre[i] = s^i and post[i] = z^{i+1} = f(s^i) per hidden layer.

        The tensors stay in the autograd graph, so torch.autograd.grad(loss, pre) gives the
        back-propagated gradients dC/ds^i (Fig. 7).
        """
        f = self.activation.fn
        pre: list[torch.Tensor] = []
        post: list[torch.Tensor] = []
        z = x
        for layer in self.hidden:
            s = layer(z)
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
        )


def _check_int(option: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{option} must be an int, got {value!r}")
