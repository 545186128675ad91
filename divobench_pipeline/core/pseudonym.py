"""Pseudonymisation at the door: a BSN becomes a keyed hash before anything is stored."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable


def bsn_pseudonymiser(key: bytes) -> Callable[[str], str]:
    """HMAC-SHA256 of the BSN under the pseudonym key, 128 bits as hex: stable across months, not reversible."""

    def pseudonymise(bsn: str) -> str:
        return hmac.new(key, b"bsn:" + bsn.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    return pseudonymise
