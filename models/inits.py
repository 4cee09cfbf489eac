"""Weight-initialization schemes of the paper, by name.

"standard" is Eq. 1, W ~ U[-1/sqrt(n_in), 1/sqrt(n_in)] (n_in Var[W] = 1/3); "normalized"
is Eq. 16, W ~ U[-a, a] with a = sqrt(6 / (n_in + n_out)) (Var[W] = 2 / (n_in + n_out)).
After the paper: "he" (He et al. 2015), U[-sqrt(6/n_in), sqrt(6/n_in)] (Var[W] = 2/n_in);
"orthogonal" (Saxe et al. 2013), a random orthogonal matrix times the activation's gain;
"kumar" (Kumar 2017), N(0, 1 / (n_in f'(0)^2 (1 + f(0)^2))), or gain^2 / n_in for ReLUs;
"lsuv" (Mishkin & Matas 2015) and "data_dependent" (Kraehenbuehl et al. 2015): a start
that `models.data_fit` fits to data. The simpler schemes in common use: "zeros", "gaussian"
N(0, std^2) (std 0.01 was a popular choice before 2010), "lecun" N(0, 1/n_in) and
"normalized_normal" N(0, 2/(n_in + n_out)), the Gaussian form of Eq. 16; "mean_field"
N(0, sigma_w2/n_in) with biases N(0, sigma_b2), the knobs of the order-to-chaos grid. "random_walk"
(Sussillo & Abbott 2014): N(0, g^2/n_in) with the g that keeps the log of the back-propagated
gradient norm an unbiased random walk over depth.
What a user gets without choosing (`FRAMEWORK_DEFAULTS`): "torch_default", PyTorch's
nn.Linear / nn.Conv2d, weights U[-1/sqrt(n_in), 1/sqrt(n_in)] (Eq. 1) *and* biases drawn
from the same range; Keras' Dense, glorot_uniform with zero biases, is "normalized" itself;
"flax_default", Flax's Dense, lecun_normal: a normal truncated at 2 std, rescaled so that
Var[W] = 1/n_in, zero biases.
Biases start at 0 (§2.3) in every scheme but torch_default and mean_field.
Weights are drawn on the CPU from an explicit torch.Generator in float64 and then copied,
so one seed gives the same weights on every device and dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from models.activations import Activation
from models.registry import Registry

BoundFn = Callable[[int, int], float]
SampleFn = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class InitScheme:
    """A named scheme. `sample(fan_in, fan_out, generator)` returns a float64 CPU tensor of
    shape (fan_out, fan_in) (nn.Linear's weight layout); a scheme that `uses_activation`
    takes the net's Activation as a fourth argument. `bound(fan_in, fan_out)` is the
    closed-form half-width for uniform schemes, None for others. `fitted_to_data`: the
    drawn weights are only a start that `models.data_fit` fits to a batch of data.
    `options`: keyword arguments of `sample` that come from the init config (e.g. std).
    `bias(fan_in, fan_out, generator, units, **bias_options)`: the layer's `units` biases
    (its output units or maps), a float64 tensor drawn after the weights (torch's default,
    mean-field nets); None: biases 0."""

    name: str
    sample: SampleFn
    bound: BoundFn | None = None
    uses_activation: bool = False
    fitted_to_data: bool = False
    options: tuple[str, ...] = ()
    bias: SampleFn | None = None
    bias_options: tuple[str, ...] = ()


INITS: Registry[InitScheme] = Registry("init scheme")
"""Registry, name -> InitScheme. Iterate it for the known names."""


def uniform_sampler(bound: BoundFn) -> SampleFn:
    """Sampler for W ~ U[-b, b], b = bound(fan_in, fan_out)."""

    def sample(fan_in: int, fan_out: int, generator: torch.Generator, shape=None) -> torch.Tensor:
        b = bound(fan_in, fan_out)
        u = torch.rand(shape or (fan_out, fan_in), generator=generator, dtype=torch.float64)
        return (2 * u - 1) * b

    return sample


def register_init(
    name: str,
    sample: SampleFn | None = None,
    bound: BoundFn | None = None,
    *,
    uses_activation: bool = False,
    fitted_to_data: bool = False,
    options: tuple[str, ...] = (),
    bias: SampleFn | None = None,
    bias_options: tuple[str, ...] = (),
    overwrite: bool = False,
) -> InitScheme:
    """Add a scheme. Give `bound` alone for a symmetric uniform scheme, or a `sample`."""
    if sample is None:
        if bound is None:
            raise ValueError("register_init needs a sample function or a bound function")
        sample = uniform_sampler(bound)
    scheme = InitScheme(
        name, sample, bound, uses_activation, fitted_to_data, tuple(options), bias,
        tuple(bias_options),
    )  # fmt: skip
    return INITS.add(name, scheme, overwrite=overwrite)


def get_init(name: str) -> InitScheme:
    """Look up a scheme; unknown names raise ValueError listing the known ones."""
    return INITS.lookup(name)


def standard_bound(fan_in: int, fan_out: int) -> float:
    """Eq. 1: 1/sqrt(n_in)."""
    return 1.0 / math.sqrt(fan_in)


def normalized_bound(fan_in: int, fan_out: int) -> float:
    """Eq. 16: sqrt(6)/sqrt(n_in + n_out)."""
    return math.sqrt(6.0 / (fan_in + fan_out))


def he_bound(fan_in: int, fan_out: int) -> float:
    """He et al. (2015), uniform form: sqrt(6/n_in), so that Var[W] = 2/n_in (for ReLU)."""
    return math.sqrt(6.0 / fan_in)


def orthogonal_matrix(fan_in: int, fan_out: int, generator: torch.Generator, shape=None):
    """A (fan_out, fan_in) matrix (or `shape`) with orthonormal rows (or columns, whichever
    are fewer), uniform over such matrices: QR of a Gaussian matrix with R's diagonal made
    positive, the recipe of Saxe et al. (2013) and of torch.nn.init.orthogonal_."""
    rows, cols = shape or (fan_out, fan_in)
    a = torch.randn((rows, cols), generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(a.T if rows < cols else a)
    q = q * torch.diagonal(r).sign()
    return q.T if rows < cols else q


def orthogonal_sample(fan_in, fan_out, generator, activation: Activation, shape=None):
    """Saxe et al. (2013): orthogonal, scaled by the activation's gain (tanh 5/3, ReLU
    sqrt 2, as torch.nn.init.calculate_gain), so W W^T = gain^2 I for fan_out <= fan_in."""
    return activation.gain * orthogonal_matrix(fan_in, fan_out, generator, shape)


def kumar_variance(fan_in: int, activation: Activation) -> float:
    """Kumar (2017): 1 / (n_in f'(0)^2 (1 + f(0)^2)) for f differentiable at 0 (sigmoid:
    12.8 / n_in; tanh, softsign, identity: 1 / n_in); for ReLUs, not differentiable at 0,
    his 2 / n_in, i.e. gain^2 / n_in (leaky: 2 / ((1 + a^2) n_in))."""
    if not activation.smooth_at_zero:
        return activation.gain**2 / fan_in
    zero = torch.zeros(1, dtype=torch.float64)
    f0, d0 = activation.fn(zero).item(), activation.derivative(zero).item()
    if d0 == 0:
        raise ValueError(f"kumar init needs f'(0) != 0, activation {activation.name!r} has 0")
    return 1.0 / (fan_in * d0**2 * (1 + f0**2))


def kumar_sample(fan_in, fan_out, generator, activation: Activation, shape=None):
    """N(0, kumar_variance)."""
    return normal(math.sqrt(kumar_variance(fan_in, activation)), fan_in, fan_out, generator, shape)


def lsuv_start(fan_in: int, fan_out: int, generator: torch.Generator, shape=None):
    """LSUV's start: orthonormal (gain 1); `models.data_fit` then fits each layer's scale."""
    return orthogonal_matrix(fan_in, fan_out, generator, shape)


def normal(std: float, fan_in: int, fan_out: int, generator, shape=None) -> torch.Tensor:
    size = shape or (fan_out, fan_in)
    return std * torch.randn(size, generator=generator, dtype=torch.float64)


def gaussian_sample(fan_in, fan_out, generator, std: float = 0.01, shape=None):
    """N(0, std^2) whatever the layer's size: 0.01 shrinks a 1000-wide layer's signal by
    0.01 sqrt(1000) ~ 1/3 per layer."""
    if not (std > 0 and math.isfinite(std)):
        raise ValueError(f"gaussian init needs a finite std > 0, got {std!r}")
    return normal(std, fan_in, fan_out, generator, shape)


def lecun_sample(fan_in, fan_out, generator, shape=None) -> torch.Tensor:
    """N(0, 1/n_in) (LeCun et al. 1998): the simpler alternative to Eq. 16."""
    return normal(math.sqrt(1.0 / fan_in), fan_in, fan_out, generator, shape)


def normalized_normal_sample(fan_in, fan_out, generator, shape=None) -> torch.Tensor:
    """N(0, 2/(n_in + n_out)): Eq. 16's variance with Gaussian draws (torch's xavier_normal_)."""
    return normal(math.sqrt(2.0 / (fan_in + fan_out)), fan_in, fan_out, generator, shape)


# Flax's lecun_normal (jax.nn.initializers.variance_scaling(1, "fan_in", "truncated_normal")):
# a standard normal truncated to [-2, 2], divided by that truncated normal's std.
TRUNCATION = 2.0


def truncated_normal(size, generator: torch.Generator) -> torch.Tensor:
    """Standard normal truncated to [-TRUNCATION, TRUNCATION], by the inverse CDF."""
    lo = torch.special.ndtr(torch.tensor(-TRUNCATION, dtype=torch.float64))
    u = torch.rand(size, generator=generator, dtype=torch.float64)
    return torch.special.ndtri(lo + (1 - 2 * lo) * u)


def truncated_normal_std() -> float:
    """Std of the standard normal truncated to [-t, t]: sqrt(1 - 2 t phi(t) / (1 - 2 Phi(-t)))."""
    t = torch.tensor(TRUNCATION, dtype=torch.float64)
    mass = 1 - 2 * torch.special.ndtr(-t)
    density = torch.exp(-(t**2) / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(1 - 2 * TRUNCATION * density.item() / mass.item())


def flax_default_sample(fan_in, fan_out, generator, shape=None) -> torch.Tensor:
    """Flax's Dense default, lecun_normal: Var[W] = 1/n_in from a 2-std truncated normal."""
    z = truncated_normal(shape or (fan_out, fan_in), generator)
    return z * (math.sqrt(1.0 / fan_in) / truncated_normal_std())


