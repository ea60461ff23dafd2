"""Octorank for TRL: the openness-conditioned reward loss, collapse over training, and the API client."""

from .callback import OctorankCallback
from .client import OctorankClient, OctorankError, Verdict, scores_jsonl
from .scoring import ScoredPrompt, prompts_from_pairs, score_prompts
from .trainer import CarryColumns, OpennessRewardTrainer, check_openness
from .utility import (
    ADAPTIVE_THRESHOLD,
    DEFAULT_EPS,
    UTILITY_NAMES,
    UtilityName,
    pair_loss,
    utility,
    utility_gamma,
)

__all__ = [
    "ADAPTIVE_THRESHOLD",
    "DEFAULT_EPS",
    "UTILITY_NAMES",
    "CarryColumns",
    "OctorankCallback",
    "OctorankClient",
    "OctorankError",
    "OpennessRewardTrainer",
    "ScoredPrompt",
    "UtilityName",
    "Verdict",
    "check_openness",
    "pair_loss",
    "prompts_from_pairs",
    "score_prompts",
    "scores_jsonl",
    "utility",
    "utility_gamma",
]
