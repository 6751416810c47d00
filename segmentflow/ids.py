"""Public object ids: a type prefix and a time-ordered random part, e.g. `prof_01jb3k…`.

The random part is 48 bits of milliseconds followed by 80 random bits in Crockford base32,
so ids sort by creation time (good B-tree locality) and cannot be guessed.
"""

from __future__ import annotations

import secrets
import time

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_public_id(prefix: str) -> str:
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_base32(millis, 10)}{_base32(secrets.randbits(80), 16)}"
