"""The worker gives glibc's freed heap back between pages: without it a long scan's freed page
buffers stayed resident in the holes of the heap and the worker's footprint climbed page after page."""
from __future__ import annotations

import ctypes.util
import sys

import pytest

pytest.importorskip("psutil")
MB = 1024 * 1024


def _glibc() -> bool:
    return sys.platform == "linux" and "libc.so.6" in str(ctypes.util.find_library("c"))


_HOLES = """
import psutil
from ingest.watchdog import release_freed_memory

me = psutil.Process()
# 120 MB in blocks below glibc's mmap threshold, each followed by a small block that stays: freeing
# the large ones leaves holes that no trim of the heap's top can reach
blocks, pins = [], []
for n in range(1200):
    blocks.append(bytearray(100 * 1024))
    pins.append(bytearray(1024))  # past pymalloc (512 bytes): in glibc's heap
del blocks
held = me.memory_info().rss
release_freed_memory()
print(held - me.memory_info().rss, len(pins))
"""


@pytest.mark.skipif(not _glibc(), reason="malloc_trim is glibc's")
def test_freed_heap_between_live_blocks_is_given_back():
    # in a fresh process: in this one, what earlier tests left in the heap (the OCR engine loaded, its
    # arena registered) can serve the blocks from memory that was already given back
    import subprocess
    from pathlib import Path

    run = subprocess.run([sys.executable, "-c", _HOLES], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    given_back, pins = (int(v) for v in run.stdout.split())
    assert given_back > 80 * MB, f"only {given_back / MB:.0f} MB given back"
    assert pins == 1200
