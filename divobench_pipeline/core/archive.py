"""The upload archive: every upload exactly as received, encrypted at rest, named by its content's sha256."""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"DVBARC1\n"
CHUNK = 4 * 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class UploadArchive:
    """Content-addressed, encrypted store (AES-256-GCM in 4 MiB chunks, each bound to its position)."""

    def __init__(self, root: Path, key: bytes):
        self.root = root
        self._aead = AESGCM(key)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.bus.enc"

    def put(self, source: Path, sha256: str) -> Path:
        """Archive ``source`` under ``sha256`` unless that content is already archived."""
        target = self.path_of(sha256)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        with open(source, "rb") as src, open(partial, "wb") as out:
            out.write(MAGIC)
            index = 0
            block = src.read(CHUNK)
            while True:
                following = src.read(CHUNK) if block else b""
                last = not following
                nonce = os.urandom(12)
                sealed = self._aead.encrypt(nonce, block, self._aad(sha256, index, last))
                out.write(struct.pack(">?I", last, len(sealed)) + nonce + sealed)
                if last:
                    break
                block, index = following, index + 1
        os.replace(partial, target)
        return target

    def read_chunks(self, sha256: str) -> Iterator[bytes]:
        """The upload as received, decrypted chunk by chunk; raises if it was altered or truncated."""
        with open(self.path_of(sha256), "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise ValueError(f"{self.path_of(sha256)} is not a divobench archive file.")
            index = 0
            while True:
                header = handle.read(5)
                if len(header) < 5:
                    raise ValueError(f"{self.path_of(sha256)} is truncated.")
                last, size = struct.unpack(">?I", header)
                nonce = handle.read(12)
                yield self._aead.decrypt(nonce, handle.read(size), self._aad(sha256, index, last))
                if last:
                    return
                index += 1

    def read(self, sha256: str) -> bytes:
        content = b"".join(self.read_chunks(sha256))
        if hashlib.sha256(content).hexdigest() != sha256:
            raise ValueError(f"archived upload {sha256} does not match its content hash.")
        return content

    @staticmethod
    def _aad(sha256: str, index: int, last: bool) -> bytes:
        return f"{sha256}:{index}:{int(last)}".encode()
