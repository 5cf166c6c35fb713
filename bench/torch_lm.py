#!/usr/bin/python3
"""PyTorch CPU side of the language-model rows of `npm run bench` (issue 15), same inputs as the Node workers.

    # one processing + sampling step at V (batch 1), written as Hugging Face transformers writes it
    /usr/bin/python3 bench/torch_lm.py --workload sampling --vocab 256000 --threads 1 --runs 300 --warmup 50
    # the materialised linear cross-entropy, F.cross_entropy(h @ W.T, y) + backward: time, or the extra peak memory
    /usr/bin/python3 bench/torch_lm.py --workload linear-ce --threads 1 --runs 5 --warmup 1
    /usr/bin/python3 bench/torch_lm.py --workload linear-ce --threads 1 --measure memory

Prints one line `BENCH_RESULT {json}`. Inputs come from artifacts/bench-inputs/lm/ (bench/lib/lm-inputs.mjs).

The sampling step follows transformers' generation/logits_process.py as read at commit 00857b6c (the processors
used by `generate(do_sample=True, repetition_penalty=1.2, temperature=0.8, top_k=50, top_p=0.9, min_p=0.05)`), in the
order the issue gives, then `softmax` + `torch.multinomial`, all under `torch.no_grad()` as `generate` runs them:
  RepetitionPenaltyLogitsProcessor: gather the context's scores, where(< 0, * penalty, / penalty), scatter back
  TemperatureLogitsWarper:          scores / temperature
  TopKLogitsWarper:                 scores < topk(scores, k).values[..., -1] -> -inf
  TopPLogitsWarper:                 sort ascending, softmax, cumsum, <= 1 - p removed (the last kept), scatter back
  MinPLogitsWarper:                 softmax, amax, probs < min_p * max removed (the top-1 kept via topk), masked_fill
"""
import argparse
import json
import os
import statistics
import sys
import time

from torch_memory import keep_freed_memory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LM_INPUTS = os.path.join(ROOT, "artifacts", "bench-inputs", "lm")
OUTPUTS = os.path.join(ROOT, "artifacts", "bench-outputs")
MARKER = "BENCH_RESULT "


def emit(obj):
    sys.stdout.write("\n" + MARKER + json.dumps(obj) + "\n")
    sys.stdout.flush()


