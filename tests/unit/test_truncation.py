"""A WebM, Ogg or MP4 cut inside its last element is refused at intake."""

from __future__ import annotations

import pytest

from lti_tool import intake
from lti_tool.storage.local import LocalStore
from lti_tool.truncation import Follower
from tests import recording_samples as rec

RECORDINGS = ("audio/webm", "audio/ogg", "audio/mp4")
WHOLE = {
    "webm": rec.webm(3.0),
    "ogg": rec.opus(2.0),
    "mp4": rec.mp4(4.5, moov_last=True),
}


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "store")


def _follow(data: bytes, piece: int) -> bool:
    follower = Follower()
    for at in range(0, len(data), piece):
        follower.feed(data[at : at + piece])
    return follower.cut_short(len(data))


@pytest.mark.parametrize("family", sorted(WHOLE))
@pytest.mark.parametrize("piece", [1, 5, 4096, 1 << 20])
def test_whole_files_walk_to_their_end_in_any_chunking(family, piece):
    assert _follow(WHOLE[family], piece) is False


@pytest.mark.parametrize("family", sorted(WHOLE))
@pytest.mark.parametrize("cut", [1, 3, 30])
def test_a_file_cut_inside_its_last_element_is_noticed(family, cut):
    assert _follow(WHOLE[family][:-cut], 4096) is True


@pytest.mark.parametrize("family", sorted(WHOLE))
def test_a_cut_recording_is_refused_and_nothing_stays(store, family):
    data = WHOLE[family][:-7]
    pieces = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    with pytest.raises(intake.IntakeRefused) as err:
        intake.receive(pieces, store, limit=10_000_000, allowed=RECORDINGS)
    assert (err.value.code, err.value.status) == ("truncated", 400)
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_structure_it_cannot_follow_is_left_alone():
    # An MP4 box of size 0 runs to the end by definition; garbage after a
    # WebM header cannot be walked. Neither is called cut.
    open_ended = rec.box(b"ftyp", b"M4A ") + b"\x00\x00\x00\x00mdat" + bytes(99)
    assert _follow(open_ended, 7) is False
    assert _follow(rec.EBML_HEADER + b"\x0b" * 500, 64) is False
