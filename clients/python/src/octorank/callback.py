"""A TrainerCallback that sends each evaluation's scores of the held-out prompts to Octorank."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from transformers import TrainerCallback

from .client import OctorankClient
from .scoring import ScoredPrompt, prompts_from_pairs, score_prompts

logger = logging.getLogger(__name__)


class OctorankCallback(TrainerCallback):
    """At each evaluation, scores every response of the held-out prompts and sends them to Octorank
    as a checkpoint (at the trainer's global step) of one external run, created at the first: the
    run's dashboard then charts collapse over training, as for a run trained in Octorank.

    `eval_pairs` are the held-out rows of Octorank's `pairs` export (e.g. `client.pairs(slug)["test"]`);
    prompts without openness are left out (Octorank judges collapse against openness). `utility`
    names the loss for the run's record: OpennessRewardTrainer fills in its own, TRL's default loss
    is recorded as "logsigmoid". The model's outputs are sent as logits: Octorank judges
    sigmoid(score) (checkpoints are read with the run's link).
    """

    def __init__(
        self,
        client: OctorankClient,
        dataset: str,
        eval_pairs: Iterable[Mapping[str, Any]],
        *,
        name: str | None = None,
        utility: str | None = None,
        eps: float | None = None,
        batch_size: int = 16,
        max_length: int | None = None,
    ):
        self.client = client
        self.dataset = dataset
        self.prompts: list[ScoredPrompt] = [
            p for p in prompts_from_pairs(eval_pairs, split="test") if p.openness is not None
        ]
        if not self.prompts:
            raise ValueError("No held-out prompt with openness in eval_pairs: nothing to score.")
        self.name = name
        self.utility = utility
        self.eps = eps
        self.batch_size = batch_size
        self.max_length = max_length
        self.run_id: int | None = None
        self.steps: list[int] = []

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        step = int(state.global_step)
        if self.steps and step <= self.steps[-1]:
            return  # evaluated again at a step already sent (e.g. trainer.evaluate() after training)
        model, tokenizer = kwargs["model"], kwargs["processing_class"]
        scores = score_prompts(model, tokenizer, self.prompts, self.batch_size, self.max_length)
        if self.run_id is None:
            run = self.client.upload_scores(
                self.dataset,
                scores,
                name=self.name,
                utility=self.utility or "logsigmoid",
                eps=self.eps,
                link="logit",
                step=step,
            )
            self.run_id = int(run["id"])
            logger.info("Octorank external run %s: %s/runs/%s", self.run_id, self.client.url, self.run_id)
        else:
            self.client.add_checkpoint(self.run_id, step, scores)
        self.steps.append(step)
