"""One settings model, read from defaults < TOML file < OCR_* environment < CLI options."""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ocr.exceptions import ConfigError

OutputFormat = Literal["txt", "tsv", "hocr", "alto", "page", "pdf"]
DEFAULT_FORMATS: tuple[OutputFormat, ...] = ("txt", "tsv", "hocr", "alto", "page")
Detector = Literal["colour_stamps", "shape_stamps", "handwriting", "unrecognised_ink"]
DETECTORS: tuple[Detector, ...] = get_args(Detector)
DEFAULT_CONFIG_FILE = Path("ocr.toml")
Publication = Literal["pdf", "mets"]
PUBLICATIONS: tuple[Publication, ...] = ("pdf", "mets")
# The settings that shape each stage's outputs (its cache key and the provenance it records).
PREPROCESS_SETTINGS = (
    "deskew",
    "denoise",
    "remove_colour_ink",
    "binarize",
    "dpi",
    "max_pixels",
    "page_frame",
)
OCR_SETTINGS = (
    "psm",
    "oem",
    "formats",
    "detectors",
    "read_stamps",
    "stamp_words",
    "low_confidence",
    "readings",
    "reread_lines",
)
FLAG_SETTINGS = (
    "low_confidence",
    "reference_error_threshold",
    "crop_margin",
    "scoring_profiles",
    "correction",
    "correction_threshold",
    "correction_profile_rounds",
    "protected_names",
)


def not_a_database_url(value: str) -> str:
    """What is wrong with ``value`` as a results database URL ("" if nothing: a URL or unset),
    with the URL to give instead."""
    if not value or "://" in value:
        return ""
    return (
        f"is not a database URL: give a SQLAlchemy URL such as sqlite:///{value} (a SQLite "
        "file) or postgresql+psycopg://user@host/dbname"
    )


