"""Mean-field theory of wide random nets: the order-to-chaos map that explains the paper.

Poole et al. (2016, arXiv 1606.05340) and Schoenholz et al. (2017, arXiv 1611.01232): in a
net whose weights are N(0, sigma_w^2 / n_in) and biases N(0, sigma_b^2), the pre-activations
h of a wide layer are Gaussian with variance q, carried from layer to layer by the length
map

    q_l = sigma_w^2 E_z[phi(sqrt(q_{l-1}) z)^2] + sigma_b^2,          z ~ N(0, 1),

to a fixed point q*. Two inputs' correlation c is carried by the correlation map

    c_l = (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / q*,   (at the fixed point q*)
    u1 = sqrt(q*) z1,  u2 = sqrt(q*) (c_{l-1} z1 + sqrt(1 - c_{l-1}^2) z2),

whose slope at its fixed point c* is chi_c = sigma_w^2 E[phi'(u1) phi'(u2)]; at c* = 1 it is
chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2], which also scales a back-propagated gradient's
squared norm per layer. chi_1 < 1: the ordered phase (inputs' correlations converge to 1,
gradients vanish); chi_1 > 1: chaos. The correlation depth scale is xi_c = -1 / ln chi_c;
Schoenholz et al. find nets trainable only up to a depth of about 6 xi_c.

Expectations are Gauss-Hermite sums (numpy's probabilists' nodes), exact for polynomials
of degree < 2 x NODES.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

Fn = Callable[[np.ndarray], np.ndarray]
NODES = 80
TOLERANCE = 1e-13  # a map's iteration has converged when a step moves it less than this
MAX_STEPS = 100_000


def _rule(n: int = NODES) -> tuple[np.ndarray, np.ndarray]:
    z, w = hermegauss(n)
    return z, w / math.sqrt(2 * math.pi)  # E_z[f(z)] = sum w f(z) for z ~ N(0, 1)


def gaussian_mean(f: Fn, n: int = NODES) -> float:
    """E[f(z)], z ~ N(0, 1)."""
    z, w = _rule(n)
    return float(np.sum(w * f(z)))


def gaussian_mean_2d(f: Callable[[np.ndarray, np.ndarray], np.ndarray], n: int = NODES):
    """E[f(z1, z2)], z1, z2 independent N(0, 1)."""
    z, w = _rule(n)
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    return float(np.sum(np.outer(w, w) * f(z1, z2)))


def length_map(q: float, sw2: float, sb2: float, phi: Fn) -> float:
    return sw2 * gaussian_mean(lambda z: phi(math.sqrt(q) * z) ** 2) + sb2


def _fixed_point(step: Callable[[float], float], x: float) -> float:
    for _ in range(MAX_STEPS):
        nxt = step(x)
        if abs(nxt - x) < TOLERANCE:
            return nxt
        x = nxt
    return x  # at criticality the approach is algebraic: the last iterate, close enough


def q_star(sw2: float, sb2: float, phi: Fn, q0: float = 1.0) -> float:
    """The length map's fixed point reached from q0."""
    return _fixed_point(lambda q: length_map(q, sw2, sb2, phi), q0)


def chi_1(q: float, sw2: float, dphi: Fn) -> float:
    return sw2 * gaussian_mean(lambda z: dphi(math.sqrt(q) * z) ** 2)


def _pair(q: float, c: float):
    s, r = math.sqrt(q), math.sqrt(max(0.0, 1 - c * c))
    return lambda z1, z2: (s * z1, s * (c * z1 + r * z2))


def correlation_map(c: float, q: float, sw2: float, sb2: float, phi: Fn) -> float:
    """The next layer's correlation of two inputs of length q and correlation c (normalized
    by the next layer's length, which is q itself at the fixed point q*)."""
    pair = _pair(q, c)
    both = gaussian_mean_2d(lambda z1, z2: phi(pair(z1, z2)[0]) * phi(pair(z1, z2)[1]))
    return (sw2 * both + sb2) / length_map(q, sw2, sb2, phi)


def c_star(q: float, sw2: float, sb2: float, phi: Fn, c0: float = 0.5) -> float:
    return _fixed_point(lambda c: min(1.0, correlation_map(c, q, sw2, sb2, phi)), c0)


def chi_c(c: float, q: float, sw2: float, dphi: Fn) -> float:
    pair = _pair(q, c)
    return sw2 * gaussian_mean_2d(lambda z1, z2: dphi(pair(z1, z2)[0]) * dphi(pair(z1, z2)[1]))


def depth_scale(sw2: float, sb2: float, phi: Fn, dphi: Fn) -> dict[str, float]:
    """q*, chi_1, c*, chi_c and xi_c = -1 / ln chi_c of one (sigma_w^2, sigma_b^2). Where
    q* = 0 (e.g. tanh without biases in the ordered phase) every input collapses to 0: c*
    is taken as 1 and chi_c = chi_1 = sigma_w^2 phi'(0)^2."""
    q = q_star(sw2, sb2, phi)
    one = chi_1(q, sw2, dphi)
    c = 1.0 if q < 1e-12 else c_star(q, sw2, sb2, phi)
    slope = one if c >= 1 - 1e-9 else chi_c(c, q, sw2, dphi)
    xi = math.inf if abs(math.log(slope)) < 1e-12 else -1 / math.log(slope)
    return {"q_star": q, "chi_1": one, "c_star": c, "chi_c": slope, "xi_c": xi}
