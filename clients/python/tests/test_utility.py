"""The Python utility against Octorank's TypeScript one, on the grid scripts/utility-grid.ts wrote."""

import json
import math
from pathlib import Path

import pytest
import torch

from octorank import UTILITY_NAMES, pair_loss, utility, utility_gamma

GRID = json.loads((Path(__file__).parent / "utility-grid.json").read_text())["cases"]
TOLERANCE = 1e-6


def close(values, expected, relative=False):
    """Within 1e-6; derivatives reach eps^(gamma - 1) (1e6 at eps 0.01, gamma -2), so they are
    compared relative to their size. The grid holds exponents on both sides of |gamma| = 1e-6, below
    which both sides take gamma as 0, in the value and in the derivative."""
    return all(abs(a - b) <= TOLERANCE * (max(1.0, abs(b)) if relative else 1.0) for a, b in zip(values, expected))


def case_id(case):
    return f"{case['utility']}-o{case['openness']}-g{case['gamma']}-eps{case['eps']}"


def test_the_grid_covers_every_utility():
    assert {c["utility"] for c in GRID} == set(UTILITY_NAMES)


@pytest.mark.parametrize("case", GRID, ids=case_id)
def test_agrees_with_the_typescript_utility(case):
    kwargs = {"openness": case["openness"], "gamma": case["gamma"], "eps": case["eps"]}
    x = torch.tensor(case["x"], dtype=torch.float64, requires_grad=True)
    u = utility(case["utility"], x, **kwargs)
    (du,) = torch.autograd.grad(u.sum(), x)
    assert close(u.tolist(), case["u"])
    assert close(du.tolist(), case["du"], relative=True)
    gamma = utility_gamma(case["utility"], case["openness"], case["gamma"])
    assert gamma == case["boxcoxGamma"] or (gamma is not None and abs(gamma - case["boxcoxGamma"]) < 1e-12)

    chosen = torch.tensor([s["chosen"] for s in case["scores"]], dtype=torch.float64)
    rejected = torch.tensor([s["rejected"] for s in case["scores"]], dtype=torch.float64)
    loss = pair_loss(chosen, rejected, case["utility"], **kwargs)
    assert close(loss.tolist(), [s["loss"] for s in case["scores"]])


def test_per_pair_openness_picks_each_pairs_exponent():
    """A batch mixing openness gives each pair the loss of its own openness, not the batch's mean."""
    chosen = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    rejected = torch.tensor([0.0, 0.0, 0.0], dtype=torch.float64)
    mixed = pair_loss(chosen, rejected, "conditioned", openness=torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64))
    alone = [pair_loss(chosen[:1], rejected[:1], "conditioned", openness=o).item() for o in (0.0, 0.5, 1.0)]
    assert mixed.tolist() == pytest.approx(alone, abs=1e-12)
    assert len(set(round(v, 6) for v in alone)) == 3


def test_closed_pairs_pay_for_a_small_gap_less_than_open_ones():
    """The point of the cure: at openness 0 (linear) a small gap is cheap relative to a large one,
    at openness 1 (inverse) it is expensive, which spreads open prompts and splits closed ones."""
    small, large = torch.tensor([0.05], dtype=torch.float64), torch.tensor([0.9], dtype=torch.float64)

    def ratio(o):
        return (utility("conditioned", large, openness=o) / utility("conditioned", small, openness=o)).item()

    assert ratio(0.0) > 10 > ratio(0.5) > ratio(1.0)


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("cosine", {}, "Unknown utility"),
        ("boxcox", {}, "needs a finite gamma"),
        ("log", {"gamma": 0.5}, "takes none"),
        ("log", {"eps": 0}, "eps must be a number above 0"),
        ("log", {"eps": math.nan}, "eps must be a number above 0"),
        ("conditioned", {}, "needs each pair's openness"),
    ],
)
def test_refuses_what_it_cannot_compute(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        utility(name, torch.tensor([0.1]), **kwargs)