def status_mib(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def summarize(times):
    s = sorted(times)

    def q(p):
        pos = (len(s) - 1) * p
        lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return {"runs": len(s), "medianMs": statistics.median(s), "minMs": s[0], "maxMs": s[-1], "q1Ms": q(0.25), "q3Ms": q(0.75)}


def time_runs(run, runs, warmup, min_runs, budget_s):
    for i in range(warmup):
        run(i)
    times = []
    start = time.perf_counter()
    while len(times) < runs:
        t0 = time.perf_counter()
        run(warmup + len(times))
        times.append((time.perf_counter() - t0) * 1000)
        if len(times) >= min_runs and time.perf_counter() - start > budget_s:
            break
    return times


def sampling_step_factory(torch, cfg, generator):
    penalty = float(cfg["repetitionPenalty"])
    temperature = float(cfg["temperature"])
    top_k = int(cfg["topK"])
    top_p = float(cfg["topP"])
    min_p = float(cfg["minP"])
    filter_value = -float("inf")
    min_tokens_to_keep = 1

    def process(input_ids, scores):
        # RepetitionPenaltyLogitsProcessor (raw logits: positive scores divided, negative ones multiplied)
        score = torch.gather(scores, 1, input_ids)
        score = torch.where(score < 0, score * penalty, score / penalty)
        scores = scores.scatter(1, input_ids, score)
        # TemperatureLogitsWarper
        scores = scores / temperature
        # TopKLogitsWarper
        k = min(max(top_k, min_tokens_to_keep), scores.size(-1))
        indices_to_remove = scores < torch.topk(scores, k)[0][..., -1, None]
        scores = scores.masked_fill(indices_to_remove, filter_value)
        # TopPLogitsWarper
        sorted_logits, sorted_indices = torch.sort(scores, descending=False)
        cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        sorted_indices_to_remove = cumulative_probs <= (1 - top_p)
        sorted_indices_to_remove[..., -min_tokens_to_keep:] = 0
        indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
        scores = scores.masked_fill(indices_to_remove, filter_value)
        # MinPLogitsWarper
        probs = torch.softmax(scores, dim=-1)
        top_probs = probs.amax(dim=-1, keepdim=True)
        scaled_min_p = min_p * top_probs
        tokens_to_remove = probs < scaled_min_p
        kk = min(min_tokens_to_keep, probs.shape[-1])
        keep = torch.topk(probs, kk, dim=-1).indices
        tokens_to_remove.scatter_(-1, keep, False)
        scores = scores.masked_fill(tokens_to_remove, filter_value)
        return scores

    def sample(scores):
        # generate(): probs = softmax(next_token_scores); multinomial(probs, num_samples=1)
        probs = torch.nn.functional.softmax(scores, dim=-1)
        return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(1)

    return process, sample


def run_sampling(args, torch, np, meta, result):
    cfg = meta["sampling"]
    v = args.vocab
    files = cfg["files"][str(v)]
    rows, ctx_len = cfg["rows"], cfg["context"]
    logits = np.fromfile(os.path.join(LM_INPUTS, files["logits"]), dtype="<f4").reshape(rows, v)
    ctx = np.fromfile(os.path.join(LM_INPUTS, files["context"]), dtype="<i4").reshape(rows, ctx_len).astype(np.int64)
    scores = [torch.from_numpy(logits[r:r + 1].copy()) for r in range(rows)]
    input_ids = [torch.from_numpy(ctx[r:r + 1].copy()) for r in range(rows)]
    generator = torch.Generator().manual_seed(int(cfg["seed"]))
    process, sample = sampling_step_factory(torch, cfg, generator)
    state = {}

    def run(i):
        r = i % rows
        with torch.no_grad():
            state["token"] = sample(process(input_ids[r], scores[r])).item()

    times = time_runs(run, args.runs, args.warmup, min(args.min_runs, args.runs), args.budget)
    # The check (not timed): each row's kept set and processed logits, and samples that must fall in the kept set.
    kept, values, tokens = [], [], []
    with torch.no_grad():
        for r in range(rows):
            out = process(input_ids[r], scores[r])[0]
            idx = torch.nonzero(torch.isfinite(out)).flatten()
            kept.append(idx.tolist())
            values.append(out[idx].tolist())
            tokens.append([sample(process(input_ids[r], scores[r]).clone()).item() for _ in range(32)])
    tag = "%s__sampling_%d.json" % (result["framework"], v)
    os.makedirs(OUTPUTS, exist_ok=True)
    with open(os.path.join(OUTPUTS, tag), "w") as f:
        json.dump({"kept": kept, "values": values, "tokens": tokens}, f)
    result.update({"vocab": v, "timesMs": times, "summary": summarize(times), "output": tag,
                   "notes": ["sampling: HF transformers' processors (logits_process.py at 00857b6c), torch.multinomial"]})


def run_linear_ce(args, torch, np, meta, result):
    F = torch.nn.functional
    m = meta["linearCe"]
    n, d, v = m["n"], m["d"], m["v"]
    h = torch.from_numpy(np.fromfile(os.path.join(LM_INPUTS, m["hidden"]), dtype="<f4").reshape(n, d).copy())
    w = torch.from_numpy(np.fromfile(os.path.join(LM_INPUTS, m["weight"]), dtype="<f4").reshape(v, d).copy())
    y = torch.from_numpy(np.fromfile(os.path.join(LM_INPUTS, m["labels"]), dtype="<i4").astype(np.int64))
    h.requires_grad_(True)
    w.requires_grad_(True)
    state = {}

    def step():
        h.grad = None
        w.grad = None
        loss = F.cross_entropy(h @ w.T, y)
        loss.backward()
        state["loss"] = loss.item()

    result["notes"] = ["linear-ce: F.cross_entropy(h @ W.T, y) (mean) + backward to h and W, float32"]
    out_bytes = (n * d + v * d) * 4
    if args.measure == "memory":
        # A fresh process: inputs allocated and touched, one small step of the same code for the lazy start-up, then
        # the RSS before the full-size step and its peak (VmHWM reset to the current RSS just before it).
        hs = h[:64].detach().clone().requires_grad_(True)
        ws = w[:4096].detach().clone().requires_grad_(True)
        F.cross_entropy(hs @ ws.T, y[:64] % 4096).backward()
        del hs, ws
        steps = []
        for _ in range(args.memory_steps):
            h.grad = None
            w.grad = None
            base = status_mib("VmRSS")
            ok = reset_peak_rss()
            step()
            peak = status_mib("VmHWM")
            steps.append({"baseMiB": base, "peakMiB": peak, "extraMiB": peak - base, "afterMiB": status_mib("VmRSS"),
                          "resetWorked": ok})
        result.update({"measure": "memory", "memorySteps": steps, "outputsMiB": out_bytes / 2 ** 20,
                       "loss": state["loss"]})
        return
    times = time_runs(lambda i: step(), args.runs, args.warmup, min(args.min_runs, args.runs), args.budget)
    # The check: the loss, dL/dh in full and every 16th row of dL/dW (not timed).
    tag = "%s__linear-ce" % result["framework"]
    os.makedirs(OUTPUTS, exist_ok=True)
    h.grad.detach().numpy().astype("<f4").tofile(os.path.join(OUTPUTS, tag + "__dh.f32"))
    w.grad[::16].detach().numpy().astype("<f4").tofile(os.path.join(OUTPUTS, tag + "__dw16.f32"))
    result.update({"measure": "time", "timesMs": times, "summary": summarize(times), "loss": state["loss"],
                   "output": tag})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--workload", required=True, choices=["sampling", "linear-ce"])
    p.add_argument("--vocab", type=int, default=256000)
    p.add_argument("--runs", type=int, default=300)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--min-runs", type=int, default=3)
    p.add_argument("--budget", type=float, default=30)
    p.add_argument("--measure", default="time", choices=["time", "memory"])
    p.add_argument("--memory-steps", type=int, default=2)
    args = p.parse_args()
    try:
        import numpy as np
        import torch
    except Exception as e:  # noqa: BLE001 - any import failure means "skip"
        emit({"error": "torch not importable: %s" % e, "skipped": True})
        return
    torch.set_num_threads(args.threads)
    kept = keep_freed_memory()
    with open(os.path.join(LM_INPUTS, "meta.json")) as f:
        meta = json.load(f)
    result = {"framework": "torch-%dt" % args.threads, "workload": args.workload,
              "info": {"torch": torch.__version__, "threads": torch.get_num_threads(), "keepFreedMemory": kept}}
    rss_loaded = status_mib("VmHWM")
    if args.workload == "sampling":
        run_sampling(args, torch, np, meta, result)
    else:
        run_linear_ce(args, torch, np, meta, result)
    result["rss"] = {"afterLoadMiB": rss_loaded, "peakMiB": status_mib("VmHWM")}
    emit(result)


if __name__ == "__main__":
    main()
