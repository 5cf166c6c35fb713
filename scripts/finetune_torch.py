#!/usr/bin/python3
"""PyTorch's side of the `finetune` acceptance row (issue 16): fine-tuning the head of an imported CNN on new classes.

1. Backbone: a small CNN trained in PyTorch (seeded, one thread) on Fashion-MNIST classes 0-4 (the 30,000 training
   images of those classes), then exported with torch.onnx.export (opset 13, a dynamic batch axis, eval mode) to
   OUT/backbone.onnx:
       [N, 1, 28, 28] -> Conv(1, 16, 3, pad 1) -> BatchNorm -> ReLU -> MaxPool 2 -> Conv(16, 32, 3, pad 1) -> BatchNorm
       -> ReLU -> MaxPool 2 -> flatten (1568) -> Linear(1568, 64) -> ReLU -> Dropout(0.3) -> Linear(64, 5)
   The export keeps the BatchNormalization nodes (training=PRESERVE on a module in eval mode: the graph is the
   inference graph, but torch does not fold the batch norms into the convolutions), so the importer's frozen batch
   norm is what the fine-tuning runs through, as it would be for a backbone written by another tool.
2. Head: for each seed, the backbone frozen (requires_grad False, eval mode: batch norms on their running statistics,
   dropout off), a new Linear(64, 5) in place of the last layer (PyTorch's default initialisation under
   torch.manual_seed(seed)) for classes 5-9, trained alone with Adam (PyTorch's defaults but lr) and the mean
   cross-entropy, on the first TRAIN_PER_CLASS training images of each of classes 5-9 (file order), shuffled every
   epoch with torch.randperm under a generator seeded with the seed; test accuracy on the 5,000 test images of classes
   5-9.

Everything our side needs to repeat it is written to OUT/plan.json: the training and test indices (into the IDX
files), the recipe, and per seed the head's initial weights (as a logitkit Dense kernel [in, out] and bias) and the
epoch orders, with PyTorch's test accuracy and seconds. One line of JSON (a summary without the orders) goes to stdout;
progress to stderr.

    /usr/bin/python3 scripts/finetune_torch.py --out DIR [--fashion-dir /usr/share/datasets/fashion-mnist]
        [--seeds 0,1,2] [--train-per-class 1000] [--epochs 20] [--batch-size 32] [--lr 1e-3]
        [--backbone-epochs 2] [--backbone-seed 0]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from fashion_idx import fashion_tensors  # noqa: E402

OLD, NEW = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32 * 7 * 7, 64)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.drop(F.relu(self.fc(torch.flatten(x, 1))))


def accuracy(model, x, y, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(x[i: i + batch]).argmax(1) == y[i: i + batch]).sum())
    return correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--train-per-class", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--backbone-epochs", type=int, default=2)
    p.add_argument("--backbone-seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)

    x_train, y_train = fashion_tensors(a.fashion_dir, "train")
    x_test, y_test = fashion_tensors(a.fashion_dir, "t10k")

    # 1. The backbone, on the old classes.
    t0 = time.perf_counter()
    torch.manual_seed(a.backbone_seed)
    old = torch.nonzero(y_train < 5).flatten()
    backbone = Backbone()
    net = nn.Sequential(backbone, nn.Linear(64, 5))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(a.backbone_epochs):
        net.train()
        order = old[torch.randperm(len(old))]
        for i in range(0, len(order), 128):
            idx = order[i: i + 128]
            opt.zero_grad()
            F.cross_entropy(net(x_train[idx]), y_train[idx]).backward()
            opt.step()
        log(f"  torch backbone epoch {epoch + 1}/{a.backbone_epochs} ({time.perf_counter() - t0:.1f} s)")
    old_test = torch.nonzero(y_test < 5).flatten()
    backbone_acc = accuracy(net, x_test[old_test], y_test[old_test])
    backbone_seconds = time.perf_counter() - t0
    log(f"  torch backbone: test accuracy on classes 0-4 {100 * backbone_acc:.2f} % ({backbone_seconds:.1f} s)")
    net.eval()
    onnx_path = os.path.join(a.out, "backbone.onnx")
    torch.onnx.export(
        net,
        torch.zeros(2, 1, 28, 28),
        onnx_path,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=13,
        training=torch.onnx.TrainingMode.PRESERVE,
        do_constant_folding=False,
    )

    # 2. The new head, on the new classes, per seed.
    train_idx = torch.cat([torch.nonzero(y_train == c).flatten()[: a.train_per_class] for c in NEW])
    test_idx = torch.nonzero(y_test >= 5).flatten()
    xs, ys = x_train[train_idx], y_train[train_idx] - 5
    xt, yt = x_test[test_idx], y_test[test_idx] - 5
    backbone.requires_grad_(False)
    n = len(train_idx)
    runs = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        torch.manual_seed(seed)
        head = nn.Linear(64, 5)
        init = {"kernel": head.weight.detach().t().flatten().tolist(), "bias": head.bias.detach().tolist()}
        tuned = nn.Sequential(backbone, head)
        opt = torch.optim.Adam(head.parameters(), lr=a.lr)
        g = torch.Generator().manual_seed(seed)
        orders = []
        t0 = time.perf_counter()
        for epoch in range(a.epochs):
            backbone.eval()  # frozen: running statistics, no dropout
            head.train()
            order = torch.randperm(n, generator=g)
            orders.append(order.tolist())
            for i in range(0, n, a.batch_size):
                idx = order[i: i + a.batch_size]
                opt.zero_grad()
                F.cross_entropy(tuned(xs[idx]), ys[idx]).backward()
                opt.step()
        seconds = time.perf_counter() - t0
        acc = accuracy(tuned, xt, yt)
        log(f"  torch head seed {seed}: test accuracy on classes 5-9 {100 * acc:.2f} % ({seconds:.1f} s)")
        runs.append({"seed": seed, "testAccuracy": acc, "seconds": seconds, "init": init, "orders": orders})

    recipe = {"optimizer": "adam", "learningRate": a.lr, "batchSize": a.batch_size, "epochs": a.epochs, "trainPerClass": a.train_per_class}
    summary = {
        "torch": torch.__version__,
        "onnx": onnx_path,
        "recipe": recipe,
        "backbone": {"epochs": a.backbone_epochs, "seed": a.backbone_seed, "testAccuracyOld": backbone_acc, "seconds": backbone_seconds},
        "train": n,
        "test": len(test_idx),
        "testAccuracy": statistics.median(r["testAccuracy"] for r in runs),
        "runs": [{k: r[k] for k in ("seed", "testAccuracy", "seconds")} for r in runs],
    }
    with open(os.path.join(a.out, "plan.json"), "w") as f:
        json.dump({**summary, "trainIndices": train_idx.tolist(), "testIndices": test_idx.tolist(), "runs": runs}, f)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
