#!/usr/bin/python3
"""
For information only: runs PyTorch on the oracle fixtures' inputs and prints its results as JSON on stdout, in the
shape scripts/accuracy/lib.mjs measures (every number as a string that JavaScript's Number() parses exactly).
Called by scripts/accuracy.mjs; exits with status 3 when torch is not importable.

Ops: torch.softmax, torch.log_softmax, torch.logsumexp, F.cross_entropy with probability targets and with class ids
(reduction='none', gradients by autograd), F.binary_cross_entropy_with_logits, torch.sigmoid, F.softplus (its
default threshold=20), F.logsigmoid. One thread, CPU.
"""
import json
import math
import os
import sys

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001
    print('torch not available: %s' % e, file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT_DIR, gen_labels, gen_row  # noqa: E402

torch.set_num_threads(1)
TORCH_DTYPE = {'float32': torch.float32, 'float64': torch.float64}


def enc(v):
    v = float(v)
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return repr(v)


def vec(t, sample):
    vals = t.detach().reshape(-1).tolist()
    if sample is None:
        return [enc(v) for v in vals]
    return {'sample': sample, 'values': [enc(vals[i]) for i in sample]}


def main():
    out = {'torch': torch.__version__}
    for dtype in ('float32', 'float64'):
        td = TORCH_DTYPE[dtype]
        with open(os.path.join(OUT_DIR, 'softmax-%s.json' % dtype)) as fh:
            fx = json.load(fh)
        rows = []
        for row in fx['rows']:
            x = gen_row(row['gen']) if 'gen' in row else [float(s) for s in row['x']]
            labels = [gen_labels(row['labelGen'], x)] if 'labelGen' in row else [[float(s) for s in ys] for ys in row['labels']]
            sample = row.get('sample')
            z = torch.tensor(x, dtype=td)
            rec = {
                'softmax': vec(torch.softmax(z, -1), sample),
                'logSoftmax': vec(torch.log_softmax(z, -1), sample),
                'logSumExp': enc(torch.logsumexp(z, -1)),
                'ce': [],
                'sparse': [],
            }
            for ys in labels:
                zz = z.clone().requires_grad_(True)
                loss = F.cross_entropy(zz[None], torch.tensor([ys], dtype=td), reduction='none')[0]
                loss.backward()
                rec['ce'].append({'loss': enc(loss), 'grad': vec(zz.grad, sample)})
            for k in row['ids']:
                zz = z.clone().requires_grad_(True)
                loss = F.cross_entropy(zz[None], torch.tensor([k]), reduction='none')[0]
                loss.backward()
                rec['sparse'].append({'loss': enc(loss), 'grad': vec(zz.grad, sample)})
            rows.append(rec)
        with open(os.path.join(OUT_DIR, 'elementwise-%s.json' % dtype)) as fh:
            ew = json.load(fh)
        xs = torch.tensor([float(s) for s in ew['x']], dtype=td)
        lx = torch.tensor([float(s) for s in ew['ceLogits']], dtype=td, requires_grad=True)
        lz = torch.tensor([float(s) for s in ew['ceLabels']], dtype=td)
        sce = F.binary_cross_entropy_with_logits(lx, lz, reduction='none')
        sce.sum().backward()
        out[dtype] = {
            'rows': rows,
            'elementwise': {
                'sigmoid': vec(torch.sigmoid(xs), None),
                'softplus': vec(F.softplus(xs), None),
                'logSigmoid': vec(F.logsigmoid(xs), None),
                'sigmoidCE': vec(sce, None),
                'sigmoidCEGrad': vec(lx.grad, None),
            },
        }
    json.dump(out, sys.stdout, separators=(',', ':'))


if __name__ == '__main__':
    main()
