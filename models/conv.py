"""A small all-convolutional classifier, to ask how the paper's rule carries to convolutions:
`depth` conv layers of `channels` maps, `kernel` x `kernel`, padding that keeps the size,
one activation, then a linear layer on the flattened maps. Each layer's fans count the
receptive field (in x k x k, out x k x k) as every library does, or, with
`fan="channels"`, the channels alone: the common mistake, kept to show what it does.

It offers what the engine, probes and figures use of `models.MLP` (depth, activation,
hidden, output, forward_trace with each layer's s and z flattened per example), so its runs
have the same records; it trains through autograd (models.autograd_trainer), and its probes
skip the per-example Jacobians (a layer's is (C H W)^2, 256 MB at 16 x 32 x 32).
"""

from __future__ import annotations

import torch
from torch import nn

from models.activations import Activation, get_activation
from models.inits import conv_fans, get_init, initialize_layer


class ConvNet(nn.Module):
    norms = None  # no batch norm

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        depth: int,
        channels: int,
        kernel: int,
        n_classes: int,
        activation: str | Activation,
        init: str = "normalized",
        output_init: str | None = None,
        seed: int = 0,
        init_gain: float = 1.0,
        fan: str = "receptive_field",
        init_options: dict | None = None,
    ) -> None:
        super().__init__()
        c_in, height, width = image_shape
        if depth < 1 or channels < 1:
            raise ValueError(
                f"a conv net needs depth >= 1 and channels >= 1, got {depth}, {channels}"
            )
        if kernel < 1 or kernel % 2 == 0 or kernel > min(height, width):
            raise ValueError(
                f"model.kernel must be odd (so padding keeps the size) and at most the input's "
                f"{min(height, width)} pixels, got {kernel}"
            )
        self.activation = (
            activation if isinstance(activation, Activation) else get_activation(activation)
        )
        self.activation_name = self.activation.name
        output_init = init if output_init is None else output_init
        for scheme in (init, output_init):
            if get_init(scheme).fitted_to_data:
                raise ValueError(f"init {scheme!r} is fitted to data for dense nets only")
        self.image_shape, self.in_features = tuple(image_shape), c_in * height * width
        self.widths = [channels * height * width] * depth  # units per layer, as MLP's
        self.n_classes, self.kernel, self.fan, self.seed = n_classes, kernel, fan, seed
        self.init_name, self.output_init_name = init, output_init
        self.hidden = nn.ModuleList(  # skip_init: no draw from the global RNG, biases set below
            nn.utils.skip_init(
                nn.Conv2d, c_in if i == 0 else channels, channels, kernel, padding=kernel // 2
            )
            for i in range(depth)
        )
        self.output = nn.utils.skip_init(nn.Linear, self.widths[-1], n_classes)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        options = init_options or {}
        for layer in self.hidden:
            fan_in, fan_out = conv_fans(layer.weight.shape, fan)
            initialize_layer(
                layer, init, gen, fan_in, fan_out, self.activation, init_gain, **options
            )
        initialize_layer(
            self.output,
            output_init,
            gen,
            self.widths[-1],
            n_classes,
            self.activation,
            1.0,  # init_gain is the conv layers' only, as MLP's is its hidden layers'
            **options,
        )

    @property
    def depth(self) -> int:
        return len(self.hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_trace(x)[0]

    def forward_trace(self, x: torch.Tensor):
        """(logits, pre, post) as MLP's: per conv layer s and z = f(s), (B, C H W) each."""
        f, z = self.activation.fn, x.reshape(len(x), *self.image_shape)
        pre, post = [], []
        for layer in self.hidden:
            s = layer(z).flatten(1)  # flat first: dC/ds by autograd is then per flat entry
            pre.append(s)
            post.append(f(s))
            z = post[-1].view(len(x), layer.out_channels, *self.image_shape[1:])
        return self.output(post[-1]), pre, post

    def extra_repr(self) -> str:
        return (
            f"activation={self.activation_name}, init={self.init_name}, fan={self.fan}, "
            f"seed={self.seed}"
        )
