"""The round trip with the real TRL against a running Octorank (scripts/test-python.ts starts one):
export -> TRL trains with its default loss and with OpennessRewardTrainer, each evaluation sent as a
checkpoint of an external run -> both runs, their verdicts and trajectories back over HTTP and on
the dashboard."""

from __future__ import annotations

import http.cookiejar
import json
import math
import os
import urllib.parse
import urllib.request

import pytest
import torch
from trl import RewardConfig, RewardTrainer

from octorank import OctorankCallback, OctorankClient, OctorankError, OpennessRewardTrainer, score_prompts
from octorank.tiny import CHAT_TEMPLATE, END, build_tokenizer, texts_of, tiny_reward_model

STEPS = 12
EVAL_EVERY = 4


@pytest.fixture(scope="module")
def client(server_env):
    return OctorankClient()


@pytest.fixture(scope="module")
def pairs(client, server_env):
    return client.pairs(server_env["OCTORANK_DATASET"])


@pytest.fixture(scope="module")
def tokenizer(pairs):
    return build_tokenizer(texts_of(pairs["train"]), vocab_size=400)


def test_the_export_is_trls_conversational_format_with_octoranks_columns(pairs):
    assert len(pairs["train"]) > 0 and len(pairs["test"]) > 0
    row = pairs["train"][0]
    assert {"prompt", "chosen", "rejected", "openness", "prompt_id", "chosen_id", "rejected_id", "split"} <= set(row)
    assert row["prompt"][-1]["role"] == "user"
    assert [m["role"] for m in row["chosen"]] == ["assistant"] == [m["role"] for m in row["rejected"]]
    assert set(pairs["train"]["split"]) == {"train"} and set(pairs["test"]["split"]) == {"test"}
    # One split by prompt: no prompt on both sides.
    assert not set(pairs["train"]["prompt_id"]) & set(pairs["test"]["prompt_id"])


def test_trl_tokenizes_prompt_and_answer_as_separate_chat_turns(pairs, tokenizer, tmp_path):
    """TRL's own preprocessing with the tiny tokenizer's chat template: each turn is its role token,
    its content's tokens and the end token, the prompt's turns first and the answer's last."""
    sample = pairs["train"].select(range(min(6, len(pairs["train"]))))
    trainer = RewardTrainer(
        tiny_reward_model(tokenizer),
        args=RewardConfig(output_dir=str(tmp_path), report_to=[], use_cpu=True, max_steps=1),
        train_dataset=sample,
        processing_class=tokenizer,
    )
    assert tokenizer.chat_template == CHAT_TEMPLATE
    end = tokenizer.convert_tokens_to_ids(END)
    # TRL writes prompt + answer back into the answer columns: the export's rows say what went in.
    assert len(trainer.train_dataset) == len(sample)
    for row, processed in zip(sample, trainer.train_dataset):
        for side in ("chosen", "rejected"):
            turns = row["prompt"] + row[side]
            expected = []
            for message in turns:
                expected += [tokenizer.convert_tokens_to_ids(f"<|{message['role']}|>")]
                expected += tokenizer.encode(message["content"], add_special_tokens=False) + [end]
            ids = processed[f"{side}_ids"]
            assert ids == expected
            # The answer is its own assistant turn: it starts right after the prompt's last end token.
            last_prompt_end = len(expected) - len(tokenizer.encode(row[side][0]["content"], add_special_tokens=False)) - 3
            assert ids[last_prompt_end] == end
            assert tokenizer.convert_ids_to_tokens(ids[last_prompt_end + 1]) == "<|assistant|>"
            assert tokenizer.decode(ids[last_prompt_end + 2 : -1], clean_up_tokenization_spaces=False) == row[side][0]["content"]


def train(trainer_class, pairs, tokenizer, client, dataset, tmp_path, name, **kwargs):
    torch.manual_seed(0)
    callback = OctorankCallback(client, dataset, pairs["test"], name=name)
    args = RewardConfig(
        output_dir=str(tmp_path),
        max_steps=STEPS,
        per_device_train_batch_size=16,
        per_device_eval_batch_size=64,
        learning_rate=2e-3,
        eval_strategy="steps",
        eval_steps=EVAL_EVERY,
        logging_steps=EVAL_EVERY,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
    )
    trainer = trainer_class(
        tiny_reward_model(tokenizer),
        args=args,
        train_dataset=pairs["train"],
        eval_dataset=pairs["test"],
        processing_class=tokenizer,
        callbacks=[callback],
        **kwargs,
    )
    trainer.train()
    trainer.evaluate()  # at a step already sent: not sent twice
    return trainer, callback