class Settings(BaseSettings):
    """Everything a run can be configured with; printed by `ocr config`."""

    model_config = SettingsConfigDict(env_prefix="OCR_", extra="forbid", frozen=True)

    languages: str = Field("rus", description="tesseract languages, e.g. 'rus' or 'rus+eng'")
    languages_by_pattern: dict[str, str] = Field(
        default_factory=dict,
        description="file-name glob -> languages, e.g. {'EHRI-*' = 'eng'}; first match wins",
    )
    dpi: int = Field(
        300, ge=50, le=1200, description="rendering dpi for PDFs; assumed for images without one"
    )
    psm: int = Field(3, ge=0, le=13, description="tesseract page segmentation mode")
    oem: int = Field(1, ge=0, le=3, description="tesseract engine mode (1 = LSTM)")
    ocr_timeout: float = Field(
        180.0, gt=0, description="seconds before one page's tesseract is killed"
    )
    formats: list[OutputFormat] = Field(
        default_factory=lambda: list(DEFAULT_FORMATS),
        description="OCR outputs per page; tsv is always written (word boxes)",
    )
    publish: list[Publication] = Field(
        default_factory=lambda: list(PUBLICATIONS),
        description="per document: a searchable PDF/A-2b of the original scans (<doc>.pdf) and "
        "a METS file tying pages, images, ALTO, PAGE and the PDF (<doc>.mets.xml); [] for none",
    )
    max_pixels: int = Field(
        180_000_000, gt=0, description="largest page in pixels (decompression-bomb guard)"
    )
    remove_colour_ink: bool = Field(
        True, description="remove stamp-coloured ink from the OCR image"
    )
    deskew: bool = Field(True, description="estimate and correct page skew")
    page_frame: bool = Field(
        True,
        description="OCR only the page's paper: crop dark bands, scanner bed, gutter and "
        "facing page (boxes stay in the scan's pixels)",
    )
    denoise: bool = Field(True, description="remove speckle from the binarized page")
    readings: Literal["auto", "original", "processed"] = Field(
        "auto",
        description="what tesseract reads: the page as loaded, and the preprocessed page "
        "only when that reading is doubtful (auto); or just one of them",
    )
    reread_lines: bool = Field(
        True,
        description="read again, one by one and binarised, the lines holding a word of "
        "confidence under low_confidence; keep a line's new reading where it looks better",
    )
    binarize: bool = Field(
        False,
        description="send tesseract our binarized page instead of the deskewed, "
        "background-normalised gray page (gray measured better: see README)",
    )
    low_confidence: float = Field(
        60.0, ge=0, le=100, description="word confidence below this is flagged"
    )
    reference_error_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="probability above which a disagreement is a possible reference error "
        "(ocr.triage's model; unset: the threshold the model was calibrated with)",
    )
    detectors: list[Detector] = Field(
        default_factory=lambda: list(DETECTORS),
        description="image detectors whose regions are flagged for review",
    )
    read_stamps: bool = Field(True, description="OCR each detected stamp's text separately")
    stamp_words: Literal["stamp", "body"] = Field(
        "stamp",
        description="where a stamp's own words go: to the stamp's transcription (its region "
        "text, PAGE region, review item) or kept in the page's text as tesseract read them "
        "(for references that transcribe stamps, e.g. a registry stamp's number and date)",
    )
    correction: Literal["off", "suggest", "apply"] = Field(
        "suggest",
        description="post-OCR correction of Russian text: suggestions as review flags, "
        "or also apply those above correction_threshold (written as <doc>.corrected-ocr.txt)",
    )
    correction_threshold: float = Field(0.95, ge=0, le=1, description="score needed to apply")
    correction_profile_rounds: int = Field(
        1,
        ge=0,
        le=5,
        description="passes in which each text learns its own letter confusions "
        "from its surest corrections before it is corrected (0: off; each pass costs one more "
        "correction pass)",
    )
    protected_names: list[str] = Field(
        default_factory=list, description="names never corrected (the reference's words never are)"
    )
    crop_margin: int = Field(40, ge=0, description="pixels of context around a flag's crop")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="pages OCRed in parallel (one single-threaded tesseract per process)",
    )
    output_dir: Path = Field(Path("out"), description="where outputs and reports are written")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the results database; default sqlite:///<output_dir>/ocr.db",
    )
    scoring_profiles: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="extra folding profiles reported beside strict and archival, e.g. "
        "[ocr.scoring_profiles.pre1918] base = 'archival', replace = {'ѣ' = 'е'}",
    )
    review_token: SecretStr = Field(
        SecretStr(""), description="token the review app requires when bound beyond 127.0.0.1"
    )

    @field_validator("languages")
    @classmethod
    def _languages_not_empty(cls, value: str) -> str:
        if not value.strip() or any(not part for part in value.split("+")):
            raise ValueError("languages must be like 'rus' or 'rus+eng'")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database_url_is_a_url(cls, value: str) -> str:
        if problem := not_a_database_url(value):
            raise ValueError(f"database_url {value!r} {problem}")
        return value

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the output folder."""
        return self.database_url or f"sqlite:///{(self.output_dir / 'ocr.db').resolve()}"

    def languages_for(self, name: str) -> str:
        """Languages for a scan file name: the first matching pattern, else the default."""
        for pattern, langs in self.languages_by_pattern.items():
            if fnmatch.fnmatch(name, pattern):
                return langs
        return self.languages

    def profiles(self) -> list[Any]:
        """Folding profiles for reports: strict, archival, then the user's."""
        from ocr.folding import load_profiles, resolve_profiles

        known = load_profiles({"profiles": self.scoring_profiles})
        return resolve_profiles(["archival", *self.scoring_profiles], known)

    def fingerprint(self, *fields: str) -> dict[str, Any]:
        """The named settings as plain JSON values, for provenance and cache keys."""
        dumped = self.model_dump(mode="json")
        return {name: dumped[name] for name in fields}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # CLI options (init) beat the environment, which beats the TOML file (also passed as init,
        # merged below by load_settings).
        return (init_settings, env_settings)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read settings file: {e}", path=path) from e
    # Accept both a flat file and one with an [ocr] table.
    return dict(data.get("ocr", data))


