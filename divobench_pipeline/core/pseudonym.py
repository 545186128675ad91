"""Pseudonymisation at the door: a BSN becomes a keyed hash before anything is stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

_BLOCK = hashlib.sha256().block_size


def bsn_pseudonymiser(key: bytes) -> Callable[[str], str]:
    """HMAC-SHA256 (RFC 2104) of ``b"bsn:" + BSN`` under the pseudonym key, 128 bits as hex: stable across
    months, not reversible.

    The inner hash (key xor ipad, then the prefix) and the outer one (key xor opad) are computed once and copied
    per BSN: the digest of ``hmac.new(key, b"bsn:" + bsn, sha256)`` (tested), at a third of its cost, which a
    national month's 440,000 BSNs notice."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + b"bsn:")
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def pseudonymise(bsn: str) -> str:
        inner_hash = inner.copy()
        inner_hash.update(bsn.encode("ascii"))
        outer_hash = outer.copy()
        outer_hash.update(inner_hash.digest())
        return outer_hash.hexdigest()[:32]

    return pseudonymise
