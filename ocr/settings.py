"""One settings model, read from defaults < TOML file < OCR_* environment < CLI options."""

from __future__ import annotations

import fnmatch
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ocr.exceptions import ConfigError

OutputFormat = Literal["txt", "tsv", "hocr", "alto", "page", "pdf"]
DEFAULT_CONFIG_FILE = Path("ocr.toml")
Publication = Literal["pdf", "mets"]
PUBLICATIONS: tuple[Publication, ...] = ("pdf", "mets")


class Settings(BaseSettings):
    """Everything a run can be configured with; printed by `ocr config`."""

    model_config = SettingsConfigDict(env_prefix="OCR_", extra="forbid", frozen=True)

    languages: str = Field("rus", description="tesseract languages, e.g. 'rus' or 'rus+eng'")
    languages_by_pattern: dict[str, str] = Field(
        default_factory=dict,
        description="file-name glob -> languages, e.g. {'EHRI-*' = 'eng'}; first match wins",
    )
    dpi: int = Field(300, ge=50, le=1200, description="rendering dpi for PDFs; assumed for images without one")
    psm: int = Field(3, ge=0, le=13, description="tesseract page segmentation mode")
    oem: int = Field(1, ge=0, le=3, description="tesseract engine mode (1 = LSTM)")
    ocr_timeout: float = Field(180.0, gt=0, description="seconds before one page's tesseract is killed")
    formats: list[OutputFormat] = Field(
        default_factory=lambda: ["txt", "tsv", "hocr", "alto", "page"],
        description="OCR outputs per page; tsv is always written (word boxes)",
    )
    publish: list[Publication] = Field(
        default_factory=lambda: list(PUBLICATIONS),
        description="per document: a searchable PDF/A-2b of the original scans (<doc>.pdf) and "
        "a METS file tying pages, images, ALTO, PAGE and the PDF (<doc>.mets.xml); [] for none")
    max_pixels: int = Field(
        180_000_000, gt=0, description="largest page in pixels (decompression-bomb guard)"
    )
    remove_colour_ink: bool = Field(True, description="remove stamp-coloured ink from the OCR image")
    deskew: bool = Field(True, description="estimate and correct page skew")
    page_frame: bool = Field(
        True, description="OCR only the page's paper: crop dark bands, scanner bed, gutter and "
        "facing page (boxes stay in the scan's pixels)")
    denoise: bool = Field(True, description="remove speckle from the binarized page")
    readings: Literal["auto", "original", "processed"] = Field(
        "auto", description="what tesseract reads: the page as loaded, and the preprocessed page "
        "only when that reading is doubtful (auto); or just one of them")
    binarize: bool = Field(
        False, description="send tesseract our binarized page instead of the deskewed, "
        "background-normalised gray page (gray measured better: see README)")
    low_confidence: float = Field(60.0, ge=0, le=100, description="word confidence below this is flagged")
    reference_error_confidence: float = Field(
        85.0, ge=0, le=100,
        description="OCR differing from the reference with confidence above this: possible reference error",
    )
    detectors: list[Literal["colour_stamps", "shape_stamps", "handwriting", "unrecognised_ink"]] = Field(
        default_factory=lambda: ["colour_stamps", "shape_stamps", "handwriting", "unrecognised_ink"],
        description="image detectors whose regions are flagged for review")
    read_stamps: bool = Field(True, description="OCR each detected stamp's text separately")
    correction: Literal["off", "suggest", "apply"] = Field(
        "suggest", description="post-OCR correction of Russian text: suggestions as review flags, "
        "or also apply those above correction_threshold (written as <doc>.corrected-ocr.txt)")
    correction_threshold: float = Field(0.95, ge=0, le=1, description="score needed to apply")
    correction_profile_rounds: int = Field(
        1, ge=0, le=5, description="passes in which each text learns its own letter confusions "
        "from its surest corrections before it is corrected (0: off; each pass costs one more "
        "correction pass)")
    protected_names: list[str] = Field(
        default_factory=list, description="names never corrected (the reference's words never are)")
    crop_margin: int = Field(40, ge=0, description="pixels of context around a flag's crop")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1,
        description="pages OCRed in parallel (one single-threaded tesseract per process)",
    )
    output_dir: Path = Field(Path("out"), description="where outputs and reports are written")
    database_url: str = Field(
        "", description="SQLAlchemy URL of the results database; default sqlite:///<output_dir>/ocr.db"
    )
    scoring_profiles: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="extra folding profiles reported beside strict and archival, e.g. "
        "[ocr.scoring_profiles.pre1918] base = 'archival', replace = {'ѣ' = 'е'}")
    review_token: SecretStr = Field(
        SecretStr(""), description="token the review app requires when bound beyond 127.0.0.1"
    )

    @field_validator("languages")
    @classmethod
    def _languages_not_empty(cls, value: str) -> str:
        if not value.strip() or any(not part for part in value.split("+")):
            raise ValueError("languages must be like 'rus' or 'rus+eng'")
        return value.strip()

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


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings: defaults, then the TOML file, then OCR_* variables, then ``overrides``."""
    path = config_file
    if path is None and os.environ.get("OCR_CONFIG"):
        path = Path(os.environ["OCR_CONFIG"])
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    from_file = _read_toml(path) if path is not None else {}
    env_keys = {k[4:].lower() for k in os.environ if k.startswith("OCR_")}
    # Environment beats the file: drop file keys that the environment sets.
    merged = {k: v for k, v in from_file.items() if k not in env_keys}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**merged)
    except ValidationError as e:
        raise ConfigError(f"invalid settings: {e}") from e


def with_absolute_paths(settings: Settings) -> Settings:
    """The settings with the output folder and a SQLite database file made absolute, so that
    workers started in another folder (a Dask cluster) write where the user meant."""
    url = settings.database_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and not url.startswith(prefix + "/") \
            and not url.removeprefix(prefix).startswith(":memory:"):
        url = prefix + str(Path(url.removeprefix(prefix)).absolute())
    return settings.model_copy(update={"output_dir": settings.output_dir.absolute(),
                                       "database_url": url})


def settings_as_toml(settings: Settings) -> str:
    """Render settings as a TOML file body that :func:`load_settings` reads back."""
    lines = ["[ocr]"]
    for name, value in settings.model_dump(mode="json").items():
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
