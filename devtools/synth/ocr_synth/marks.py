"""Non-typed ink beyond stamps and numbers: what every mark drawn on a page must provide."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ocr_synth.ink import InkPatch
from ocr_synth.regions import RegionType
from ocr_synth.style import RGB


class Mark(Protocol):
    """A mark on the page (round stamp, signature, underline, margin tick), drawn after typing."""

    @property
    def rgb(self) -> RGB: ...

    @property
    def region_type(self) -> RegionType: ...

    @property
    def text(self) -> str: ...

    def render(self, *, rng: np.random.Generator) -> InkPatch:
        """The mark's ink, placed on the page, with its exact outline."""
        ...
