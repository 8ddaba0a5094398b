"""What a report says it describes (dicompeek.privacy.provenance)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from dicompeek import __version__
from dicompeek.privacy.provenance import Hashing, completed, describe_input, provenance

RESULT = {"profile": {"title": "Table E.1-1", "edition": "2024"}, "verdict": "No identifying data found",
          "claimed": [{"name": "Basic Application Level Confidentiality Profile", "files": 3}]}


def test_each_input_is_named_with_its_size_and_sha256_and_a_folder_with_its_size(tmp_path):
    data = bytes(range(256)) * 9000
    (tmp_path / "export.zip").write_bytes(data)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.dcm").write_bytes(b"x" * 10)
    made = provenance([str(tmp_path / "export.zip"), str(tmp_path / "folder")], RESULT,
                      now=datetime(2026, 12, 1, 10, 0, 0, 123, tzinfo=UTC))
    assert made["inputs"] == [{"name": "export.zip", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
                              {"name": "folder", "size": 10, "sha256": None, "files": 1}]
    assert made["reviewed_at"] == "2026-12-01T10:00:00Z" and made["tool"] == f"DICOM Peek {__version__}"
    assert made["table"] == "Table E.1-1 (2024)" and made["verdict"] == "No identifying data found"
    assert made["claimed"] == ["Basic Application Level Confidentiality Profile"]


def test_hashing_in_small_steps_gives_the_digest_the_report_then_reuses(tmp_path, monkeypatch):
    data = b"dicom" * 600_000  # 3 MB: several 1 MiB chunks
    path = tmp_path / "big.zip"
    path.write_bytes(data)
    hashing = Hashing([str(path)])
    steps = 1
    while not hashing.step(budget=0.0):
        steps += 1
    assert steps >= 3
    monkeypatch.setattr(hashlib, "sha256", None)  # the report must not hash the file again
    assert describe_input(str(path))["sha256"] == hashlib.new("sha256", data).hexdigest()


def test_a_file_changed_since_it_was_hashed_is_hashed_again(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"first")
    assert describe_input(str(path))["sha256"] == hashlib.sha256(b"first").hexdigest()
    path.write_bytes(b"second, longer")
    assert describe_input(str(path))["sha256"] == hashlib.sha256(b"second, longer").hexdigest()


def test_a_verdict_need_not_wait_for_the_hash_which_is_completed_for_the_report(tmp_path):
    path = tmp_path / "later.zip"
    path.write_bytes(b"not hashed yet")
    quick = provenance([str(path)], RESULT, compute=False)
    assert quick["inputs"] == [{"name": "later.zip", "size": 14, "sha256": None, "pending": True}]
    assert completed([str(path)], quick)["inputs"][0]["sha256"] == hashlib.sha256(b"not hashed yet").hexdigest()
