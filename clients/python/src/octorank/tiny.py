"""A tiny reward model and tokenizer built on this machine, for tests and offline trials of the recipe.

Nothing is downloaded: the tokenizer is a byte-level BPE trained on the texts given, with a simple
chat template (`<|role|>content<|end|>` per turn), and the model is a small GPT-2 built from a
config (absolute position embeddings, so the last token "knows" the length: enough for the
paper's length experiment).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>")
END = "<|end|>"
PAD = "<pad>"
EOS = "<eos>"
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def texts_of(rows: Iterable[dict[str, Any]]) -> Iterable[str]:
    """Every text of `pairs` rows: prompt turns, chosen and rejected answers (strings or message lists)."""
    for row in rows:
        for key in ("prompt", "chosen", "rejected"):
            value = row.get(key)
            if isinstance(value, str):
                yield value
            elif value:
                for message in value:
                    yield message["content"]


def build_tokenizer(texts: Iterable[str], vocab_size: int = 400) -> Any:
    """A byte-level BPE tokenizer trained on `texts`, with pad/eos and role tokens and a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    specials = [PAD, EOS, *ROLE_TOKENS, END]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token=PAD, eos_token=EOS)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def tiny_reward_model(tokenizer: Any, hidden: int = 32, layers: int = 2, heads: int = 2, positions: int = 512) -> Any:
    """A GPT-2 sequence classifier with one output (the reward), randomly initialised from a config."""
    from transformers import AutoModelForSequenceClassification, GPT2Config

    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=positions,
        n_embd=hidden,
        n_layer=layers,
        n_head=heads,
        num_labels=1,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    return AutoModelForSequenceClassification.from_config(config)