@dataclass(frozen=True)
class ConfigSource:
    """Which settings file was read (None: none, the defaults) and how it was found."""

    path: Path | None
    how: str

    def describe(self) -> str:
        """One line for the user: the file and why that one."""
        if self.path is None:
            return f"settings: defaults ({self.how})"
        return f"settings: {self.path} ({self.how})"


def _upward(start: Path) -> Path | None:
    """The nearest ocr.toml in ``start`` or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def find_config(
    config_file: Path | None = None, *, scans: Sequence[Path] = (), cwd: Path | None = None
) -> ConfigSource:
    """The settings file to read: --config, else $OCR_CONFIG, else the nearest ocr.toml in the
    working directory or above, else the nearest in a scan's folder or above (so the project's
    file is found from any working directory the user runs in or names)."""
    if config_file is not None:
        return ConfigSource(Path(config_file), "given with --config")
    if os.environ.get("OCR_CONFIG"):
        return ConfigSource(Path(os.environ["OCR_CONFIG"]), "named by OCR_CONFIG")
    here = (cwd or Path.cwd()).resolve()
    if (found := _upward(here)) is not None:
        return ConfigSource(found, f"found from the working directory {here}")
    for scan in scans:
        start = Path(scan).resolve()
        start = start if start.is_dir() else start.parent
        if (found := _upward(start)) is not None:
            return ConfigSource(found, f"found from the scans' folder {start}")
    where = "the working directory" + (" or the scans' folders" if scans else "")
    return ConfigSource(None, f"no {DEFAULT_CONFIG_FILE} in {where} or above")


def load_settings(
    config_file: Path | None = None, *, scans: Sequence[Path] = (), **overrides: Any
) -> Settings:
    """Build settings: defaults, then the TOML file (see find_config), then OCR_* variables,
    then ``overrides``."""
    return load_settings_from(find_config(config_file, scans=scans), **overrides)


def load_settings_from(source: ConfigSource, **overrides: Any) -> Settings:
    """Settings from a found file (or none), the OCR_* environment and ``overrides``."""
    from_file = _read_toml(source.path) if source.path is not None else {}
    env_keys = {k[4:].lower() for k in os.environ if k.startswith("OCR_")}
    # Environment beats the file: drop file keys that the environment sets.
    merged = {k: v for k, v in from_file.items() if k not in env_keys}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**merged)
    except ValidationError as e:
        where = f" (from {source.path})" if source.path else ""
        raise ConfigError(f"invalid settings{where}: {e}") from e


def with_absolute_paths(settings: Settings) -> Settings:
    """The settings with the output folder and a SQLite database file made absolute, so that
    workers started in another folder (a Dask cluster) write where the user meant."""
    url = settings.database_url
    prefix = "sqlite:///"
    if (
        url.startswith(prefix)
        and url != prefix
        and not url.startswith(prefix + "/")
        and not url.removeprefix(prefix).startswith(":memory:")
    ):
        url = prefix + str(Path(url.removeprefix(prefix)).absolute())
    return settings.model_copy(
        update={"output_dir": settings.output_dir.absolute(), "database_url": url}
    )


def settings_as_toml(settings: Settings, *, source: ConfigSource | None = None) -> str:
    """Render the effective settings as a TOML file body that :func:`load_settings` reads back
    (database_url as the URL it comes to; an unset optional setting as a comment)."""
    lines = [f"# {source.describe()}"] if source is not None else []
    lines.append("[ocr]")
    values = settings.model_dump(mode="json") | {"database_url": settings.db_url}
    for name, value in values.items():
        if value is None:
            lines.append(f"# {name} is unset: {Settings.model_fields[name].description}")
        else:
            lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else _toml_value(key)