def uniform_bias(bound: BoundFn) -> SampleFn:
    """Biases U[-b, b], b = bound(fan_in, fan_out): torch's nn.Linear default."""

    def sample(fan_in: int, fan_out: int, generator: torch.Generator, units: int):
        u = torch.rand(units, generator=generator, dtype=torch.float64)
        return (2 * u - 1) * bound(fan_in, fan_out)

    return sample


def mean_field_bias(fan_in, fan_out, generator, units: int, sigma_b2: float = 0.0):
    """N(0, sigma_b2): mean-field theory's biases; exactly 0 when sigma_b2 is 0."""
    if not (sigma_b2 >= 0 and math.isfinite(sigma_b2)):
        raise ValueError(f"mean_field init needs a finite sigma_b2 >= 0, got {sigma_b2!r}")
    return math.sqrt(sigma_b2) * torch.randn(units, generator=generator, dtype=torch.float64)


def mean_field_sample(fan_in, fan_out, generator, sigma_w2: float = 1.0, shape=None):
    """N(0, sigma_w2 / n_in): the weights of mean-field theory (Poole et al. 2016), whose
    sigma_w^2 moves a net from the ordered phase to the chaotic one
    (analysis/scans/mean_field.py)."""
    if not (sigma_w2 > 0 and math.isfinite(sigma_w2)):
        raise ValueError(f"mean_field init needs a finite sigma_w2 > 0, got {sigma_w2!r}")
    return normal(math.sqrt(sigma_w2 / fan_in), fan_in, fan_out, generator, shape)


