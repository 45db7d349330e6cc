"""Compressed uploads (core/profiling/archives.py): every compression unpacks to the same
bytes, bombs are refused by size or by ratio before they are unpacked whole, and zips are
told from workbooks and from archives of several tables."""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from core.profiling import InputRejected, Limits, RejectCode
from core.profiling.archives import RATIO_FLOOR, unpack
from tests.fixtures.uploads import zip_of

LIMITS = Limits(max_columns=2000, max_xlsx_uncompressed_bytes=32 << 20, max_column_name_length=255)
TABLE = b"city,n\n" + b"".join(b"city%d,%d\n" % (i, i) for i in range(1000))


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "zstd": zstandard.ZstdCompressor().compress,
    "zip": lambda data: zip_of({"data.csv": data}),
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    (tmp_path / "out").mkdir(exist_ok=True)
    return path


@pytest.mark.parametrize("compression", COMPRESSORS)
def test_each_compression_unpacks_to_the_same_bytes(tmp_path: Path, compression: str) -> None:
    path = _write(tmp_path, "data.csv.x", COMPRESSORS[compression](TABLE))
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.compression == compression
        assert unpacked.path.read_bytes() == TABLE
        assert unpacked.unpacked_bytes == len(TABLE)
    assert not unpacked.path.exists()  # removed once validated


def test_multi_member_gzip_is_read_to_the_end(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv.gz", gzip.compress(TABLE[:100]) + gzip.compress(TABLE[100:]))
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.path.read_bytes() == TABLE


def test_plain_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", TABLE)
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.path == path and unpacked.compression is None
    assert path.exists()


@pytest.mark.parametrize("compression", COMPRESSORS)
def test_ratio_bomb_is_refused_and_nothing_stays(tmp_path: Path, compression: str) -> None:
    # 96 MB of zeros packs into a few hundred KB at most: far beyond a 250:1 ratio.
    bomb = COMPRESSORS[compression](b"a\n" + b"0" * (RATIO_FLOOR + (32 << 20)))
    path = _write(tmp_path, "bomb.csv.x", bomb)
    with pytest.raises(InputRejected) as caught:
        unpack(path, limits=LIMITS, out_dir=tmp_path / "out")
    assert caught.value.code == RejectCode.DECOMPRESSION_LIMIT
    assert "times its compressed size" in caught.value.message
    assert list((tmp_path / "out").iterdir()) == []


def test_absolute_bound_is_refused(tmp_path: Path) -> None:
    limits = Limits(
        max_columns=10,
        max_xlsx_uncompressed_bytes=1,
        max_column_name_length=255,
        max_decompressed_bytes=len(TABLE) - 1,
    )
    path = _write(tmp_path, "a.csv.gz", gzip.compress(TABLE))
    with pytest.raises(InputRejected) as caught:
        unpack(path, limits=limits, out_dir=tmp_path / "out")
    assert caught.value.code == RejectCode.DECOMPRESSION_LIMIT
    assert "the most Sluice unpacks from one upload" in caught.value.message


def test_small_repetitive_file_is_not_a_bomb(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1,2\n" * 1_000_000  # 4 MB, packs about 1,000 times
    path = _write(tmp_path, "a.csv.gz", gzip.compress(data))
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.unpacked_bytes == len(data)


@pytest.mark.parametrize("compression", ["gzip", "bzip2", "xz", "zstd"])
def test_cut_short_is_damaged(tmp_path: Path, compression: str) -> None:
    packed = COMPRESSORS[compression](TABLE * 20)
    path = _write(tmp_path, "a.csv.x", packed[: len(packed) // 2])
    with pytest.raises(InputRejected) as caught:
        unpack(path, limits=LIMITS, out_dir=tmp_path / "out")
    assert caught.value.code == RejectCode.UNSUPPORTED_FORMAT
    assert "damaged or cut short" in caught.value.message


def test_zip_with_several_tables_lists_them(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.zip", zip_of({"a.csv": TABLE, "b.json": b"[]", "README": b"x"}))
    with pytest.raises(InputRejected) as caught:
        unpack(path, limits=LIMITS, out_dir=tmp_path / "out")
    assert caught.value.code == RejectCode.ARCHIVE_HAS_SEVERAL_TABLES
    assert "'a.csv', 'b.json'" in caught.value.message


def test_zip_takes_the_one_table_beside_notes(tmp_path: Path) -> None:
    members = {"export/data.csv": TABLE, "export/README.md": b"notes", "__MACOSX/._x": b"x"}
    path = _write(tmp_path, "a.zip", zip_of(members))
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.member == "export/data.csv"
        assert unpacked.path.read_bytes() == TABLE


def test_workbook_is_not_unpacked(tmp_path: Path) -> None:
    path = _write(tmp_path, "book.bin", zip_of({"[Content_Types].xml": b"<Types/>", "xl/a": b""}))
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.path == path and unpacked.compression is None


def test_compressed_twice_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv.gz.gz", gzip.compress(gzip.compress(TABLE)))
    with pytest.raises(InputRejected) as caught:
        unpack(path, limits=LIMITS, out_dir=tmp_path / "out")
    assert "another gzip-compressed file" in caught.value.message


def test_zstd_frames_with_checksums_and_skippable_frames(tmp_path: Path) -> None:
    checked = zstandard.ZstdCompressor(write_checksum=True, write_content_size=False)
    skippable = (0x184D2A50).to_bytes(4, "little") + (3).to_bytes(4, "little") + b"abc"
    data = (
        checked.compress(TABLE[:500]) + skippable + zstandard.ZstdCompressor().compress(TABLE[500:])
    )
    path = _write(tmp_path, "a.csv.zst", data)
    with unpack(path, limits=LIMITS, out_dir=tmp_path / "out") as unpacked:
        assert unpacked.path.read_bytes() == TABLE
    path.write_bytes(data[:-1])
    with pytest.raises(InputRejected, match="cut short"):
        unpack(path, limits=LIMITS, out_dir=tmp_path / "out")
