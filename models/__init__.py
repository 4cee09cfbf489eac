"""Networks, activations, initializations and costs of Glorot & Bengio (2010)."""

from models.activations import (
    ACTIVATIONS,
    Activation,
    get_activation,
    register_activation,
    saturated_mask,
    saturation_fraction,
)
from models.inits import INITS, InitScheme, get_init, init_bound, initialize_linear, register_init
from models.jacobian import layer_jacobians, mean_jacobian_singular_values
from models.losses import LOSS_GRADIENTS, LOSSES, get_loss, loss_and_grad, register_loss
from models.mlp import MLP, resolve_widths

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "LOSS_GRADIENTS",
    "MLP",
    "Activation",
    "InitScheme",
    "get_activation",
    "get_init",
    "get_loss",
    "init_bound",
    "initialize_linear",
    "layer_jacobians",
    "loss_and_grad",
    "mean_jacobian_singular_values",
    "register_activation",
    "register_init",
    "register_loss",
    "resolve_widths",
    "saturated_mask",
    "saturation_fraction",
]