def random_walk_gain(fan_in: int, activation: Activation) -> float:
    """Sussillo & Abbott (2014)'s g for N(0, g^2/N) weights. Backward through a linear layer,
    |W^T d|^2 / |d|^2 is g^2 chi^2_N / N, whose log has mean 2 ln g + psi(N/2) - ln(N/2) ~
    2 ln g - 1/N: g = exp(1/(2N)) cancels that drift. For ReLU their fitted
    sqrt(2) exp(1.2 / (max(N, 6) - 2.4)). For tanh there is no formula; 1.13 is the value
    TensorFlow's 2015 `_random_walk` initializer used. Other activations are refused."""
    n = fan_in
    gains = {
        "linear": lambda: math.exp(1.0 / (2.0 * n)),
        "relu": lambda: math.sqrt(2.0) * math.exp(1.2 / (max(n, 6) - 2.4)),
        "tanh": lambda: 1.13,
    }
    if activation.name not in gains:
        raise ValueError(
            f"random_walk init has a gain for {sorted(gains)} only, not {activation.name!r}"
        )
    return gains[activation.name]()


def random_walk_sample(fan_in, fan_out, generator, activation: Activation, shape=None):
    """N(0, g^2 / n_in), g from `random_walk_gain`."""
    g = random_walk_gain(fan_in, activation)
    return normal(g / math.sqrt(fan_in), fan_in, fan_out, generator, shape)


