#!/usr/bin/python3
"""Median time of each stage of PyTorch's Hugging Face-style sampling step (bench/torch_lm.py), one thread.

    /usr/bin/python3 bench/torch_lm_profile.py [V]      # default 256000; inputs from artifacts/bench-inputs/lm/
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
LM_INPUTS = os.path.join(os.path.dirname(HERE), "artifacts", "bench-inputs", "lm")


def main():
    torch.set_num_threads(1)
    v = int(sys.argv[1]) if len(sys.argv) > 1 else 256000
    with open(os.path.join(LM_INPUTS, "meta.json")) as f:
        cfg = json.load(f)["sampling"]
    rows, t = cfg["rows"], cfg["context"]
    files = cfg["files"][str(v)]
    lg = np.fromfile(os.path.join(LM_INPUTS, files["logits"]), dtype="<f4").reshape(rows, v)
    cx = np.fromfile(os.path.join(LM_INPUTS, files["context"]), dtype="<i4").reshape(rows, t).astype(np.int64)
    scores = [torch.from_numpy(lg[r:r + 1].copy()) for r in range(rows)]
    ids = [torch.from_numpy(cx[r:r + 1].copy()) for r in range(rows)]
    g = torch.Generator().manual_seed(1)
    pen, temp, k, p, mp = cfg["repetitionPenalty"], cfg["temperature"], cfg["topK"], cfg["topP"], cfg["minP"]
    inf = -float("inf")

    def stages(i, s):
        # The same operations as bench/torch_lm.py's process() + sample(), timed stage by stage.
        ts = [time.perf_counter()]
        sc = torch.gather(s, 1, i)
        s = s.scatter(1, i, torch.where(sc < 0, sc * pen, sc / pen))
        ts.append(time.perf_counter())
        s = s / temp
        ts.append(time.perf_counter())
        s = s.masked_fill(s < torch.topk(s, k)[0][..., -1, None], inf)
        ts.append(time.perf_counter())
        sl, si = torch.sort(s, descending=False)
        rm = sl.softmax(dim=-1).cumsum(dim=-1) <= (1 - p)
        rm[..., -1:] = 0
        s = s.masked_fill(rm.scatter(1, si, rm), inf)
        ts.append(time.perf_counter())
        pr = torch.softmax(s, dim=-1)
        rm = pr < mp * pr.amax(dim=-1, keepdim=True)
        rm.scatter_(-1, torch.topk(pr, 1, dim=-1).indices, False)
        s = s.masked_fill(rm, inf)
        ts.append(time.perf_counter())
        torch.multinomial(torch.softmax(s, dim=-1), num_samples=1, generator=g).item()
        ts.append(time.perf_counter())
        return [b - a for a, b in zip(ts, ts[1:])]

    with torch.no_grad():
        for n in range(50):
            stages(ids[n % rows], scores[n % rows])
        runs = [stages(ids[n % rows], scores[n % rows]) for n in range(300)]
    names = ["repetitionPenalty", "temperature", "topK", "topP (sort)", "minP", "softmax + multinomial"]
    meds = [statistics.median(r[j] for r in runs) for j in range(len(names))]
    print("V = %d, PyTorch %s, 1 thread, median per stage:" % (v, torch.__version__))
    for name, m in zip(names, meds):
        print("  %-22s %7.0f µs" % (name, m * 1e6))
    print("  %-22s %7.0f µs" % ("sum", sum(meds) * 1e6))


if __name__ == "__main__":
    main()
