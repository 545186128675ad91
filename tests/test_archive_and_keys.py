import os
import stat

import pytest
from cryptography.exceptions import InvalidTag

from divobench_pipeline.core.archive import CHUNK, UploadArchive, sha256_of
from divobench_pipeline.core.home import PSEUDONYM_KEY_ENV, DivobenchHome, ensure_key
from divobench_pipeline.core.pseudonym import bsn_pseudonymiser


def test_keys_are_created_once_owner_only_and_announced(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    home = DivobenchHome(tmp_path / "home")
    first = ensure_key(home, PSEUDONYM_KEY_ENV)
    path = home.keys / "divobench_pseudonym_key.key"
    assert "created a new key" in capsys.readouterr().err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.keys.stat().st_mode) == 0o700
    assert bytes.fromhex(path.read_text().strip()) == first and len(first) == 32
    os.environ.pop(PSEUDONYM_KEY_ENV)
    assert ensure_key(home, PSEUDONYM_KEY_ENV) == first
    assert capsys.readouterr().err == ""


def test_a_key_from_the_environment_wins_and_must_be_256_bits(tmp_path, monkeypatch):
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "ab" * 32)
    assert ensure_key(DivobenchHome(tmp_path), PSEUDONYM_KEY_ENV) == bytes.fromhex("ab" * 32)
    assert not (tmp_path / "keys").exists()
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "geheim")
    with pytest.raises(ValueError, match="64 hexadecimal"):
        ensure_key(DivobenchHome(tmp_path), PSEUDONYM_KEY_ENV)


def test_the_archive_keeps_content_exactly_encrypted_and_content_addressed(tmp_path):
    source = tmp_path / "upload.xml"
    content = b"<BUS>999993653</BUS>" + os.urandom(2 * CHUNK + 17)
    source.write_bytes(content)
    sha = sha256_of(source)
    archive = UploadArchive(tmp_path / "archive", os.urandom(32))
    stored = archive.put(source, sha)
    assert stored.name == f"{sha}.bus.enc" and stored.parent.name == sha[:2]
    assert b"999993653" not in stored.read_bytes()
    assert archive.read(sha) == content
    mtime = stored.stat().st_mtime_ns
    assert archive.put(source, sha) == stored and stored.stat().st_mtime_ns == mtime


def test_the_archive_refuses_a_wrong_key_or_a_tampered_file(tmp_path):
    source = tmp_path / "upload.xml"
    source.write_bytes(b"x" * 100)
    sha = sha256_of(source)
    stored = UploadArchive(tmp_path, os.urandom(32)).put(source, sha)
    with pytest.raises(InvalidTag):
        UploadArchive(tmp_path, os.urandom(32)).read(sha)
    data = bytearray(stored.read_bytes())
    data[-1] ^= 1
    stored.write_bytes(bytes(data))
    with pytest.raises(InvalidTag):
        UploadArchive(tmp_path, os.urandom(32)).read(sha)


def test_pseudonyms_are_keyed_stable_and_not_the_bsn():
    one, other = bsn_pseudonymiser(b"k" * 32), bsn_pseudonymiser(b"q" * 32)
    assert one("999993653") == one("999993653")
    assert one("999993653") != one("999990019")
    assert one("999993653") != other("999993653")
    assert len(one("999993653")) == 32 and "999993653" not in one("999993653")