def zeros_sample(fan_in, fan_out, generator, shape=None) -> torch.Tensor:
    """All zero: every unit of a layer computes the same thing, and SGD never tells them apart."""
    return torch.zeros(shape or (fan_out, fan_in), dtype=torch.float64)


register_init("standard", bound=standard_bound)
register_init("normalized", bound=normalized_bound)
register_init("he", bound=he_bound)
register_init("orthogonal", orthogonal_sample, uses_activation=True)
register_init("kumar", kumar_sample, uses_activation=True)
register_init("lsuv", lsuv_start, fitted_to_data=True)
register_init("data_dependent", lecun_sample, fitted_to_data=True)
register_init("zeros", zeros_sample)
register_init("gaussian", gaussian_sample, options=("std",))
register_init("lecun", lecun_sample)
register_init("normalized_normal", normalized_normal_sample)
register_init("random_walk", random_walk_sample, uses_activation=True)
register_init("mean_field", mean_field_sample, options=("sigma_w2",), bias=mean_field_bias,
              bias_options=("sigma_b2",))  # fmt: skip
register_init("torch_default", bound=standard_bound, bias=uniform_bias(standard_bound))
register_init("flax_default", flax_default_sample)

# framework -> the scheme its dense layer draws when the user names none
FRAMEWORK_DEFAULTS = {"PyTorch": "torch_default", "Keras": "normalized", "Flax": "flax_default"}


def init_bound(name: str, fan_in: int, fan_out: int) -> float:
    """Closed-form uniform half-width of scheme `name` for a fan_in -> fan_out layer."""
    _check_fans(fan_in, fan_out)
    scheme = get_init(name)
    if scheme.bound is None:
        raise ValueError(f"init scheme {name!r} is not a uniform scheme; it has no bound")
    return scheme.bound(fan_in, fan_out)


def initialize_linear(
    layer: nn.Linear,
    scheme: str,
    generator: torch.Generator,
    activation: Activation | None = None,
    gain: float = 1.0,
    **options,
) -> nn.Linear:
    """Draw `layer`'s weight in place with `scheme` from `generator` (a CPU generator),
    times `gain`, and set its bias to exactly 0 (or draw it, where the scheme does). `activation`:
    the net's, for the schemes that depend on it; `options`: the config's values, of which
    the scheme takes those it names (e.g. std). Returns the layer."""
    fan_out, fan_in = layer.weight.shape
    return initialize_layer(layer, scheme, generator, fan_in, fan_out, activation, gain, **options)


def conv_fans(weight_shape, fan: str = "receptive_field") -> tuple[int, int]:
    """(fan_in, fan_out) of a conv weight (out, in, k, k): in x k x k and out x k x k, as
    every major library counts them; `fan="channels"` counts the channels alone (in, out),
    the common mistake, kept to show what it does."""
    out_ch, in_ch, *kernel = weight_shape
    area = math.prod(kernel)
    if fan == "channels":
        return in_ch, out_ch
    if fan != "receptive_field":
        raise ValueError(f"fan must be 'receptive_field' or 'channels', got {fan!r}")
    return in_ch * area, out_ch * area


def initialize_layer(
    layer, scheme, generator, fan_in, fan_out, activation=None, gain=1.0, **options
):
    """`initialize_linear` for any layer with a weight and a bias (nn.Linear, nn.Conv2d),
    with its fans given: the weight is drawn as the matrix (out, everything else)."""
    _check_fans(fan_in, fan_out)
    init = get_init(scheme)
    shape = (layer.weight.shape[0], layer.weight[0].numel())
    kwargs = {k: options[k] for k in init.options if k in options}
    bias_kwargs = {k: options[k] for k in init.bias_options if k in options}
    if init.uses_activation:
        if activation is None:
            raise ValueError(f"init scheme {scheme!r} depends on the activation: pass it")
        kwargs["activation"] = activation
    if shape != (fan_out, fan_in):
        kwargs["shape"] = shape
    w = init.sample(fan_in, fan_out, generator, **kwargs) * gain
    with torch.no_grad():
        layer.weight.copy_(w.reshape(layer.weight.shape).to(layer.weight))
        if layer.bias is None:
            return layer
        if init.bias is None:
            layer.bias.zero_()
        else:
            b = init.bias(fan_in, fan_out, generator, layer.bias.numel(), **bias_kwargs)
            layer.bias.copy_(b.to(layer.bias))
    return layer


def _check_fans(fan_in: int, fan_out: int) -> None:
    if fan_in < 1 or fan_out < 1:
        raise ValueError(f"fan_in and fan_out must be positive, got {fan_in}, {fan_out}")
