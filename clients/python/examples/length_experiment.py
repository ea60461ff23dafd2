"""The paper's length experiment in TRL, judged by Octorank: TRL's default loss against
OpennessRewardTrainer on the same export, model size, steps and batches, repeated over seeds. Each
run sends its scores of the held-out prompts (the export's split) to Octorank at every evaluation,
and its verdict is read back from Octorank. Prints the table of docs/trl.md.

    OCTORANK_URL=… OCTORANK_TOKEN=… python length_experiment.py paper-length --seeds 0 1 2 --out results.json

The model and tokenizer are built here (octorank.tiny), so nothing is downloaded. With --out the
results are written after every run, and --resume skips the (seed, trainer) runs already there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from typing import Any

#: (label, key) of the two trainers compared, in the order they run for each seed.
TRAINERS: tuple[tuple[str, str], ...] = (("TRL default loss", "default"), ("OpennessRewardTrainer", "openness"))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", help="the dataset's slug in Octorank")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one repeat per seed (init and batches)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--batch", type=int, default=16, help="pairs per step")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", help="write the results as JSON here, after every run")
    parser.add_argument("--resume", action="store_true", help="keep the runs already in --out and skip them")
    options = parser.parse_args(argv)
    if options.resume and not options.out:
        parser.error("--resume needs --out")
    if options.steps < options.eval_every or options.eval_every < 1:
        parser.error("--eval-every must be between 1 and --steps")
    return options


def cure_shown(results: Sequence[dict[str, Any]], seeds: Sequence[int]) -> str:
    """The rule docs/trl.md fixed before the run: "shown" when, for every seed, the conditioned run's
    90% β interval lies wholly above the default run's; "not shown" when a seed's intervals overlap
    or reverse (or a run has no β); "incomplete" while a seed lacks either run."""
    by = {(r["seed"], r["key"]): r for r in results}
    for seed in seeds:
        if (seed, "default") not in by or (seed, "openness") not in by:
            return "incomplete"
    for seed in seeds:
        default, cured = by[(seed, "default")]["beta_ci"], by[(seed, "openness")]["beta_ci"]
        if default is None or cured is None or not cured[0] > default[1]:
            return "not shown"
    return "shown"


def _interval(value: float | None, ci: Sequence[float] | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f} [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else f"{value:.2f}"


def _mean_range(values: Sequence[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "n/a"
    if len(known) == 1:
        return f"{known[0]:.2f}"
    return f"{statistics.fmean(known):.2f} ({min(known):.2f} to {max(known):.2f})"


def table(results: Sequence[dict[str, Any]], seeds: Sequence[int]) -> str:
    """docs/trl.md's tables: each run's held-out verdict, then per trainer the mean (and range) over
    seeds, the gap over training, the paired differences per seed and the pre-registered decision."""
    lines = [
        "| seed | trainer | verdict | β [90% CI] | normalised gap [90% CI] | held-out pair accuracy | run |",
        "|---|---|---|---|---|---|---|",
    ]
    ordered = sorted(results, key=lambda r: (r["seed"], [k for _, k in TRAINERS].index(r["key"])))
    for r in ordered:
        accuracy = "n/a" if r["accuracy"] is None else f"{r['accuracy']:.3f}"
        lines.append(
            f"| {r['seed']} | {r['trainer']} | {r['verdict']} | {_interval(r['beta'], r['beta_ci'])} | "
            f"{_interval(r['normalized_gap'], r['normalized_gap_ci'])} | {accuracy} | {r['run']} |"
        )
    lines += ["", "| trainer | runs | β, mean (range) | normalised gap, mean (range) | normalised gap over training (mean) |"]
    lines.append("|---|---|---|---|---|")
    for label, key in TRAINERS:
        runs = [r for r in results if r["key"] == key]
        if not runs:
            continue
        steps = sorted({step for r in runs for step, _, _ in r["trajectory"]})
        path = []
        for step in steps:
            gaps = [g for r in runs for s, g, _ in r["trajectory"] if s == step and g is not None]
            path.append(f"{step}: {statistics.fmean(gaps):.2f}" if gaps else f"{step}: n/a")
        lines.append(
            f"| {label} | {len(runs)} | {_mean_range([r['beta'] for r in runs])} | "
            f"{_mean_range([r['normalized_gap'] for r in runs])} | {', '.join(path)} |"
        )
    by = {(r["seed"], r["key"]): r for r in results}
    deltas = []
    for seed in seeds:
        if (seed, "default") in by and (seed, "openness") in by:
            d, c = by[(seed, "default")], by[(seed, "openness")]
            delta_beta = None if d["beta"] is None or c["beta"] is None else c["beta"] - d["beta"]
            delta_gap = (
                None if d["normalized_gap"] is None or c["normalized_gap"] is None else c["normalized_gap"] - d["normalized_gap"]
            )
            deltas.append(f"seed {seed}: Δβ {_interval(delta_beta, None)}, Δ normalised gap {_interval(delta_gap, None)}")
    if deltas:
        lines += ["", "OpennessRewardTrainer minus TRL default loss, same seed: " + "; ".join(deltas) + "."]
    lines += ["", f"Cure shown by the rule fixed in advance: {cure_shown(results, seeds)}."]
    return "\n".join(lines)


def run_one(
    client: Any, options: argparse.Namespace, pairs: Any, tokenizer: Any, eval_slice: Any, seed: int, label: str, key: str
) -> dict[str, Any]:
    """One trainer at one seed: trains with an OctorankCallback, then reads the run's held-out verdict."""
    import torch
    from trl import RewardConfig, RewardTrainer

    from octorank import OctorankCallback, OpennessRewardTrainer
    from octorank.tiny import tiny_reward_model

    torch.manual_seed(seed)
    model = tiny_reward_model(tokenizer, hidden=options.hidden, layers=options.layers, heads=4, positions=512)
    callback = OctorankCallback(client, options.dataset, pairs["test"], name=f"{label}, length experiment, seed {seed}")
    args = RewardConfig(
        output_dir=tempfile.mkdtemp(prefix=f"octorank-length-{key}-"),
        max_steps=options.steps,
        per_device_train_batch_size=options.batch,
        per_device_eval_batch_size=64,
        learning_rate=options.lr,
        eval_strategy="steps",
        eval_steps=options.eval_every,
        logging_steps=options.eval_every,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=seed,
        max_length=512,
        disable_tqdm=True,
    )
    trainer_class = OpennessRewardTrainer if key == "openness" else RewardTrainer
    trainer = trainer_class(
        model,
        args=args,
        train_dataset=pairs["train"],
        eval_dataset=eval_slice,
        processing_class=tokenizer,
        callbacks=[callback],
    )
    started = time.time()
    trainer.train()
    seconds = time.time() - started
    verdict = client.verdict(callback.run_id)
    return {
        "seed": seed,
        "trainer": label,
        "key": key,
        "run": callback.run_id,
        "seconds": round(seconds),
        "verdict": verdict.kind,
        "beta": verdict.beta,
        "beta_ci": verdict.beta_ci,
        "normalized_gap": verdict.normalized_gap,
        "normalized_gap_ci": verdict.normalized_gap_ci,
        "accuracy": verdict.accuracy,
        "trajectory": [(p["step"], p["normalizedGap"], p["accuracy"]) for p in verdict.trajectory],
        "sentence": verdict.sentence,
    }


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_args(argv)
    import torch

    from octorank import OctorankClient
    from octorank.tiny import build_tokenizer, texts_of

    torch.set_num_threads(options.threads)
    results: list[dict[str, Any]] = []
    if options.resume and os.path.exists(options.out):
        with open(options.out) as f:
            results = json.load(f)["runs"]

    client = OctorankClient()
    pairs = client.pairs(options.dataset)
    # A vocabulary large enough for whole words keeps sequences short (an 80-word answer, ~100 tokens).
    tokenizer = build_tokenizer(texts_of(pairs["train"]), vocab_size=2000)
    # TRL's own evaluation only triggers the callback here (which scores every held-out prompt):
    # a slice of the held-out pairs keeps it cheap.
    eval_slice = pairs["test"].shuffle(seed=0).select(range(min(256, len(pairs["test"]))))
    held_out = len(set(pairs["test"]["prompt_id"]))
    print(f"{len(pairs['train'])} training pairs, {held_out} held-out prompts, {options.steps} steps", flush=True)
    for seed in options.seeds:
        for label, key in TRAINERS:
            if any(r["seed"] == seed and r["key"] == key for r in results):
                continue
            results.append(run_one(client, options, pairs, tokenizer, eval_slice, seed, label, key))
            print(json.dumps(results[-1]), flush=True)
            if options.out:
                with open(options.out, "w") as f:
                    json.dump({"options": vars(options), "runs": results}, f, indent=1)
    print()
    print(table(results, options.seeds))


if __name__ == "__main__":
    main()
