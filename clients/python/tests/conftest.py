"""Shared fixtures: a tiny tokenizer and model built here, and the running Octorank when there is one.

The round-trip tests need a server (OCTORANK_URL, OCTORANK_TOKEN, OCTORANK_DATASET); scripts/test-python.ts
starts one and sets OCTORANK_REQUIRE_SERVER=1, so that there they fail instead of skipping.
"""

from __future__ import annotations

import os

import pytest
import torch

torch.set_num_threads(min(2, os.cpu_count() or 1))


def contract_pairs():
    """A few rows in the exact shape of the `pairs` export contract (for tests that need no server)."""
    rows = []
    prompts = [
        ("closed-1", "What is 6 times 7?", 0.0, "train", ["42.", "It is 42, since 6 x 7 = 42.", "41", "Maybe 40?"]),
        ("open-1", "Write a short poem about rain.", 1.0, "train", ["Rain sings on the roof.", "Drops.", "Wet", "No."]),
        ("middle-1", "Name a colour.", 0.5, "test", ["Blue.", "Teal, like the sea.", "A", "?"]),
    ]
    for prompt_id, text, openness, split, answers in prompts:
        for i in range(len(answers)):
            for j in range(i + 1, len(answers)):
                rows.append(
                    {
                        "prompt": [{"role": "system", "content": "Answer well."}, {"role": "user", "content": text}],
                        "chosen": [{"role": "assistant", "content": answers[i]}],
                        "rejected": [{"role": "assistant", "content": answers[j]}],
                        "openness": openness,
                        "prompt_id": prompt_id,
                        "chosen_id": f"{prompt_id}-r{i}",
                        "rejected_id": f"{prompt_id}-r{j}",
                        "annotator": "ann@example.org",
                        "split": split,
                    }
                )
    return rows


@pytest.fixture(scope="session")
def server_env():
    names = ("OCTORANK_URL", "OCTORANK_TOKEN", "OCTORANK_DATASET")
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        message = f"No Octorank to test against: set {', '.join(missing)} (npm run test:python does)."
        if os.environ.get("OCTORANK_REQUIRE_SERVER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return {n: os.environ[n] for n in names}
