"""Scoring a dataset's prompts with a reward model, in the shape Octorank reads back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

Split = Literal["train", "test"]
Message = Mapping[str, str]


@dataclass
class ScoredPrompt:
    """One prompt as a reward model sees it: its conversation, and each response by its Octorank id."""

    prompt_id: str
    prompt: list[Message] | str
    responses: dict[str, list[Message] | str] = field(default_factory=dict)
    openness: float | None = None
    split: Split = "test"


def prompts_from_pairs(pairs: Iterable[Mapping[str, Any]], split: Split | None = None) -> list[ScoredPrompt]:
    """The distinct prompts of `pairs` rows (Octorank's `pairs` export) with every response they name.

    Rows of `split` only when given (else each prompt keeps its row's split). A response appears in
    a pair unless every ranking of its prompt tied all responses; such a prompt cannot be scored
    whole, and Octorank refuses an upload that leaves a response out.
    """
    prompts: dict[str, ScoredPrompt] = {}
    for row in pairs:
        row_split = row.get("split") or "test"
        if split is not None and row_split != split:
            continue
        prompt_id = str(row["prompt_id"])
        entry = prompts.get(prompt_id)
        if entry is None:
            entry = ScoredPrompt(prompt_id, row["prompt"], openness=row.get("openness"), split=row_split)
            prompts[prompt_id] = entry
        entry.responses.setdefault(str(row["chosen_id"]), row["chosen"])
        entry.responses.setdefault(str(row["rejected_id"]), row["rejected"])
    return list(prompts.values())


def _token_ids(tokenizer: Any, prompt: list[Message] | str, response: list[Message] | str) -> list[int]:
    """The tokens TRL's RewardTrainer trains on for prompt + response (its chat template, or text + EOS)."""
    if isinstance(prompt, str) != isinstance(response, str):
        raise ValueError("A prompt and its responses are both conversations or both plain text.")
    if isinstance(prompt, str):
        text = prompt + response  # type: ignore[operator]
        if tokenizer.eos_token and not text.endswith(tokenizer.eos_token):
            text += tokenizer.eos_token
        return list(tokenizer(text=text)["input_ids"])
    messages = [dict(m) for m in prompt] + [dict(m) for m in response]  # type: ignore[union-attr]
    return list(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])


@torch.no_grad()
def score_prompts(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[ScoredPrompt],
    batch_size: int = 16,
    max_length: int | None = None,
) -> list[dict[str, Any]]:
    """Each prompt's rewards by response id, as Octorank's scores file reads them:
    `{"prompt_id", "rewards": {response_id: score}, "split"}`. Sequences longer than `max_length`
    keep their last tokens (the answer, which the reward head reads at the end)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    items = [(p, rid, _token_ids(tokenizer, p.prompt, r)) for p in prompts for rid, r in p.responses.items()]
    scores: dict[tuple[str, str], float] = {}
    try:
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            seqs = [ids[-max_length:] if max_length else ids for _, _, ids in chunk]
            width = max(len(s) for s in seqs)
            input_ids = torch.full((len(seqs), width), pad, dtype=torch.long)
            attention = torch.zeros((len(seqs), width), dtype=torch.long)
            for i, s in enumerate(seqs):
                input_ids[i, : len(s)] = torch.tensor(s)
                attention[i, : len(s)] = 1
            logits = model(input_ids=input_ids.to(device), attention_mask=attention.to(device)).logits
            for (p, rid, _), value in zip(chunk, logits[:, 0].float().tolist()):
                scores[(p.prompt_id, rid)] = value
    finally:
        model.train(was_training)
    return [
        {"prompt_id": p.prompt_id, "rewards": {rid: scores[(p.prompt_id, rid)] for rid in p.responses}, "split": p.split}
        for p in prompts
    ]