@pytest.fixture(scope="module")
def trained(pairs, tokenizer, client, server_env, tmp_path_factory):
    dataset = server_env["OCTORANK_DATASET"]
    default = train(RewardTrainer, pairs, tokenizer, client, dataset, tmp_path_factory.mktemp("d"), "TRL default loss")
    cured = train(
        OpennessRewardTrainer, pairs, tokenizer, client, dataset, tmp_path_factory.mktemp("c"), "OpennessRewardTrainer"
    )
    return {"logsigmoid": default, "conditioned": cured}


@pytest.mark.parametrize("utility", ["logsigmoid", "conditioned"])
def test_each_evaluation_is_a_checkpoint_of_one_external_run(trained, client, utility):
    trainer, callback = trained[utility]
    assert callback.steps == [EVAL_EVERY, 2 * EVAL_EVERY, 3 * EVAL_EVERY]
    run = client.run(callback.run_id)
    assert run["status"] == "succeeded"
    assert run["config"]["origin"] == "external"
    assert run["config"]["utility"] == utility
    assert run["config"]["train"]["link"] == "logit"
    trajectory = run["summary"]["trajectory"]
    assert sorted({p["step"] for p in trajectory}) == callback.steps
    assert {p["split"] for p in trajectory} == {"test"}
    assert all(p["accuracy"] is not None for p in trajectory)

    verdict = client.verdict(callback.run_id)
    assert verdict.sentence
    held_out = run["summary"]["collapse"]["test"]
    assert (verdict.kind, verdict.beta, verdict.normalized_gap) == (
        held_out["verdictKind"],
        held_out.get("beta"),
        held_out.get("normalizedGap"),
    )
    assert verdict.beta_ci == (tuple(held_out["betaCi"]) if held_out.get("betaCi") else None)
    assert [p["step"] for p in verdict.trajectory] == callback.steps
    assert run["summary"]["prompts"]["test"] == len(callback.prompts)


@pytest.mark.parametrize("utility", ["logsigmoid", "conditioned"])
def test_the_run_holds_the_last_checkpoints_scores(trained, client, utility):
    """What Octorank stores is what the trained model scores now (the last checkpoint is the end of training)."""
    trainer, callback = trained[utility]
    mine = score_prompts(trainer.model, trainer.processing_class, callback.prompts)
    stored = client._json("GET", f"/api/runs/{callback.run_id}/rewards")["rewards"]
    by_id = {(r["promptExternalId"], r["responseExternalId"]): r["reward"] for r in stored}
    # Sent as logits (link "logit"): Octorank stores and judges sigmoid(score).
    expected = {(p["prompt_id"], rid): 1 / (1 + math.exp(-s)) for p in mine for rid, s in p["rewards"].items()}
    assert by_id.keys() == expected.keys()
    assert max(abs(by_id[k] - expected[k]) for k in expected) < 1e-5
    # The two trainers really trained different models.
    other = trained["conditioned" if utility == "logsigmoid" else "logsigmoid"][1]
    assert other.run_id != callback.run_id


def test_bad_checkpoints_are_refused_and_change_nothing(trained, client):
    _, callback = trained["conditioned"]
    before = client.run(callback.run_id)["summary"]
    scores = [{"prompt_id": p.prompt_id, "rewards": {r: 0.0 for r in p.responses}, "split": p.split} for p in callback.prompts]
    with pytest.raises(OctorankError) as again:
        client.add_checkpoint(callback.run_id, callback.steps[-1], scores)
    assert again.value.status == 409
    with pytest.raises(OctorankError) as partial:
        client.add_checkpoint(callback.run_id, 10_000, scores[1:])
    assert partial.value.status == 400 and "missing" in partial.value.message
    assert client.run(callback.run_id)["summary"] == before


def test_both_runs_chart_collapse_over_training_on_the_dashboard(trained, client):
    """Signed in as the researcher, each run's page shows the trajectory chart."""
    email, password = os.environ.get("OCTORANK_EMAIL"), os.environ.get("OCTORANK_PASSWORD")
    if not (email and password):
        pytest.fail("Set OCTORANK_EMAIL and OCTORANK_PASSWORD (a researcher's) to check the dashboard.")
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    csrf = json.loads(browser.open(f"{client.url}/api/auth/csrf").read())["csrfToken"]
    form = urllib.parse.urlencode({"csrfToken": csrf, "email": email, "password": password, "json": "true"}).encode()
    browser.open(urllib.request.Request(f"{client.url}/api/auth/callback/credentials", data=form, method="POST"))
    for _, callback in trained.values():
        page = browser.open(f"{client.url}/runs/{callback.run_id}").read().decode()
        assert 'data-testid="collapse-dashboard"' in page
        assert 'data-testid="chart-trajectory"' in page
        assert f"at {len(callback.steps)} checkpoints" in page
        assert f"scores uploaded at {len(callback.steps)} checkpoints, the last at step {callback.steps[-1]}" in page
