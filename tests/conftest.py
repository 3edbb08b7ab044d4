"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from speaker import RUNNING


@pytest.fixture(autouse=True)
def _no_speaker_left_behind() -> Iterator[None]:
    """A test that fails before stopping its aiobgp process must not leave it running."""
    yield
    for speaker in list(RUNNING):
        speaker.kill()
