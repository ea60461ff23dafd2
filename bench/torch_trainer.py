"""PyTorch reference for `npm run bench -- trainer` (issue 7).

A straightforward PyTorch program over the features Octorank's featurizer produced (read once from
files written by bench/trainer.ts): a dense float32 feature matrix, nn.Linear layers of the same
sizes, the same conditioned Box-Cox pairwise loss, Adam, the same batch of prompts.

usage: python3 torch_trainer.py DIR THREADS WARMUP
After loading and WARMUP untimed steps it prints one JSON line {"ready", "threads", "blas_core",
"loss_first"}, then, for each line "STEPS" read from stdin, runs STEPS steps and prints one JSON line
{"steps", "seconds", "cpu_seconds", "loss_last"}; it exits at the end of its input. The bench
interleaves these blocks with its own, so both sides see the same load.
"""
import ctypes
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn


def main():
    d, threads, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    meta = json.load(open(f"{d}/meta.json"))
    n_rows, dim, dd, n_prompts, n = meta["nRows"], meta["dim"], meta["denseDim"], meta["prompts"], meta["n"]
    hidden, batch, lr, eps = meta["hidden"], meta["batch"], meta["lr"], meta["eps"]
    rowptr = np.fromfile(f"{d}/rowptr.i32", dtype=np.int32)
    idx = np.fromfile(f"{d}/idx.i32", dtype=np.int32)
    val = np.fromfile(f"{d}/val.f32", dtype=np.float32)
    dense = np.fromfile(f"{d}/dense.f32", dtype=np.float32).reshape(n_rows, dd)
    start = torch.from_numpy(np.fromfile(f"{d}/start.i32", dtype=np.int32).astype(np.int64))
    pair_w = torch.from_numpy(np.fromfile(f"{d}/pairw.f32", dtype=np.float32).reshape(n_prompts, n, n))
    gamma = torch.from_numpy(np.fromfile(f"{d}/gamma.f32", dtype=np.float32))

    x_np = np.zeros((n_rows, dim + dd), dtype=np.float32)
    rows = np.repeat(np.arange(n_rows), np.diff(rowptr[: n_rows + 1]))
    x_np[rows, idx[: len(rows)]] = val[: len(rows)]
    x_np[:, dim:] = dense
    # prompt part of each row (featurized once per prompt): add the prompt's dense row
    prowptr = np.fromfile(f"{d}/prowptr.i32", dtype=np.int32)
    pidx = np.fromfile(f"{d}/pidx.i32", dtype=np.int32)
    pval = np.fromfile(f"{d}/pval.f32", dtype=np.float32)
    rowprompt = np.fromfile(f"{d}/rowprompt.i32", dtype=np.int32)
    p_dense = np.zeros((n_prompts, dim), dtype=np.float32)
    prow = np.repeat(np.arange(n_prompts), np.diff(prowptr[: n_prompts + 1]))
    p_dense[prow, pidx[: len(prow)]] = pval[: len(prow)]
    x_np[:, :dim] += p_dense[rowprompt]
    del p_dense
    x_all = torch.from_numpy(x_np)

    sizes = [dim + dd] + hidden
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    log_eps = math.log(eps)
    ar = torch.arange(n)

    def utility(x, g):
        # Box-Cox with smoothing eps and the C1 linear extension for x <= 0 (DESIGN §1).
        xp = torch.relu(x)
        xn = x - xp
        lp = torch.log(xp + eps) - log_eps
        z = (g.abs() < 1e-6).float()
        gs = g + z
        pw = torch.exp(gs * log_eps) * torch.expm1(gs * lp) / gs
        pos = z * lp + (1 - z) * pw
        return pos + torch.exp((g - 1) * log_eps) * xn

    def step(bidx):
        rws = (start[bidx][:, None] + ar[None, :]).reshape(-1)
        x = x_all.index_select(0, rws)
        r = torch.sigmoid(model(x)).view(len(bidx), n)
        diff = r[:, :, None] - r[:, None, :]
        u = utility(diff, gamma[bidx].view(-1, 1, 1))
        loss = -(pair_w[bidx] * u).sum() / len(bidx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    perm = torch.randperm(n_prompts)
    pos = 0

    def next_batch():
        nonlocal perm, pos
        if pos + batch > n_prompts:
            perm = torch.randperm(n_prompts)
            pos = 0
        b = perm[pos : pos + batch]
        pos += batch
        return b

    first = step(next_batch())
    for _ in range(warmup - 1):
        step(next_batch())
    print(json.dumps({"ready": True, "threads": threads, "blas_core": blas_core(), "loss_first": first}), flush=True)
    for line in sys.stdin:
        steps = int(line)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for _ in range(steps):
            last = step(next_batch())
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"steps": steps, "seconds": secs, "cpu_seconds": cpu, "loss_last": last}), flush=True)


def blas_core():
    """The kernels OpenBLAS chose (or was told, OPENBLAS_CORETYPE) for this CPU; None if not OpenBLAS."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


if __name__ == "__main__":
    main()
