"""Shared by the PyTorch sides of the bench (torch_bench.py, torch_cnn.py): how they allocate."""
import ctypes


def keep_freed_memory():
    """Has glibc keep freed blocks for reuse instead of unmapping them: by default each training step's large tensors
    (11 MB for conv1's output) are mmapped fresh and returned at free, so every step page-faults new memory, which is
    slow on this host (PyTorch's first epoch took 61 s, its later ones 12-18 s once glibc's adaptive threshold rose;
    20 timed batches: 2.7 s before, 0.8 s with it). A long run ends up there anyway, and logitkit recycles its own
    storage, so both sides are timed in that steady state. Returns whether glibc took the settings."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    # 32 MiB is glibc's largest mmap threshold on 64-bit; the trim threshold keeps freed memory at the heap's top.
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, 1 << 30))
