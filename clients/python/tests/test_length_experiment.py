"""The length experiment's bookkeeping (examples/length_experiment.py): its arguments, the decision
rule docs/trl.md fixed before the run, and the table it prints. No training here: the round trip
tests the training and the verdicts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "length_experiment.py"
spec = importlib.util.spec_from_file_location("length_experiment", SCRIPT)
assert spec and spec.loader
experiment = importlib.util.module_from_spec(spec)
spec.loader.exec_module(experiment)


def run(seed, key, beta, beta_ci, gap=0.5, trajectory=((50, 0.4, 0.9), (100, 0.3, 0.95))):
    label = dict((k, label) for label, k in experiment.TRAINERS)[key]
    return {
        "seed": seed,
        "trainer": label,
        "key": key,
        "run": 10 * seed + (key == "openness"),
        "seconds": 1,
        "verdict": "collapsed",
        "beta": beta,
        "beta_ci": beta_ci,
        "normalized_gap": gap,
        "normalized_gap_ci": (gap - 0.1, gap + 0.1) if gap is not None else None,
        "accuracy": 0.97,
        "trajectory": [list(p) for p in trajectory],
        "sentence": "…",
    }


def both(seed, default_ci, cured_ci):
    return [
        run(seed, "default", sum(default_ci) / 2, default_ci),
        run(seed, "openness", sum(cured_ci) / 2, cured_ci),
    ]


def test_the_defaults_are_the_design_docs_trl_fixed():
    options = experiment.parse_args(["paper-length"])
    assert (options.seeds, options.steps, options.eval_every, options.batch) == ([0, 1, 2], 300, 50, 16)
    assert (options.hidden, options.layers, options.lr, options.threads) == (64, 2, 1e-3, 1)


@pytest.mark.parametrize("argv", [["d", "--resume"], ["d", "--steps", "10", "--eval-every", "20"], ["d", "--eval-every", "0"]])
def test_contradictory_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        experiment.parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_the_cure_is_shown_only_when_every_seed_separates_the_intervals():
    apart = both(0, (-0.1, 0.1), (0.3, 0.6)) + both(1, (0.0, 0.2), (0.25, 0.5))
    assert experiment.cure_shown(apart, [0, 1]) == "shown"
    # One seed whose intervals touch or overlap is enough to say "not shown".
    touching = both(0, (-0.1, 0.1), (0.3, 0.6)) + both(1, (0.0, 0.3), (0.3, 0.5))
    assert experiment.cure_shown(touching, [0, 1]) == "not shown"
    # The opposite of right: the default above the cure.
    assert experiment.cure_shown(both(0, (0.3, 0.6), (-0.1, 0.1)), [0]) == "not shown"
    # Equal runs (a cure that changes nothing).
    assert experiment.cure_shown(both(0, (0.1, 0.2), (0.1, 0.2)), [0]) == "not shown"
    # A run without β (e.g. not learned) cannot show anything.
    assert experiment.cure_shown([run(0, "default", None, None), run(0, "openness", 0.5, (0.4, 0.6))], [0]) == "not shown"


def test_a_seed_missing_a_run_leaves_the_decision_incomplete():
    assert experiment.cure_shown(both(0, (-0.1, 0.1), (0.3, 0.6)), [0, 1]) == "incomplete"
    assert experiment.cure_shown(both(0, (-0.1, 0.1), (0.3, 0.6))[:1], [0]) == "incomplete"
    assert experiment.cure_shown([], [0]) == "incomplete"


def test_the_table_reports_each_run_the_means_over_seeds_and_the_paired_differences():
    results = both(0, (-0.1, 0.1), (0.3, 0.5)) + both(1, (0.1, 0.3), (0.4, 0.8))
    text = experiment.table(results, [0, 1])
    rows = [line for line in text.splitlines() if line.startswith("| 0 |") or line.startswith("| 1 |")]
    assert len(rows) == 4
    assert rows[0].startswith("| 0 | TRL default loss | collapsed | 0.00 [-0.10, 0.10] | 0.50 [0.40, 0.60] | 0.970 | 0 |")
    assert rows[1].startswith("| 0 | OpennessRewardTrainer |")
    # Mean and range of β over the two seeds, and the mean gap at each checkpoint.
    assert "| TRL default loss | 2 | 0.10 (0.00 to 0.20) | 0.50 (0.50 to 0.50) | 50: 0.40, 100: 0.30 |" in text
    assert "| OpennessRewardTrainer | 2 | 0.50 (0.40 to 0.60) |" in text
    assert "seed 0: Δβ 0.40, Δ normalised gap 0.00; seed 1: Δβ 0.40" in text
    assert text.endswith("Cure shown by the rule fixed in advance: shown.")


def test_the_table_of_an_unfinished_experiment_says_so_and_does_not_invent_numbers():
    results = [run(0, "default", None, None, gap=None, trajectory=((50, None, 0.5),))]
    text = experiment.table(results, [0, 1])
    assert "| 0 | TRL default loss | collapsed | n/a | n/a |" in text
    assert "| TRL default loss | 1 | n/a | n/a | 50: n/a |" in text
    assert "Δβ" not in text
    assert text.endswith("incomplete.")
