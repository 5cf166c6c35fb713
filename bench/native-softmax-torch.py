#!/usr/bin/python3
"""PyTorch side of bench/native-softmax.mjs: softmax and cross-entropy forward + backward on [rows, n] float32,
one thread, median ms over --runs after --warmup. Prints one JSON line."""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--rows", type=int, default=2048)
p.add_argument("--n", type=int, default=1000)
p.add_argument("--runs", type=int, default=25)
p.add_argument("--warmup", type=int, default=5)
args = p.parse_args()
torch.set_num_threads(1)
torch.manual_seed(1)
x = torch.randn(args.rows, args.n, dtype=torch.float32) * 3
y = torch.randint(0, args.n, (args.rows,))


def median_ms(run):
    for _ in range(args.warmup):
        run()
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def softmax():
    torch.softmax(x, 1)


xg = x.clone().requires_grad_()


def cross_entropy():
    xg.grad = None
    F.cross_entropy(xg, y).backward()


print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                  "softmax": median_ms(softmax), "ce": median_ms(cross_entropy)}))
