#!/usr/bin/python3
"""PyTorch CPU side of `npm run bench`: one workload, one thread count, same inputs as the Node workers.

    /usr/bin/python3 bench/torch_bench.py --threads 1 --workload ce --runs 7 --warmup 2
    /usr/bin/python3 bench/torch_bench.py --probe

Prints one line `BENCH_RESULT {json}`. Uses Debian's python3-torch; exits with {"error": ...} when torch is missing.
"""
import argparse
import json
import os
import re
import resource
import sys
import time

from torch_memory import keep_freed_memory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
INPUTS = os.path.join(ROOT, "artifacts", "bench-inputs")
OUTPUTS = os.path.join(ROOT, "artifacts", "bench-outputs")
MARKER = "BENCH_RESULT "


def emit(obj):
    sys.stdout.write("\n" + MARKER + json.dumps(obj) + "\n")
    sys.stdout.flush()


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summarize(times):
    import statistics
    s = sorted(times)

    def q(p):
        pos = (len(s) - 1) * p
        lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return {"runs": len(s), "medianMs": statistics.median(s), "minMs": s[0], "maxMs": s[-1], "q1Ms": q(0.25), "q3Ms": q(0.75)}


def time_runs(run, runs, warmup, min_runs, budget_s):
    for _ in range(warmup):
        run()
    times = []
    start = time.perf_counter()
    while len(times) < runs:
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
        if len(times) >= min_runs and time.perf_counter() - start > budget_s:
            break
    return times


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--probe", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--workload")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--min-runs", type=int, default=3)
    p.add_argument("--budget", type=float, default=30)
    p.add_argument("--epoch-mode", default="full")
    p.add_argument("--quick-batches", type=int, default=50)
    p.add_argument("--epoch-runs", type=int, default=3)
    p.add_argument("--epoch-warmup-batches", type=int, default=10)
    args = p.parse_args()
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means "skip"
        emit({"error": "torch not importable: %s" % e, "skipped": True})
        return
    if args.probe:
        blas = sorted({line.split()[-1] for line in open("/proc/self/maps")
                       if any(k in line for k in ("blas", "mkl", "lapack"))})
        emit({"blasLibraries": blas, "blasInfo": (re.findall(r"BLAS_INFO=(\w+)", torch.__config__.show()) or [None])[0],
              "torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
              "defaultThreads": torch.get_num_threads(),
              "parallel": torch.__config__.parallel_info().strip().splitlines()[:6]})
        return

    torch.set_num_threads(args.threads)
    kept = keep_freed_memory()
    framework = "torch-%dt" % args.threads
    with open(os.path.join(INPUTS, "meta.json")) as f:
        meta = json.load(f)
    rss_loaded = peak_rss_mib()
    result = {"framework": framework, "workload": args.workload, "notes": [],
              "info": {"torch": torch.__version__, "threads": torch.get_num_threads(), "keepFreedMemory": kept}}
    tag = "%s__%s" % (framework, args.workload)
    os.makedirs(OUTPUTS, exist_ok=True)

    def raw(name, dtype):
        return np.fromfile(os.path.join(INPUTS, name), dtype=dtype)

    if args.workload in ("ce", "softmax", "matmul"):
        state = {}
        if args.workload == "matmul":
            n = meta["matmul"]["n"]
            a = torch.from_numpy(raw(meta["matmul"]["a"], "<f4").reshape(n, n))
            b = torch.from_numpy(raw(meta["matmul"]["b"], "<f4").reshape(n, n))

            def run():
                with torch.no_grad():
                    state["out"] = torch.mm(a, b)
        else:
            rows, cols = meta["ce"]["rows"], meta["ce"]["cols"]
            logits = torch.from_numpy(raw(meta["ce"]["logits"], "<f4").reshape(rows, cols).copy())
            if args.workload == "softmax":
                def run():
                    with torch.no_grad():
                        state["out"] = torch.softmax(logits, dim=1)
            else:
                ids = torch.from_numpy(raw(meta["ce"]["ids"], "<i4").astype(np.int64))
                onehot = F.one_hot(ids, cols).float()
                z = logits.clone().requires_grad_(True)

                def run():
                    # Mean cross-entropy with probability (one-hot) targets, forward + backward to the logits.
                    z.grad = None
                    loss = F.cross_entropy(z, onehot)
                    loss.backward()
                    state["loss"] = loss.item()
                    state["out"] = z.grad
        times = time_runs(run, args.runs, args.warmup, min(args.min_runs, args.runs), args.budget)
        state["out"].detach().numpy().astype("<f4").tofile(os.path.join(OUTPUTS, tag + ".f32"))
        result.update({"timesMs": times, "summary": summarize(times), "output": tag + ".f32"})
        if "loss" in state:
            result["loss"] = state["loss"]
        if args.workload == "matmul":
            result["gflops"] = 2 * n ** 3 / (result["summary"]["medianMs"] * 1e6)
    elif args.workload == "epoch":
        e = meta["epoch"]
        n = e["trainN"]
        bsz = e["batch"]
        x = torch.from_numpy(raw(e["trainX"], np.uint8).reshape(n, e["inputs"])).float() / 255
        y = torch.from_numpy(raw(e["trainY"], np.uint8).astype(np.int64))
        xt = torch.from_numpy(raw(e["testX"], np.uint8).reshape(e["testN"], e["inputs"])).float() / 255
        yt = torch.from_numpy(raw(e["testY"], np.uint8).astype(np.int64))
        w1 = torch.from_numpy(raw(e["w1"], "<f4").reshape(e["inputs"], e["hidden"]))
        w2 = torch.from_numpy(raw(e["w2"], "<f4").reshape(e["hidden"], e["classes"]))
        result["notes"].append("epoch: nn.Sequential(Linear, ReLU, Linear) + torch.optim.Adam, "
                               "F.cross_entropy with class ids, loss.item() per step")
        model = torch.nn.Sequential(torch.nn.Linear(e["inputs"], e["hidden"]), torch.nn.ReLU(),
                                    torch.nn.Linear(e["hidden"], e["classes"]))
        state = {}

        def reset():
            with torch.no_grad():
                model[0].weight.copy_(w1.t())  # torch stores [out, in]
                model[0].bias.zero_()
                model[2].weight.copy_(w2.t())
                model[2].bias.zero_()
            state["opt"] = torch.optim.Adam(model.parameters(), lr=e["lr"], betas=(e["beta1"], e["beta2"]), eps=e["epsilon"])

        def train(examples):
            opt = state["opt"]
            losses = []
            for i in range(0, examples, bsz):
                xb = x[i:min(i + bsz, examples)]
                yb = y[i:min(i + bsz, examples)]
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
            return losses

        def accuracy():
            with torch.no_grad():
                return (model(xt).argmax(1) == yt).float().mean().item()

        mode = "quick" if args.epoch_mode == "quick" else "full"
        total_batches = -(-n // bsz)
        batches = min(args.quick_batches, total_batches) if mode == "quick" else total_batches
        examples = min(n, batches * bsz)
        factor = n / examples
        reset()
        train(min(n, args.epoch_warmup_batches * bsz))
        raw_times = []
        losses = None
        acc = None
        start = time.perf_counter()
        for r in range(args.epoch_runs):
            reset()
            t0 = time.perf_counter()
            lr_ = train(examples)
            raw_times.append((time.perf_counter() - t0) * 1000)
            if r == 0:
                losses = lr_
                if mode == "full":
                    acc = accuracy()
            if len(raw_times) >= min(2, args.epoch_runs) and time.perf_counter() - start > args.budget:
                break
        times = [t * factor for t in raw_times]
        result.update({"mode": mode, "batchesTimed": batches, "examplesTimed": examples, "trainN": n,
                       "extrapolation": factor, "rawTimesMs": raw_times, "timesMs": times,
                       "summary": summarize(times), "losses": losses,
                       "meanLoss": sum(losses) / len(losses), "accuracy": acc})
    else:
        raise SystemExit("unknown workload %r" % args.workload)
    result["rss"] = {"afterLoadMiB": rss_loaded, "peakMiB": peak_rss_mib()}
    emit(result)


if __name__ == "__main__":
    main()
