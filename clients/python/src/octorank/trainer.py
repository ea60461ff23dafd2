"""OpennessRewardTrainer: TRL's RewardTrainer with Octorank's openness-conditioned loss."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
from datasets import Dataset
from trl import RewardTrainer

from .callback import OctorankCallback
from .utility import DEFAULT_EPS, OPENNESS_UTILITIES, UtilityName, check_utility, pair_loss

logger = logging.getLogger(__name__)

#: Columns of Octorank's `pairs` export that the loss reads; TRL keeps only its own unless told.
LOSS_COLUMNS = ("openness", "weight")


class CarryColumns:
    """Wraps a collator so that per-pair numeric columns (openness, weight) reach the loss as tensors."""

    def __init__(self, collator: Callable[[list[dict[str, Any]]], dict[str, Any]], columns: tuple[str, ...]):
        self.collator = collator
        self.columns = columns

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = self.collator(examples)
        for column in self.columns:
            if column in examples[0]:
                # A missing value becomes NaN, which the loss refuses with a clear message.
                values = [math.nan if e[column] is None else float(e[column]) for e in examples]
                batch[column] = torch.tensor(values, dtype=torch.float32)
        return batch


def check_openness(dataset: Any, where: str) -> None:
    """Every pair needs an openness in [0, 1]: refuses a dataset without, naming how many and why."""
    if not isinstance(dataset, Dataset):
        return  # an IterableDataset is checked pair by pair in the loss
    if "openness" not in dataset.column_names:
        raise ValueError(
            f"The {where} dataset has no `openness` column: the conditioned loss reads each pair's openness "
            "(Octorank's `pairs` export has it), or pick a fixed utility (e.g. utility='log')."
        )
    values = dataset["openness"]
    missing = sum(v is None for v in values)
    if missing:
        raise ValueError(
            f"{missing} of {len(values)} pairs of the {where} dataset have no openness (their prompts are not "
            "tagged yet): tag them in Octorank, or leave them out with "
            "dataset.filter(lambda pair: pair['openness'] is not None)."
        )
    bad = [v for v in values if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1)]
    if bad:
        raise ValueError(f"The {where} dataset has openness values outside [0, 1], e.g. {bad[0]!r}.")


class OpennessRewardTrainer(RewardTrainer):
    """A `trl.RewardTrainer` whose loss is Octorank's utility instead of TRL's -log sigmoid(r_c - r_r).

    Each pair's loss is -U_o(sigmoid(s_chosen) - sigmoid(s_rejected)) with U_o the Box-Cox utility at
    gamma = 1 - 2 * openness (docs/design.md), openness read per pair from the dataset's `openness`
    column (Octorank's `pairs` export). The loss is averaged over pairs, weighted by the `weight`
    column when there is one. A fixed utility ("log", "logsigmoid", "linear", "inverse", "boxcox"
    with `gamma`, or the paper's binary "adaptive") is picked by name, so collapse and its cure can
    be trained side by side. TRL's `margin` column is not used by these losses.

    Everything else is TRL's: preprocessing (chat templates), the collator, metrics, evaluation.
    """

    def __init__(
        self,
        model: Any,
        args: Any = None,
        data_collator: Any = None,
        train_dataset: Any = None,
        eval_dataset: Any = None,
        processing_class: Any = None,
        *,
        utility: UtilityName | str = "conditioned",
        eps: float = DEFAULT_EPS,
        gamma: float | None = None,
        **kwargs: Any,
    ):
        self.utility: UtilityName = check_utility(utility, eps, gamma)
        self.eps = float(eps)
        self.gamma = gamma
        if self.utility in OPENNESS_UTILITIES:
            check_openness(train_dataset, "training")
            evals = eval_dataset if isinstance(eval_dataset, Mapping) else {"evaluation": eval_dataset}
            for key, dataset in evals.items():
                if dataset is not None:
                    check_openness(dataset, key if isinstance(eval_dataset, Mapping) else "evaluation")
        self._warned_margin = False
        super().__init__(
            model,
            args=args,
            data_collator=data_collator,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=processing_class,
            **kwargs,
        )
        self.data_collator = CarryColumns(self.data_collator, LOSS_COLUMNS)
        for callback in self.callback_handler.callbacks:
            if isinstance(callback, OctorankCallback) and callback.utility is None:
                callback.utility = self.utility

    def _set_signature_columns_if_needed(self) -> None:
        super()._set_signature_columns_if_needed()
        assert self._signature_columns is not None
        self._signature_columns = [*self._signature_columns, *LOSS_COLUMNS]

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        openness = inputs.pop("openness", None)
        weight = inputs.pop("weight", None)
        if inputs.pop("margin", None) is not None and not self._warned_margin:
            logger.warning("OpennessRewardTrainer does not use the `margin` column.")
            self._warned_margin = True
        if self.utility in OPENNESS_UTILITIES and (openness is None or torch.isnan(openness).any()):
            raise ValueError(
                f"The {self.utility} utility needs each pair's openness, and a batch came without it: keep the "
                "`openness` column of Octorank's export and leave out pairs whose prompt has none."
            )
        # TRL's own pass: the model call, its metrics (accuracy, margin, rewards). Its loss is replaced.
        _, outputs = super().compute_loss(model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch)
        chosen, rejected = torch.chunk(outputs.logits.squeeze(-1).float(), chunks=2)
        losses = pair_loss(
            chosen,
            rejected,
            self.utility,
            openness=None if openness is None else openness.to(chosen.device),
            gamma=self.gamma,
            eps=self.eps,
        )
        if weight is None:
            loss = losses.mean()
        else:
            weight = weight.to(losses.device)
            loss = (losses * weight).sum() / weight.sum().clamp_min(1e-12)
        if self.args.center_rewards_coefficient is not None:
            loss = loss + self.args.center_rewards_coefficient * torch.mean((chosen + rejected) ** 2)
        return (loss, outputs) if return_outputs else loss
