"""Cheap deterministic hashing, so any part of the world can be generated on demand."""

from __future__ import annotations

_MASK = (1 << 64) - 1


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix64 rounds): same inputs, same output, every run."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = (h ^ (part & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & _MASK
        h ^= h >> 29
    return h


def unit(*parts: int) -> float:
    """A float in [0, 1) derived from ``parts``."""
    return (mix(*parts) >> 11) / float(1 << 53)


def positive63(*parts: int) -> int:
    """A positive signed-64-bit value derived from ``parts`` (for ids and access hashes)."""
    return (mix(*parts) >> 1) or 1


def tag(name: str) -> int:
    """A stable integer for a short label, to separate hash streams."""
    value = 0
    for char in name.encode():
        value = (value * 131 + char) & _MASK
    return value
