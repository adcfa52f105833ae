"""The worker gives glibc's freed heap back between pages: without it a long scan's freed page
buffers stayed resident in the holes of the heap and the worker's footprint climbed page after page."""
from __future__ import annotations

import ctypes.util
import sys

import pytest

from ingest.watchdog import release_freed_memory

psutil = pytest.importorskip("psutil")
MB = 1024 * 1024


def _glibc() -> bool:
    return sys.platform == "linux" and "libc.so.6" in str(ctypes.util.find_library("c"))


@pytest.mark.skipif(not _glibc(), reason="malloc_trim is glibc's")
def test_freed_heap_between_live_blocks_is_given_back():
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
    given_back = held - me.memory_info().rss
    assert given_back > 80 * MB, f"only {given_back / MB:.0f} MB given back"
    assert len(pins) == 1200
