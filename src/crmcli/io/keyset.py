"""A set of strings in about 10 bytes each, for duplicate checks over millions of rows.

A Python set of a million e-mail addresses takes ~100 MB, one of their hashes ~65 MB; this
keeps each key's 64-bit hash in sorted arrays (8 bytes) behind a bitmap (2 bytes) that
answers "not there" for almost every new key without touching the arrays.

Keys are compared by Python's 64-bit string hash: two different keys collide with a
probability of about n²/2⁶⁵, one in ten million for a million-row file, and a collision
could only make a row look like a duplicate, never lose one that was written.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable

_RECENT = 1 << 16  # keys kept in a plain set before they are sorted into a run
_BITS_PER_KEY = 16


class KeySet:
    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._recent: set[int] = set()
        self._runs: list[array] = []
        self._count = 0
        self._mask = (1 << 20) - 1
        self._bits = bytearray((self._mask + 1) // 8)
        for key in keys:
            self.add(key)

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: str) -> bool:
        h = hash(key)
        bits, mask = self._bits, self._mask
        low = h & mask
        high = (h >> 32) & mask
        if not (bits[low >> 3] >> (low & 7)) & 1 or not (bits[high >> 3] >> (high & 7)) & 1:
            return False
        if h in self._recent:
            return True
        for run in self._runs:
            i = bisect_left(run, h)
            if i < len(run) and run[i] == h:
                return True
        return False

    def add(self, key: str) -> None:
        h = hash(key)
        if h in self._recent or (self._runs and key in self):
            return
        self._recent.add(h)
        self._count += 1
        self._mark(h)
        if self._count * _BITS_PER_KEY > self._mask + 1:
            self._grow()
        if len(self._recent) >= _RECENT:
            self._spill()

    def _mark(self, h: int) -> None:
        bits, mask = self._bits, self._mask
        low = h & mask
        high = (h >> 32) & mask
        bits[low >> 3] |= 1 << (low & 7)
        bits[high >> 3] |= 1 << (high & 7)

    def _grow(self) -> None:
        self._mask = ((self._mask + 1) << 2) - 1
        self._bits = bytearray((self._mask + 1) // 8)
        for h in self._recent:
            self._mark(h)
        for run in self._runs:
            for h in run:
                self._mark(h)

    def _spill(self) -> None:
        """Sort the recent keys into a run; merge runs of similar size, so that a lookup
        searches a handful of arrays (timsort merges two sorted runs in one pass)."""
        self._runs.append(array("q", sorted(self._recent)))
        self._recent = set()
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            newer = self._runs.pop()
            older = self._runs.pop()
            self._runs.append(array("q", sorted(older + newer)))
