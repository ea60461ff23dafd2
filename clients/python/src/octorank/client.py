"""A small client for Octorank's HTTP API: exports as `datasets`, scores up, verdicts down.

The server and the API token come from the environment (OCTORANK_URL, OCTORANK_TOKEN; a token is
created by an admin on Octorank's admin page, for a researcher) or are passed in.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from datasets import Dataset, DatasetDict

from .scoring import Split


class OctorankError(Exception):
    """A request Octorank refused or could not answer; `status` is the HTTP status (0: no answer)."""

    def __init__(self, status: int, message: str, details: Any = None):
        super().__init__(f"Octorank answered {status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Verdict:
    """A run's collapse verdict on one split, as Octorank's dashboard states it (docs/design.md)."""

    run_id: int
    split: Split
    kind: str | None
    sentence: str
    normalized_gap: float | None
    normalized_gap_ci: tuple[float, float] | None
    #: The verdict's slope of fitted openness on tagged openness (1 aware, 0 collapsed), with its interval.
    beta: float | None
    beta_ci: tuple[float, float] | None
    accuracy: float | None
    trajectory: list[dict[str, Any]]


def scores_jsonl(scores: Iterable[Mapping[str, Any]]) -> str:
    """Octorank's scores file: one `{"prompt_id", "rewards": {response_id: score}, "split"?}` line per prompt."""
    lines = []
    for s in scores:
        line: dict[str, Any] = {"prompt_id": str(s["prompt_id"]), "rewards": dict(s["rewards"])}
        if s.get("split") is not None:
            line["split"] = s["split"]
        lines.append(json.dumps(line))
    return "\n".join(lines) + "\n"


class OctorankClient:
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 120):
        url = url or os.environ.get("OCTORANK_URL")
        token = token or os.environ.get("OCTORANK_TOKEN")
        if not url:
            raise OctorankError(0, "Set OCTORANK_URL to the Octorank server (e.g. http://localhost:3000).")
        if not token:
            raise OctorankError(0, "Set OCTORANK_TOKEN to a researcher's API token (Octorank's admin page makes one).")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> bytes:
        params = {k: str(v) for k, v in (query or {}).items() if v is not None}
        url = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                payload = json.loads(raw)
                raise OctorankError(error.code, payload.get("error", raw.decode()), payload.get("details")) from None
            except (ValueError, AttributeError):
                raise OctorankError(error.code, raw.decode(errors="replace")[:500]) from None
        except urllib.error.URLError as error:
            raise OctorankError(0, f"Cannot reach Octorank at {self.url}: {error.reason}") from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return json.loads(self._request(method, path, **kwargs))

    def export(self, dataset: str, format: str = "pairs", **options: Any) -> Dataset:
        """A dataset's export (`pairs`, `consensus`, `annotations`) as a `datasets.Dataset`, one row a line.

        The `pairs` rows are TRL's conversational preference format with explicit prompt, plus
        `openness`, the ids, `annotator` and `split` (Octorank's own seeded split by prompt).
        `options` are the export's query options (e.g. min_annotators=2)."""
        raw = self._request("GET", f"/api/datasets/{urllib.parse.quote(dataset)}/export", {"format": format, **options})
        rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
        if not rows:
            raise OctorankError(0, f"The {format} export of {dataset} has no rows (nothing ranked yet?).")
        return Dataset.from_list(rows)

    def pairs(self, dataset: str, **options: Any) -> DatasetDict:
        """The `pairs` export split by its `split` column: `train` to train on, `test` held out."""
        rows = self.export(dataset, "pairs", **options)
        if "split" not in rows.column_names:
            raise OctorankError(0, "The pairs export has no split column (an Octorank from before the split?).")
        return DatasetDict({s: rows.filter(lambda r, s=s: r["split"] == s) for s in ("train", "test")})

    def upload_scores(
        self,
        dataset: str,
        scores: Iterable[Mapping[str, Any]],
        *,
        name: str | None = None,
        utility: str = "logsigmoid",
        eps: float | None = None,
        link: str | None = None,
        step: int | None = None,
    ) -> dict[str, Any]:
        """Records an external run from per-prompt scores; with `step`, they are its first checkpoint.
        `link="logit"` says the scores are a reward model's raw outputs (logits): Octorank judges
        sigmoid(score), the bounded reward both TRL's loss and the conditioned one act on."""
        query = {"name": name, "utility": utility, "eps": eps, "link": link, "step": step}
        answer = self._json(
            "POST",
            f"/api/datasets/{urllib.parse.quote(dataset)}/external-runs",
            query=query,
            body=scores_jsonl(scores).encode(),
            content_type="application/x-ndjson",
        )
        return answer["run"]

    def add_checkpoint(self, run_id: int, step: int, scores: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Adds the scores of a later training step to an external run's trajectory."""
        answer = self._json(
            "POST",
            f"/api/runs/{int(run_id)}/checkpoints",
            query={"step": step},
            body=scores_jsonl(scores).encode(),
            content_type="application/x-ndjson",
        )
        return answer["run"]

    def run(self, run_id: int) -> dict[str, Any]:
        """The run with its status and summary (verdicts, trajectory)."""
        return self._json("GET", f"/api/runs/{int(run_id)}")["run"]

    def verdict(self, run_id: int, split: Split = "test") -> Verdict:
        """The run's verdict on `split` (held out by default) and its trajectory on that split."""
        run = self.run(run_id)
        summary = run.get("summary") or {}
        collapse = (summary.get("collapse") or {}).get(split)
        if collapse is None:
            raise OctorankError(0, f"Run {run_id} has no {split} prompts (status {run.get('status')}).")
        ci = collapse.get("normalizedGapCi")
        beta_ci = collapse.get("betaCi")
        return Verdict(
            run_id=int(run_id),
            split=split,
            kind=collapse.get("verdictKind"),
            sentence=collapse["verdict"],
            normalized_gap=collapse.get("normalizedGap"),
            normalized_gap_ci=(ci[0], ci[1]) if ci else None,
            beta=collapse.get("beta"),
            beta_ci=(beta_ci[0], beta_ci[1]) if beta_ci else None,
            accuracy=summary.get("testAccuracy" if split == "test" else "trainAccuracy"),
            trajectory=[p for p in summary.get("trajectory") or [] if p["split"] == split],
        )
