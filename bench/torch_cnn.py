#!/usr/bin/python3
"""PyTorch CPU side of the convolutional network (issue 12), for `npm run bench` and `npm run acceptance`.

The network (Keras names; input NHWC [N, 28, 28, 1], given to PyTorch as NCHW [N, 1, 28, 28], the same bytes):
    conv2d(32, 3x3, valid, relu) -> maxPool 2 -> conv2d(64, 3x3, valid, relu) -> maxPool 2 -> flatten (1600)
    -> dense(128, relu) -> dropout(0.3) -> dense(10), mean sparse cross-entropy from logits, Adam, batch 128.

    # bench: K batches of 128 after a warm-up, from the shared initial weights in artifacts/bench-inputs/
    /usr/bin/python3 bench/torch_cnn.py --mode bench --threads 1 --batches 60 --runs 3
    # acceptance: the whole recipe on Fashion-MNIST, seedless (Glorot-uniform kernels, zero biases, shuffled epochs)
    /usr/bin/python3 bench/torch_cnn.py --mode train --threads 1 --epochs 10 --fashion-dir /usr/share/datasets/fashion-mnist
    /usr/bin/python3 bench/torch_cnn.py --probe

Prints one line `BENCH_RESULT {json}` (progress goes to stderr). The peak RSS of an epoch is VmHWM read after the
epoch, with the high-water mark reset to the current RSS just before it (writing 5 to /proc/self/clear_refs).
"""
import argparse
import json
import os
import statistics
import sys
import time

from fashion_idx import read_idx_gz
from torch_memory import keep_freed_memory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
INPUTS = os.path.join(ROOT, "artifacts", "bench-inputs")
MARKER = "BENCH_RESULT "


