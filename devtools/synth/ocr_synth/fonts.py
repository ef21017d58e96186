"""Typewriter and stamp fonts with Cyrillic, found on the system by file name."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont

from ocr.exceptions import ExitCode, OcrError

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local" / "share" / "fonts",
    Path.home() / ".fonts",
)

# Monospace faces with full Cyrillic and the numero sign; all have a 0.6 or 0.525 em advance.
TYPEWRITER_FONTS: dict[str, str] = {
    "freemono": "FreeMono.ttf",  # fonts-freefont-ttf: Courier-like slab serif
    "ptmono": "PTM55F.ttf",  # fonts-paratype: PT Mono Regular
    "cmu-typewriter": "cmuntt.ttf",  # fonts-cmu: CMU Typewriter Text
}
# More faces for synthetic benchmarks, kept apart so that seeded choices among the three above
# (sample_style, font=None) stay as they were.
EXTRA_TYPEWRITER_FONTS: dict[str, str] = {
    "freemono-bold": "FreeMonoBold.ttf",  # a heavy ribbon on a Courier-like face
    "ptmono-bold": "PTM75F.ttf",  # fonts-paratype: PT Mono Bold
    "cmu-typewriter-slanted": "cmunst.ttf",  # fonts-cmu: a slanted typeface of the same machine
    "dejavu-mono": "DejaVuSansMono.ttf",  # fonts-dejavu-core: a sans typewriter (later machines)
}
# Faces kept for sealed evaluation sets (bench/correct_split.py, sealed E to I): never drawn
# by a default choice (available_typewriter_fonts), so no tuning set ever renders them.
SEALED_TYPEWRITER_FONTS: dict[str, str] = {
    "cmu-typewriter-bold": "cmuntb.ttf",  # fonts-cmu: CMU Typewriter Text Bold
    "freemono-oblique": "FreeMonoOblique.ttf",  # fonts-freefont-ttf: an oblique Courier-like face
    # sealed F's (bench/correct_split.py): rendered by no other set
    "dejavu-mono-oblique": "DejaVuSansMono-Oblique.ttf",  # fonts-dejavu-core: an oblique sans
    "freemono-bold-oblique": "FreeMonoBoldOblique.ttf",  # fonts-freefont-ttf: heavy and oblique
    # sealed G's (bench/correct_split.py): rendered by no other set
    "dejavu-mono-bold": "DejaVuSansMono-Bold.ttf",  # fonts-dejavu-core: a heavy sans
    "cmu-typewriter-italic": "cmunit.ttf",  # fonts-cmu: CMU Typewriter Text Italic
    # sealed H's (bench/correct_split.py): rendered by no other set
    "cmu-typewriter-light": "cmunbtl.ttf",  # fonts-cmu: CMU Typewriter Text Light, a thin face
    "dejavu-mono-bold-oblique": "DejaVuSansMono-BoldOblique.ttf",  # fonts-dejavu-core
    # sealed I's (bench/correct_split.py): rendered by no other set
    "cmu-typewriter-light-oblique": "cmunbto.ttf",  # fonts-cmu: CMU Typewriter Light Oblique
    "cmu-typewriter-bold-italic": "cmuntx.ttf",  # fonts-cmu: CMU Typewriter Text Bold Italic
}
STAMP_FONTS: dict[str, str] = {
    "ptsans-bold": "PTS75F.ttf",
    "freesans-bold": "FreeSansBold.ttf",
    "ptsans-caption": "PTC75F.ttf",
}


class FontNotFoundError(OcrError):
    exit_code = ExitCode.missing_dependency
    message = (
        "a font for synthetic rendering is missing; install fonts-freefont-ttf, fonts-paratype "
        "and fonts-cmu"
    )


@cache
def find_font(file_name: str) -> Path:
    """The first installed font file called ``file_name`` in the usual font folders."""
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in sorted(folder.rglob(file_name)):
                return path
    searched = ", ".join(map(str, FONT_DIRS))
    raise FontNotFoundError(f"font file {file_name} not found under {searched}")


def available_typewriter_fonts(*, extra: bool = False) -> tuple[str, ...]:
    """Names of the typewriter fonts installed here, in a fixed order (for seeded choice)."""
    names = []
    faces = {**TYPEWRITER_FONTS, **EXTRA_TYPEWRITER_FONTS} if extra else TYPEWRITER_FONTS
    for name, file_name in faces.items():
        try:
            find_font(file_name)
        except FontNotFoundError:
            continue
        names.append(name)
    return tuple(names)


@lru_cache(maxsize=64)
def typewriter_font(name: str, *, pitch_px: int) -> ImageFont.FreeTypeFont:
    """The font ``name`` sized so that one character advance equals ``pitch_px``."""
    faces = {**TYPEWRITER_FONTS, **EXTRA_TYPEWRITER_FONTS, **SEALED_TYPEWRITER_FONTS}
    if name not in faces:
        raise FontNotFoundError(f"unknown typewriter font {name!r}; choose from {sorted(faces)}")
    path = find_font(faces[name])
    probe = ImageFont.truetype(str(path), 1000)
    advance_em = probe.getlength("M") / 1000
    return ImageFont.truetype(str(path), round(pitch_px / advance_em))


@lru_cache(maxsize=64)
def stamp_font(name: str, *, size_px: int) -> ImageFont.FreeTypeFont:
    """A bold sans face for rubber-stamp lettering."""
    if name not in STAMP_FONTS:
        raise FontNotFoundError(f"unknown stamp font {name!r}; choose from {sorted(STAMP_FONTS)}")
    return ImageFont.truetype(str(find_font(STAMP_FONTS[name])), size_px)
