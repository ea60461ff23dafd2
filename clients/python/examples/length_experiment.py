"""The paper's length experiment in TRL, judged by Octorank: TRL's default loss against
OpennessRewardTrainer, on the same export, model size, seed and steps, each sending its held-out
scores to Octorank at every evaluation. Prints the table of docs/trl.md.

    OCTORANK_URL=… OCTORANK_TOKEN=… python length_experiment.py paper-length-512-s1 --steps 600

The model and tokenizer are built here (octorank.tiny), so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from trl import RewardConfig, RewardTrainer

from octorank import OctorankCallback, OctorankClient, OpennessRewardTrainer
from octorank.tiny import build_tokenizer, texts_of, tiny_reward_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", help="the dataset's slug in Octorank")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32, help="pairs per step")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="write the results as JSON here")
    options = parser.parse_args()
    torch.set_num_threads(options.threads)

    client = OctorankClient()
    pairs = client.pairs(options.dataset)
    # A vocabulary large enough for whole words keeps sequences short (an 80-word answer, ~100 tokens).
    tokenizer = build_tokenizer(texts_of(pairs["train"]), vocab_size=2000)
    # TRL's own evaluation only triggers the callback here (which scores every held-out prompt):
    # a slice of the held-out pairs keeps it cheap.
    eval_slice = pairs["test"].shuffle(seed=0).select(range(min(256, len(pairs["test"]))))
    results = []
    for label, trainer_class in (("TRL default loss", RewardTrainer), ("OpennessRewardTrainer", OpennessRewardTrainer)):
        torch.manual_seed(options.seed)
        model = tiny_reward_model(tokenizer, hidden=options.hidden, layers=options.layers, heads=4, positions=512)
        callback = OctorankCallback(client, options.dataset, pairs["test"], name=f"{label} (length experiment)")
        args = RewardConfig(
            output_dir=f"/tmp/octorank-length-{label.split()[0].lower()}",
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
            seed=options.seed,
            max_length=512,
            disable_tqdm=True,
        )
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
        results.append(
            {
                "trainer": label,
                "run": callback.run_id,
                "seconds": round(seconds),
                "verdict": verdict.kind,
                "normalized_gap": verdict.normalized_gap,
                "normalized_gap_ci": verdict.normalized_gap_ci,
                "accuracy": verdict.accuracy,
                "trajectory": [(p["step"], p["normalizedGap"], p["accuracy"]) for p in verdict.trajectory],
                "sentence": verdict.sentence,
            }
        )
        print(json.dumps(results[-1]), flush=True)

    print(f"\n{len(pairs['train'])} training pairs, {len(callback.prompts)} held-out prompts, {options.steps} steps")
    print("| trainer | verdict | normalised gap [95% CI] | held-out pair accuracy | gap over training |")
    print("|---|---|---|---|---|")
    for r in results:
        lo, hi = r["normalized_gap_ci"] or (float("nan"), float("nan"))
        path = " → ".join(f"{g:.2f}" for _, g, _ in r["trajectory"] if g is not None)
        print(
            f"| {r['trainer']} | {r['verdict']} | {r['normalized_gap']:.2f} [{lo:.2f}, {hi:.2f}] | "
            f"{r['accuracy']:.3f} | {path} |"
        )
    if options.out:
        with open(options.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