def emit(obj):
    sys.stdout.write("\n" + MARKER + json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


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
    """Resets VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib():
    v = status_mib("VmHWM")
    if v is not None:
        return v
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summarize(times):
    s = sorted(times)

    def q(p):
        pos = (len(s) - 1) * p
        lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    return {"runs": len(s), "medianMs": statistics.median(s), "minMs": s[0], "maxMs": s[-1], "q1Ms": q(0.25), "q3Ms": q(0.75)}


def build(torch, channels_last):
    nn = torch.nn
    F = torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3)
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.fc1 = nn.Linear(5 * 5 * 64, 128)
            self.drop = nn.Dropout(0.3)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)  # (c, h, w) order; the shared Keras weights are permuted to match (load_keras)
            return self.fc2(self.drop(F.relu(self.fc1(x))))

    net = Net()
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    return net


def glorot_init(torch, net):
    """Keras's defaults: glorotUniform kernels (fan_in = in*kh*kw, fan_out = out*kh*kw, as torch's xavier), zero biases."""
    with torch.no_grad():
        for m in (net.conv1, net.conv2, net.fc1, net.fc2):
            torch.nn.init.xavier_uniform_(m.weight)
            m.bias.zero_()


def load_keras(torch, net, k1, k2, w3, w4):
    """Keras layouts (conv HWIO, dense [in, out], flatten in (h, w, c) order) into PyTorch's (OIHW, [out, in], (c, h, w))."""
    with torch.no_grad():
        net.conv1.weight.copy_(k1.permute(3, 2, 0, 1))
        net.conv2.weight.copy_(k2.permute(3, 2, 0, 1))
        net.fc1.weight.copy_(w3.reshape(5, 5, 64, 128).permute(3, 2, 0, 1).reshape(128, 1600))
        net.fc2.weight.copy_(w4.t())
        for m in (net.conv1, net.conv2, net.fc1, net.fc2):
            m.bias.zero_()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--probe", action="store_true")
    p.add_argument("--mode", choices=("bench", "train"), default="bench")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--channels-last", choices=("on", "off"), default="on",
                   help="torch.channels_last memory format (on: measured faster here with oneDNN, see docs/benchmarks.md)")
    # bench
    p.add_argument("--batches", type=int, default=60, help="batches timed per run (bench); the epoch is extrapolated")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup-batches", type=int, default=5)
    p.add_argument("--budget", type=float, default=120)
    # train
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=None, help="train on the first N images only (--mode train; a smoke test)")
    p.add_argument("--eps", type=float, default=1e-8, help="Adam epsilon in --mode train (PyTorch's and logitkit's default)")
    args = p.parse_args()
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means "skip"
        emit({"error": "torch not importable: %s" % e, "skipped": True})
        return
    if args.probe:
        emit({"torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(), "python": sys.version.split()[0]})
        return
    torch.set_num_threads(args.threads)
    kept = keep_freed_memory()
    cl = args.channels_last == "on"
    fmt = torch.channels_last if cl else torch.contiguous_format
    framework = "torch-%dt" % args.threads
    result = {"framework": framework, "workload": "cnn", "notes": [],
              "info": {"torch": torch.__version__, "threads": torch.get_num_threads(), "channelsLast": cl,
                       "mkldnn": torch.backends.mkldnn.is_available(), "keepFreedMemory": kept}}
    result["notes"].append("glibc keeps freed memory (mallopt: mmap threshold 32 MiB, trim threshold 1 GiB): %s" % ("set" if kept else "NOT set"))
    result["notes"].append("cnn: nn.Conv2d/F.max_pool2d/nn.Linear/nn.Dropout + torch.optim.Adam, F.cross_entropy with class ids, "
                           "loss.item() per step, %s" % ("channels_last" if cl else "contiguous NCHW"))
    rss_loaded = peak_rss_mib()

    def images(u8, n):
        # NHWC [n, 28, 28, 1] and NCHW [n, 1, 28, 28] are the same bytes when C = 1.
        x = torch.from_numpy(np.array(u8, dtype=np.uint8).reshape(n, 1, 28, 28)).float().div_(255)
        return x.contiguous(memory_format=fmt)

    if args.mode == "bench":
        with open(os.path.join(INPUTS, "meta.json")) as f:
            meta = json.load(f)
        e = meta["epoch"]
        c = meta["cnn"]

        def raw(name, dtype):
            return np.fromfile(os.path.join(INPUTS, name), dtype=dtype)

        n = e["trainN"]
        x = images(raw(e["trainX"], np.uint8), n)
        y = torch.from_numpy(raw(e["trainY"], np.uint8).astype(np.int64))
        k1 = torch.from_numpy(raw(c["k1"], "<f4").reshape(3, 3, 1, 32))
        k2 = torch.from_numpy(raw(c["k2"], "<f4").reshape(3, 3, 32, 64))
        w3 = torch.from_numpy(raw(c["w3"], "<f4").reshape(1600, 128))
        w4 = torch.from_numpy(raw(c["w4"], "<f4").reshape(128, 10))
        net = build(torch, cl)
        net.train()
        bsz = c["batch"]
        state = {}

        def reset():
            load_keras(torch, net, k1, k2, w3, w4)
            state["opt"] = torch.optim.Adam(net.parameters(), lr=c["lr"], betas=(c["beta1"], c["beta2"]), eps=c["epsilon"])

        def train(batches):
            opt = state["opt"]
            losses = []
            for b in range(batches):
                i = (b * bsz) % n
                xb = x[i:min(i + bsz, n)]
                yb = y[i:min(i + bsz, n)]
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(net(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
            return losses

        total_batches = -(-n // bsz)
        batches = min(args.batches, total_batches)
        examples = min(n, batches * bsz)
        reset()
        train(args.warmup_batches)
        peak_before = peak_rss_mib()
        can_reset = reset_peak_rss()
        raw_times, epoch_peaks, losses = [], [], None
        start = time.perf_counter()
        for r in range(args.runs):
            reset()
            reset_peak_rss()
            rss0 = status_mib("VmRSS")
            t0 = time.perf_counter()
            ls = train(batches)
            raw_times.append((time.perf_counter() - t0) * 1000)
            epoch_peaks.append({"startMiB": rss0, "peakMiB": peak_rss_mib()})
            if r == 0:
                losses = ls
            if len(raw_times) >= min(2, args.runs) and time.perf_counter() - start > args.budget:
                break
        factor = n / examples
        times = [t * factor for t in raw_times]
        result.update({"mode": "full" if batches == total_batches else "quick", "batchesTimed": batches, "examplesTimed": examples,
                       "trainN": n, "extrapolation": factor, "rawTimesMs": raw_times, "timesMs": times, "summary": summarize(times),
                       "losses": losses, "meanLoss": sum(losses) / len(losses)})
        result["rss"] = {"afterLoadMiB": rss_loaded, "peakMiB": max(peak_before, max(p["peakMiB"] for p in epoch_peaks)),
                         "epochPeakMiB": max(p["peakMiB"] for p in epoch_peaks) if can_reset else None,
                         "epochStartMiB": epoch_peaks[0]["startMiB"], "epochPeakResetWorked": can_reset}
        emit(result)
        return

    # --mode train: the acceptance recipe, seedless
    d = args.fashion_dir
    xi = read_idx_gz(os.path.join(d, "train-images-idx3-ubyte.gz"))
    yi = read_idx_gz(os.path.join(d, "train-labels-idx1-ubyte.gz"))
    xt_ = read_idx_gz(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    yt_ = read_idx_gz(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
    if args.limit is not None:
        xi, yi = xi[:args.limit], yi[:args.limit]
    n, nt = xi.shape[0], xt_.shape[0]
    x, y = images(xi, n), torch.from_numpy(yi.astype(np.int64))
    xt, yt = images(xt_, nt), torch.from_numpy(yt_.astype(np.int64))
    net = build(torch, cl)
    glorot_init(torch, net)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=args.eps)
    bsz = 128

    def accuracy():
        net.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, nt, 1000):
                correct += (net(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item()
        net.train()
        return correct / nt

    epochs = []
    for ep in range(args.epochs):
        net.train()
        reset_peak_rss()
        t0 = time.perf_counter()
        order = torch.randperm(n)
        total, seen = 0.0, 0
        for i in range(0, n, bsz):
            idx = order[i:i + bsz]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        seconds = time.perf_counter() - t0
        peak = peak_rss_mib()
        acc = accuracy()
        epochs.append({"epoch": ep + 1, "loss": total / seen, "seconds": seconds, "testAccuracy": acc, "peakRssMiB": peak})
        log("  torch epoch %2d: loss %.4f  %.2f s  test acc %.4f  peak RSS %.0f MiB" % (ep + 1, total / seen, seconds, acc, peak))
    secs = [e["seconds"] for e in epochs]
    result.update({"mode": "train", "epochs": epochs, "testAccuracy": epochs[-1]["testAccuracy"],
                   "medianEpochSeconds": statistics.median(secs), "secondsPerEpoch": secs,
                   "recipe": "Fashion-MNIST 60,000/10,000, pixels/255, Glorot-uniform kernels, zero biases, Adam lr 1e-3 "
                             "betas 0.9/0.999 eps %g, batch 128, reshuffled every epoch (torch.randperm, no seed), %d epochs"
                             % (args.eps, args.epochs)})
    result["rss"] = {"afterLoadMiB": rss_loaded, "epochPeakMiB": max(e["peakRssMiB"] for e in epochs)}
    emit(result)


if __name__ == "__main__":
    main()
