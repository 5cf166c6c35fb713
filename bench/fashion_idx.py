"""Fashion-MNIST's gzipped IDX files for the PyTorch scripts (bench/torch_cnn.py, scripts/finetune_torch.py,
scripts/fixtures/onnx_finetune_fixture.py). numpy and torch are imported when called, so a probe run needs neither."""
import gzip
import os


def read_idx_gz(path):
    """An unsigned-byte IDX file (gzip) as a numpy uint8 array of its dims."""
    import numpy as np
    with gzip.open(path, "rb") as f:
        b = f.read()
    if b[0] != 0 or b[1] != 0 or b[2] != 8:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def fashion_tensors(fashion_dir, part):
    """Images of 'train' or 't10k' as NCHW float32 pixels / 255 (as logitkit's loadIdxDataset gives them), and int64 labels."""
    import numpy as np
    import torch
    images = read_idx_gz(os.path.join(fashion_dir, "%s-images-idx3-ubyte.gz" % part))
    labels = read_idx_gz(os.path.join(fashion_dir, "%s-labels-idx1-ubyte.gz" % part)).astype(np.int64)
    return torch.from_numpy(images.astype(np.float32) / np.float32(255)).unsqueeze(1), torch.from_numpy(labels)
