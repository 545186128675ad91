"""The bytes of an upload, read once: a head to inspect the prolog, then the rest, never more than allowed."""

from __future__ import annotations

import os
import re
from typing import BinaryIO

from divobench_pipeline.defs.bus_uploads.messages import DOCTYPE, Rejected, UploadRejected, too_large

HEAD_BYTES = 64 * 1024
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


class Source:
    """The upload's bytes, read once: a head to inspect the prolog, then the rest, never more than ``max_bytes``."""

    def __init__(self, stream: BinaryIO, max_bytes: int, owned: bool):
        self._stream = stream
        self._max = max_bytes
        self._owned = owned
        self._read = 0
        self._head = b""

    @classmethod
    def open(cls, source: str | os.PathLike | BinaryIO, max_bytes: int) -> Source:
        if isinstance(source, (str, os.PathLike)):
            if os.stat(source).st_size > max_bytes:
                raise UploadRejected([too_large(max_bytes)])
            return cls(open(source, "rb"), max_bytes, owned=True)
        if source.seekable():
            here = source.tell()
            size = source.seek(0, os.SEEK_END) - here
            source.seek(here)
            if size > max_bytes:
                raise UploadRejected([too_large(max_bytes)])
        return cls(source, max_bytes, owned=False)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        if self._owned:
            self._stream.close()

    def head(self) -> bytes:
        """The first bytes, kept to be served again by :meth:`read`."""
        self._head = self._counted(self._stream.read(HEAD_BYTES))
        return self._head

    def at_end(self) -> bool:
        more = self._counted(self._stream.read(1))
        self._head += more
        return not more

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        return self._counted(self._stream.read(size if size and size > 0 else 1 << 16))

    def _counted(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._max:
            raise Rejected(too_large(self._max))
        return data


def prolog_problem(head: bytes, complete: bool) -> str | None:
    """Why the prolog (what precedes the root element) cannot be accepted: a DOCTYPE (the only way to declare
    entities), or a prolog so long that the head of the file does not reach its end."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    elif head[:2] in (b"<\x00", b"\x00<"):
        text = head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="ignore")
    else:
        text = head.decode("latin-1")
    text = text.lstrip("\ufeffï»¿")
    pos = 0
    while (m := _PROLOG_ITEM.match(text, pos)) and m.end() > pos:
        pos = m.end()
    if text.startswith("<!DOCTYPE", pos):
        return DOCTYPE
    if not complete and (pos == len(text) or text.startswith(("<!--", "<?"), pos)):
        return (f"Vóór het element <BUS> staat meer dan {HEAD_BYTES // 1024} kB aan commentaar of instructies; "
                "zo'n bestand wordt niet gelezen. Lever het bestand zoals het softwarepakket het maakt.")
    return None

