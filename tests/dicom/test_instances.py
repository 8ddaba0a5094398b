"""Whole instances read on demand (dicompeek.dicom.instances) and the one cache the viewer and the
tag browser share (dicompeek.dicom.cache)."""

from __future__ import annotations

import pydicom
import pytest
from pydicom.dataelem import RawDataElement

from dicompeek.dicom import cache as cache_module
from dicompeek.dicom import instances
from dicompeek.dicom.cache import InstanceCache
from dicompeek.dicom.errors import Unreadable
from dicompeek.dicom.instances import Instance, read, read_instance
from dicompeek.index.indexer import Index
from dicompeek.pixels.viewer import Viewer
from dicompeek.tags.browser import TagBrowser
from dicompeek_synthetic import dataset_bytes
from registry import deflated_bytes, small_dataset


@pytest.fixture
def indexed(tmp_path):
    """An index of two files: an intact one, and one with a megabyte of zeros after its data."""
    (tmp_path / "IM1").write_bytes(dataset_bytes(small_dataset(rows=8, columns=8, patient_id="ONE")))
    (tmp_path / "IM2").write_bytes(dataset_bytes(small_dataset(rows=8, columns=8, patient_id="TWO")) + bytes(1 << 20))
    index = Index()
    index.add([str(tmp_path / "IM1"), str(tmp_path / "IM2")])
    index.run()
    yield index
    index.close()


def test_an_instance_holds_its_dataset_what_reading_read_past_and_its_elements_as_stored(indexed):
    intact, junk = indexed.sources.entries
    first = read(intact)
    assert isinstance(first, Instance) and first.pixels and first.notes == ()
    assert first.dataset.PatientID == "ONE" and len(first.dataset.PixelData) == 8 * 8 * 2
    header = read(junk, pixels=False)
    assert not header.pixels and "PixelData" not in header.dataset and header.notes == ()  # stops before
    second = read(junk)
    (note,) = second.notes
    assert note.startswith("element (0000,0000) repeats at byte ") and note.endswith("(it is not DICOM)")
    assert second.dataset.PatientID == "TWO"  # converted in the dataset...
    assert isinstance(second.stored[pydicom.tag.Tag("PatientID")], RawDataElement)  # ...not as stored


def test_read_instance_gives_the_dataset_by_position(indexed):
    assert read_instance(indexed, 1, pixels=False).PatientID == "TWO"


def test_what_cannot_be_read_is_unreadable_with_the_reason(indexed, monkeypatch):
    monkeypatch.setattr(instances, "WHOLE_FILE_LIMIT", 100)
    with pytest.raises(Unreadable, match=r"^the file is 0 MB; files over 0 MB are not read whole$"):
        read(indexed.sources.entries[0])
    assert read(indexed.sources.entries[0], pixels=False).dataset.PatientID == "ONE"


def test_a_deflated_dataset_past_the_limit_is_not_read_whole(tmp_path, monkeypatch):
    (tmp_path / "deflated.dcm").write_bytes(deflated_bytes(small_dataset(rows=64, columns=64)))
    index = Index()
    index.add([str(tmp_path / "deflated.dcm")])
    index.run()
    try:
        (entry,) = index.sources.entries
        whole = read(entry)
        assert whole.notes == () and len(whole.dataset.PixelData) == 64 * 64 * 2
        assert whole.dataset.file_meta.TransferSyntaxUID == pydicom.uid.DeflatedExplicitVRLittleEndian
        monkeypatch.setattr(instances, "WHOLE_FILE_LIMIT", 4096)
        with pytest.raises(Unreadable, match=r"^the deflated data inflates to more than 0 MB$"):
            read(entry)
    finally:
        index.close()


def test_the_viewer_and_the_tag_browser_read_a_file_once_through_their_cache(indexed, monkeypatch):
    reads = []

    def counted(entry, *, pixels):
        reads.append(entry.path)
        return read(entry, pixels=pixels)

    monkeypatch.setattr(cache_module, "read", counted)
    cache = InstanceCache(indexed)
    viewer, tags = Viewer(indexed, cache), TagBrowser(indexed, cache)
    assert "error" not in viewer.render(0, 0)[0]
    assert tags.header(0)["count"] > 10 and tags.dump(0)["text"] and tags.dicom_json(0)["text"]
    assert "error" not in viewer.render(0, 0)[0]
    assert len(reads) == 1


def test_the_tag_tree_says_where_reading_stopped(indexed):
    """The Instance's notes reach the last element of the tree (the transitional bridge)."""
    tree = TagBrowser(indexed).header(1)
    assert "repeats at byte" in tree["elements"][-1]["warning"]


def test_the_cache_keeps_files_within_its_budget(indexed):
    cache = InstanceCache(indexed, budget=1)
    first = cache.get(0)
    assert cache.get(0) is first  # the last one is kept, whatever its size
    cache.get(1)
    assert cache.get(0) is not first  # the first was let go for the second, and read again


def test_a_header_is_read_again_from_just_the_prefix_indexing_found_it_in(tmp_path, monkeypatch):
    """Indexing records where each header ends; reading the header again (the privacy review)
    reads that far, not 64 or 256 KiB, and gives the same dataset, a header past 64 KiB included."""
    big = small_dataset(rows=64, columns=64, patient_id="BIG")
    big.ImageComments = "x" * 100_000  # a header longer than the first default prefix
    (tmp_path / "BIG").write_bytes(dataset_bytes(big))
    (tmp_path / "SMALL").write_bytes(dataset_bytes(small_dataset(rows=64, columns=64, patient_id="SMALL")))
    index = Index()
    try:
        index.add([str(tmp_path / "BIG"), str(tmp_path / "SMALL")])
        index.run()
        asked: list[int] = []
        monkeypatch.setattr(instances, "Reading", _counting(asked))
        for record in index.dicom:
            assert record.header_length is not None and record.header_length < record.size
            hinted = read_instance(index, record.entry, pixels=False, header_length=record.header_length)
            assert asked[-1] == record.header_length + instances.PAST_HEADER  # one read, of just the header
            plain = read_instance(index, record.entry, pixels=False)
            assert hinted == plain and "PixelData" not in hinted
    finally:
        index.close()


def _counting(asked: list[int]) -> type[instances.Reading]:
    """``Reading`` that notes how far each read of an entry first reads."""
    class Counting(instances.Reading):
        def __init__(self, entry: instances.Source, first: int) -> None:
            asked.append(first)
            super().__init__(entry, first)
    return Counting
