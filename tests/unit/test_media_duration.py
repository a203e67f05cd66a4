"""Recording length read from the stored file, format by format."""

from __future__ import annotations

import hashlib

import pytest

from lti_tool.media_duration import measure
from lti_tool.storage import content_key
from lti_tool.storage.local import LocalStore
from tests import media_samples
from tests import recording_samples as rec


class CountingStore(LocalStore):
    """A local store that counts the bytes each measurement pulls."""

    pulled = 0
    biggest_chunk = 0

    def read(self, key, start=0, end=None):
        for chunk in super().read(key, start, end):
            self.pulled += len(chunk)
            self.biggest_chunk = max(self.biggest_chunk, len(chunk))
            yield chunk


@pytest.fixture
def store(tmp_path):
    return CountingStore(tmp_path / "artefacts")


def stored(store, data: bytes) -> str:
    key = content_key(hashlib.sha256(data).hexdigest())
    pending = store.begin()
    pending.write(data)
    pending.commit(key)
    return key


def seconds(store, data: bytes, media_type: str):
    return measure(store, stored(store, data), len(data), media_type)


def test_wav_length_from_data_size_and_byte_rate(store):
    assert seconds(store, media_samples.wav(2.5, rate=8000), "audio/wav") == 2.5


def test_wav_streamed_with_an_unset_data_size_counts_to_the_end(store):
    data = bytearray(media_samples.wav(1.0, rate=8000))
    at = data.index(b"data")
    data[at + 4 : at + 8] = b"\xff\xff\xff\xff"
    assert seconds(store, bytes(data), "audio/wav") == 1.0


def test_opus_length_is_last_granule_less_pre_skip_at_48_khz(store):
    assert seconds(store, rec.opus(3.25), "audio/ogg") == 3.25


def test_vorbis_skips_a_last_page_without_a_time(store):
    assert seconds(store, rec.vorbis(2.0, rate=44_100), "audio/ogg") == 2.0


@pytest.mark.parametrize("version", [0, 1])
def test_m4a_length_from_the_movie_header(store, version):
    data = rec.mp4(4.5, version=version)
    assert seconds(store, data, "audio/mp4") == 4.5
    # Box headers only: the media data in between is never read.
    assert store.pulled < 1024 < len(data)


@pytest.mark.parametrize(("stated", "samples"), [(4.5, 300.0), (600.0, 4.5)])
def test_mp4_header_that_disagrees_with_the_samples_is_unknown(store, stated, samples):
    data = rec.mp4(stated, samples=samples)
    assert seconds(store, data, "audio/mp4") is None


def test_mp4_without_a_sample_table_is_unknown(store):
    data = rec.box(b"ftyp", b"M4A ") + rec.box(b"moov", rec.mvhd(600, 2700))
    assert seconds(store, data, "audio/mp4") is None


def test_fragmented_mp4_uses_the_fragment_duration(store):
    assert seconds(store, rec.fragmented_mp4(7.2), "video/mp4") == 7.2


def test_webm_from_mediarecorder_walks_to_the_last_block(store):
    data = rec.webm(2.5)
    assert b"\x44\x89" not in data  # no Duration element, as Chrome writes
    assert seconds(store, data, "audio/webm") == 2.5


def test_webm_with_a_duration_element_that_agrees_takes_the_larger(store):
    assert seconds(store, rec.webm(6.0, declared=6.5), "video/webm") == 6.5


@pytest.mark.parametrize(("blocks", "declared"), [(1.0, 6.0), (600.0, 60.0)])
def test_webm_duration_element_that_disagrees_with_the_blocks_is_unknown(
    store, blocks, declared
):
    data = rec.webm(blocks, declared=declared)
    assert seconds(store, data, "audio/webm") is None


def test_wav_byte_rate_must_match_sample_rate_and_frame_size(store):
    data = bytearray(media_samples.wav(2.0, rate=8000))
    at = data.index(b"fmt ")
    # Claim eight times the real byte rate: the take would look 0.25 s long.
    data[at + 16 : at + 20] = (8 * 16_000).to_bytes(4, "little")
    assert seconds(store, bytes(data), "audio/wav") is None


def test_wav_data_size_past_the_end_of_the_file_is_unknown(store):
    data = bytearray(media_samples.wav(2.0, rate=8000))
    at = data.index(b"data")
    data[at + 4 : at + 8] = (10 * 32_000).to_bytes(4, "little")
    assert seconds(store, bytes(data), "audio/wav") is None


def test_webm_long_take_streams_in_store_chunks(store):
    data = rec.webm(600.0)  # ten minutes of 20 ms frames
    assert len(data) > 1024 * 1024  # more than one chunk of the store
    assert seconds(store, data, "audio/webm") == 600.0
    assert store.biggest_chunk <= 1024 * 1024


def test_truncated_webm_counts_the_blocks_that_arrived(store):
    data = rec.webm(5.0)
    assert seconds(store, data[: len(data) // 2 + 7], "audio/webm") == pytest.approx(
        2.5, abs=0.05
    )


@pytest.mark.parametrize(("id3v2", "id3v1"), [(False, False), (True, True)])
def test_mp3_length_counts_every_frame(store, id3v2, id3v1):
    data = rec.mp3(2.4, id3v2=id3v2, id3v1=id3v1)
    assert seconds(store, data, "audio/mpeg") == 2.4


def test_mp3_long_take_streams_across_store_chunks(store):
    data = rec.mp3(120.0)
    assert len(data) > 1024 * 1024 and (1024 * 1024) % len(rec.MP3_FRAME)
    assert seconds(store, data, "audio/mpeg") == 120.0
    assert store.biggest_chunk <= 1024 * 1024


def test_mp3_cut_last_frame_counts_only_whole_frames(store):
    data = rec.mp3(2.4)[:-100]
    assert seconds(store, data, "audio/mpeg") == 2.376


def test_mp3_with_garbage_between_frames_is_unknown(store):
    data = rec.mp3(1.2) + bytes(500) + rec.mp3(1.2)
    assert seconds(store, data, "audio/mpeg") is None


@pytest.mark.parametrize(
    "data, media_type",
    [
        (media_samples.webm(), "audio/webm"),  # header and filler, no blocks
        (b"OggS" + bytes(100), "audio/ogg"),
        (b"RIFF\x00\x00\x00\x00WAVEjunk", "audio/wav"),
        (rec.box(b"ftyp", b"M4A ") + rec.box(b"mdat", bytes(10)), "audio/mp4"),
        (b"\xff\xfb\x90\x00" + bytes(500), "audio/mpeg"),  # one frame, then zeros
        (b"%PDF-1.4\n", "application/pdf"),
    ],
)
def test_unknown_or_unreadable_length_is_none(store, data, media_type):
    assert seconds(store, data, media_type) is None
