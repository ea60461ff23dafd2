"""OpennessRewardTrainer on rows in the `pairs` export's shape, with the real TRL and a tiny local model."""

import math

import pytest
import torch
from datasets import Dataset
from trl import RewardConfig, RewardTrainer

from octorank import OpennessRewardTrainer, pair_loss
from octorank.tiny import build_tokenizer, texts_of, tiny_reward_model

from .conftest import contract_pairs


@pytest.fixture(scope="module")
def rows():
    return contract_pairs()


@pytest.fixture(scope="module")
def tokenizer(rows):
    return build_tokenizer(texts_of(rows), vocab_size=300)


def config(tmp_path, **overrides):
    settings = dict(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        learning_rate=1e-3,
        report_to=[],
        save_strategy="no",
        logging_steps=1,
        use_cpu=True,
        seed=3,
        disable_tqdm=True,
    )
    settings.update(overrides)
    return RewardConfig(**settings)


def trainer_for(rows, tokenizer, tmp_path, **kwargs):
    torch.manual_seed(0)
    return OpennessRewardTrainer(
        tiny_reward_model(tokenizer),
        args=config(tmp_path),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        **kwargs,
    )


def test_the_collator_carries_each_pairs_openness_and_the_loss_uses_it(rows, tokenizer, tmp_path):
    trainer = trainer_for(rows, tokenizer, tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    assert "openness" in batch
    assert batch["openness"].shape == (4,)
    assert set(batch["openness"].tolist()) <= {0.0, 0.5, 1.0}

    # The loss is the mean of each pair's -U at its own openness, from the model's own scores.
    model = trainer.model
    model.eval()
    inputs = {k: v for k, v in batch.items()}
    loss = trainer.compute_loss(model, dict(inputs))
    logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits.squeeze(-1)
    chosen, rejected = torch.chunk(logits, 2)
    expected = pair_loss(chosen, rejected, "conditioned", openness=inputs["openness"]).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    # Not TRL's Bradley-Terry loss, and not the loss at one openness for the whole batch.
    assert abs(loss.item() - (-torch.nn.functional.logsigmoid(chosen - rejected).mean().item())) > 1e-3
    for o in (0.0, 0.5, 1.0):
        flat = pair_loss(chosen, rejected, "conditioned", openness=o).mean().item()
        if len(set(inputs["openness"].tolist())) > 1:
            assert abs(loss.item() - flat) > 1e-7


def test_weights_weigh_pairs(rows, tokenizer, tmp_path):
    weighted = [dict(r, weight=3.0 if r["openness"] == 0 else 1.0) for r in rows]
    trainer = trainer_for(weighted, tokenizer, tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    assert "weight" in batch
    model = trainer.model
    model.eval()
    loss = trainer.compute_loss(model, dict(batch))
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.squeeze(-1)
    chosen, rejected = torch.chunk(logits, 2)
    per_pair = pair_loss(chosen, rejected, "conditioned", openness=batch["openness"])
    w = batch["weight"]
    assert loss.item() == pytest.approx(((per_pair * w).sum() / w.sum()).item(), rel=1e-5)


def test_trains_and_moves_rewards_the_ranked_way(rows, tokenizer, tmp_path):
    trainer = trainer_for(rows, tokenizer, tmp_path)
    trainer.args.max_steps = 30
    result = trainer.train()
    assert math.isfinite(result.training_loss)
    history = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(history) == 30
    assert sum(history[-5:]) < sum(history[:5])


@pytest.mark.parametrize("utility", ["log", "logsigmoid", "linear", "inverse", "adaptive"])
def test_fixed_utilities_by_name(rows, tokenizer, tmp_path, utility):
    trainer = trainer_for(rows, tokenizer, tmp_path, utility=utility)
    assert trainer.utility == utility
    batch = next(iter(trainer.get_train_dataloader()))
    trainer.model.eval()
    loss = trainer.compute_loss(trainer.model, dict(batch))
    logits = trainer.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.squeeze(-1)
    chosen, rejected = torch.chunk(logits, 2)
    openness = batch["openness"] if utility == "adaptive" else None
    assert loss.item() == pytest.approx(pair_loss(chosen, rejected, utility, openness=openness).mean().item(), rel=1e-5)


def test_boxcox_takes_its_gamma(rows, tokenizer, tmp_path):
    assert trainer_for(rows, tokenizer, tmp_path, utility="boxcox", gamma=-0.5).gamma == -0.5
    with pytest.raises(ValueError, match="needs a finite gamma"):
        trainer_for(rows, tokenizer, tmp_path, utility="boxcox")


def test_refuses_pairs_without_openness_naming_how_many(rows, tokenizer, tmp_path):
    untagged = [dict(r, openness=None) if r["prompt_id"] == "open-1" else r for r in rows]
    with pytest.raises(ValueError, match=r"6 of 18 pairs of the training dataset have no openness"):
        trainer_for(untagged, tokenizer, tmp_path)
    without = [{k: v for k, v in r.items() if k != "openness"} for r in rows]
    with pytest.raises(ValueError, match="has no `openness` column"):
        trainer_for(without, tokenizer, tmp_path)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        trainer_for([dict(r, openness=1.5) for r in rows], tokenizer, tmp_path)
    with pytest.raises(ValueError, match="Unknown utility"):
        trainer_for(rows, tokenizer, tmp_path, utility="cosine")
    # A fixed utility needs no openness.
    assert trainer_for(without, tokenizer, tmp_path, utility="log").utility == "log"


def test_trls_own_trainer_drops_openness_which_is_why_this_one_exists(rows, tokenizer, tmp_path):
    torch.manual_seed(0)
    plain = RewardTrainer(
        tiny_reward_model(tokenizer),
        args=config(tmp_path),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    assert "openness" not in next(iter(plain.get_train_dataloader()))
