"""Octorank's training utilities U(x) of the reward difference x = r_better - r_worse, in torch.

The same definitions as Octorank's ml/utility.ts (docs/design.md, "The openness-conditioned
utility"), checked against it on a shared grid (tests/utility-grid.json). Every utility but
logsigmoid is a member of the smoothed Box-Cox family

    U_g(x) = ((x + eps)^g - eps^g) / g      x > 0, g != 0
    U_0(x) = log((x + eps) / eps)           x > 0
    U_g(x) = eps^(g - 1) * x                x <= 0 (the C1 linear extension)

with g fixed (linear 1, log 0, inverse -1, boxcox G) or per prompt (conditioned 1 - 2 * openness,
adaptive 1 below openness 0.5 and -1 from it). logsigmoid is log(sigmoid(4x)). Rewards are
r = sigmoid(score), so x lies in (-1, 1).
"""

from __future__ import annotations

import math
from typing import Final, Literal, get_args

import torch

UtilityName = Literal["conditioned", "log", "logsigmoid", "linear", "inverse", "adaptive", "boxcox"]
UTILITY_NAMES: Final[tuple[UtilityName, ...]] = get_args(UtilityName)
OPENNESS_UTILITIES: Final[frozenset[str]] = frozenset({"conditioned", "adaptive"})

DEFAULT_EPS: Final = 0.1
ADAPTIVE_THRESHOLD: Final = 0.5
# An exponent this close to 0 is 0: the log branch, with the slope and derivative of g = 0 (as in
# ml/utility.ts; a 1/g coefficient there would lose every digit).
_GAMMA_ZERO: Final = 1e-6


def check_utility(name: str, eps: float, gamma: float | None = None) -> UtilityName:
    """The utility's name, after checking that it exists and that its settings are usable for training."""
    if name not in UTILITY_NAMES:
        raise ValueError(f"Unknown utility {name!r}: use one of {', '.join(UTILITY_NAMES)}.")
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a number above 0 (the smoothing that keeps gradients finite), got {eps!r}.")
    if name == "boxcox" and (gamma is None or not math.isfinite(gamma)):
        raise ValueError("The boxcox utility needs a finite gamma (its fixed exponent).")
    if name != "boxcox" and gamma is not None:
        raise ValueError(f"gamma is the boxcox utility's exponent; {name} takes none.")
    return name  # type: ignore[return-value]


def utility_gamma(
    name: UtilityName,
    openness: torch.Tensor | float | None = None,
    gamma: float | None = None,
) -> torch.Tensor | float | None:
    """The Box-Cox exponent of a utility (per element for openness tensors); None for logsigmoid."""
    if name == "logsigmoid":
        return None
    if name == "linear":
        return 1.0
    if name == "log":
        return 0.0
    if name == "inverse":
        return -1.0
    if name == "boxcox":
        if gamma is None:
            raise ValueError("The boxcox utility needs gamma.")
        return float(gamma)
    if openness is None:
        raise ValueError(f"The {name} utility needs each pair's openness.")
    if name == "conditioned":
        if isinstance(openness, torch.Tensor):
            return 1 - 2 * openness.clamp(0, 1)
        return 1 - 2 * min(1.0, max(0.0, float(openness)))
    # adaptive
    if isinstance(openness, torch.Tensor):
        return torch.where(openness >= ADAPTIVE_THRESHOLD, -1.0, 1.0).to(openness.dtype)
    return -1.0 if float(openness) >= ADAPTIVE_THRESHOLD else 1.0


def utility(
    name: UtilityName,
    x: torch.Tensor,
    openness: torch.Tensor | float | None = None,
    gamma: float | None = None,
    eps: float = DEFAULT_EPS,
) -> torch.Tensor:
    """U(x) element-wise; openness (conditioned, adaptive) broadcasts against x. Differentiable in x."""
    check_utility(name, eps, gamma)
    if name == "logsigmoid":
        return torch.nn.functional.logsigmoid(4 * x)
    g = utility_gamma(name, openness, gamma)
    g = torch.as_tensor(g, dtype=x.dtype, device=x.device)
    log_eps = math.log(eps)
    z = (g.abs() < _GAMMA_ZERO).to(x.dtype)
    g = g * (1 - z)
    gs = g + z
    coef = (1 - z) * torch.exp(gs * log_eps) / gs
    slope = torch.exp((g - 1) * log_eps)
    xp = torch.relu(x)
    xn = x - xp
    lp = torch.log(xp + eps) - log_eps  # log((x+ + eps) / eps) >= 0
    return z * lp + coef * torch.expm1(gs * lp) + slope * xn


def pair_loss(
    chosen_scores: torch.Tensor,
    rejected_scores: torch.Tensor,
    name: UtilityName = "conditioned",
    openness: torch.Tensor | float | None = None,
    gamma: float | None = None,
    eps: float = DEFAULT_EPS,
) -> torch.Tensor:
    """Each pair's loss -U(sigmoid(chosen) - sigmoid(rejected)): what Octorank's trainer minimises per pair."""
    x = torch.sigmoid(chosen_scores) - torch.sigmoid(rejected_scores)
    return -utility(name, x, openness=openness, gamma=gamma, eps=eps)
