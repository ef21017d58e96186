"""Benchmark post-OCR correction: CER before/after `apply` on Komi lines and degraded Russian pages."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr.correct import (  # noqa: E402
    ConfusionTable,
    Correction,
    apply,
    confusions_from_counts,
    counts_from_pairs,
    letter_counts,
    load_confusions,
)
from ocr.correct.choices import text_choices  # noqa: E402
from ocr.correct.layout import Layout, text_layout  # noqa: E402
from ocr.score import character_error_rate, normalise, split_grapheme_clusters  # noqa: E402

BENCH = ROOT / "bench"
SYNTH_DATA = BENCH / "data"  # the `ocr synth` set of `make bench` (bench/run_bench.py)
WORK = BENCH / "work"  # gitignored: OCR text and pipeline stage caches
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "ivanov-journal-1955-12-24.txt"
KOMI = SHARED / "realdata" / "komi-vyl-tujod-1939" / "1939_09"
FONT = Path("/usr/share/fonts/truetype/freefont/FreeMono.ttf")
DPI = 300
# The typescript's readings where the archive's transcription is wrong (shared/seed/NOTES.md).
SEED_FIXES = {"Метров": "Петров", "Лхенъян": "Пхеньян", "млрдруб.": "млрд. руб."}
# Names the user would list for this document: they must come out as they went in.
NAMES = ("Сунцов", "Сунцовым", "Серегин", "Нам Ир", "Нам Ира", "Нам Иром", "Пхеньян", "Хамкына",
         "Хыннама", "Понгуна", "Гротеволь", "Фишер", "Фишера", "Ким Ир Сёну", "Ковалеву",
         "Лебедева", "Андреева", "Белова", "Григорьевой", "Семенова", "Никитина", "Кирова")

# Text composed for the benchmark in the register of 1950s Soviet paperwork (not from any archive).
COMPOSED = """\
Во исполнение постановления Совета Министров СССР от 14 марта 1955 года областное управление сельского хозяйства провело проверку работы машинно-тракторных станций и колхозов района.
Проверкой установлено, что план весеннего сева выполнен на 87 процентов, причем отдельные колхозы до настоящего времени не приступили к посеву яровых культур.
Председатели правлений колхозов имени Кирова и «Красный пахарь» не обеспечили своевременный ремонт тракторов, комбайнов и прицепного инвентаря.
В связи с изложенным предлагается заслушать на заседании бюро райкома отчеты руководителей хозяйств о принятых мерах.
Директору машинно-тракторной станции тов. Ковалеву поручено в десятидневный срок представить план устранения недостатков.
Зав. отделом кадров тов. Лебедева доложила, что укомплектованность механизаторскими кадрами составляет восемьдесят два процента.
Необходимо организовать курсы трактористов при районной школе механизации и обеспечить слушателей общежитием и питанием.
Секретарь парткома отметил слабую постановку политико-массовой работы среди колхозников в период уборочной кампании.
Комиссия в составе тт. Андреева, Белова и Григорьевой рассмотрела жалобу рабочих лесозаготовительного участка на несвоевременную выплату заработной платы.
Жалоба признана обоснованной, бухгалтерии треста дано указание произвести расчет с рабочими не позднее первого числа следующего месяца.
Согласно докладной записке начальника строительного управления, работы по возведению жилого дома для учителей отстают от графика на два месяца.
Причинами отставания являются недостаток строительных материалов, низкая трудовая дисциплина и частые простои автотранспорта.
Исполком районного Совета депутатов трудящихся обязывает руководителей организаций принять срочные меры к завершению строительства до наступления холодов.
Контроль за выполнением настоящего решения возложить на заместителя председателя исполкома тов. Семенова.
Министерство просит сообщить сведения о количестве выпущенной продукции за истекший квартал с разбивкой по видам изделий.
Отчет должен быть представлен в двух экземплярах за подписью директора предприятия и главного бухгалтера.
Совещание директоров совхозов области состоялось в помещении областного комитета партии двадцатого апреля.
На совещании обсуждались вопросы повышения урожайности зерновых культур и увеличения поголовья крупного рогатого скота.
Участники совещания внесли ряд предложений по улучшению снабжения хозяйств минеральными удобрениями и запасными частями.
Посольство информирует, что правительственная делегация прибыла в столицу утренним поездом и была встречена на вокзале представителями министерства иностранных дел.
В ходе беседы посол выразил удовлетворение результатами переговоров и подчеркнул важность дальнейшего развития экономического сотрудничества между нашими странами.
Собеседник сообщил, что правительство республики намерено расширить торговлю и просит рассмотреть возможность поставки промышленного оборудования в кредит.
Мною было обещано доложить об этой просьбе в Москву и сообщить ответ в кратчайший срок.
Копия записи беседы направлена в отдел стран Дальнего Востока и в консульский отдел посольства.
Отпечатано в четырех экземплярах, черновик уничтожен, исполнитель и машинистка указаны на обороте последнего листа.
В целях упорядочения делопроизводства приказываю всем начальникам отделов обеспечить регистрацию входящей и исходящей корреспонденции в установленном порядке.
Документы с грифом секретно хранить в несгораемых шкафах, ключи от которых сдавать дежурному по управлению под расписку.
Лица, виновные в нарушении правил хранения служебных документов, будут привлекаться к строгой ответственности.
Начальнику хозяйственного отдела до пятнадцатого числа подготовить помещение архива и провести инвентаризацию имеющихся дел.
Трест обязан в течение третьего квартала завершить капитальный ремонт котельной и перевести отопление жилых домов на местное топливо.
Финансирование работ производить за счет сверхплановых накоплений и средств фонда директора.
Рабочие и служащие завода горячо одобрили решения пленума и взяли повышенные социалистические обязательства.
Бригада слесарей под руководством мастера Никитина выполнила годовую норму к седьмому ноября.
Особое внимание следует обратить на подготовку школ к новому учебному году, обеспечение их топливом, учебниками и наглядными пособиями.
Отдел народного образования сообщает, что в районе открыто три новых начальных школы и одна семилетняя школа.
Учительские кадры укомплектованы полностью, однако ощущается недостаток преподавателей физики и иностранного языка.
Больница районного центра нуждается в расширении, так как имеющиеся помещения не обеспечивают нормального обслуживания населения.
Прошу Вашего указания о выделении дополнительных ассигнований на приобретение медицинского оборудования и санитарного транспорта.
Приложение: справка о состоянии лечебных учреждений района на трех листах, только адресату.
Заведующий районным финансовым отделом сообщил, что поступление налогов и обязательных платежей идет неудовлетворительно.
Задолженность по сельскохозяйственному налогу на первое октября составила сорок шесть тысяч рублей.
Поручить финансовому отделу совместно с сельскими Советами организовать работу по взысканию недоимок.
Протокол вел секретарь собрания, решения приняты единогласно, возражений и особых мнений не поступило.
"""


@dataclass(frozen=True)
class Level:
    """A degradation: blur and noise sigmas (px), stroke change (+k thinner, -k bolder), contrast
    (ink darkness kept), ink dropout (z-score of a smooth random field above which ink is lost)."""

    name: str
    blur: float = 0.0
    noise: float = 0.0
    morph: int = 0
    contrast: float = 1.0
    dropout: float = 0.0


LEVELS = (
    Level("clean"),
    Level("light", blur=1.0, noise=15, morph=2, contrast=0.75, dropout=2.0),
    Level("medium", blur=1.4, noise=30, morph=2, contrast=0.6, dropout=1.5),
    Level("heavy", blur=1.2, noise=25, morph=-3, contrast=0.6, dropout=1.3),
)


# --- text ----------------------------------------------------------------------------------------


def seed_paragraphs() -> list[str]:
    """The Russian running text of the seed journal, with the typescript's readings restored."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("согласился, в пределах")
    body = text[start:text.index("ref 01089")]
    for wrong, right in SEED_FIXES.items():
        body = body.replace(wrong, right)
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
    return [p for p in paras if len(p) > 40 and not p.startswith("#")]


def paragraphs() -> list[str]:
    """All benchmark paragraphs: the seed's, then the composed ones."""
    return seed_paragraphs() + [p for p in COMPOSED.splitlines() if p.strip()]


def pages(paras: list[str], *, width: int, lines_per_page: int) -> list[list[str]]:
    """Paragraphs wrapped at ``width`` columns (never inside a word), cut into pages of about
    ``lines_per_page`` lines, evened out so that no page is a stub (a nearly blank noisy page
    makes tesseract read noise)."""
    lines: list[str] = []
    for p in paras:
        lines += textwrap.wrap(p, width, break_on_hyphens=False, break_long_words=False) + [""]
    count = -(-len(lines) // lines_per_page)
    size = -(-len(lines) // count)
    return [lines[i:i + size] for i in range(0, len(lines), size)]


# --- images --------------------------------------------------------------------------------------


def render(lines: list[str]) -> np.ndarray:
    """A white A4 page at 300 dpi with the lines typed in FreeMono 12 pt (about 10 pitch)."""
    img = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 50)
    for i, line in enumerate(lines):
        draw.text((240, 250 + i * 100), line, font=font, fill=0)
    return np.array(img)


def degrade(page: np.ndarray, level: Level, *, rng: np.random.Generator) -> np.ndarray:
    """Thin or bolden the strokes, drop ink in patches, add noise, blur, lower the contrast."""
    x: np.ndarray = page.astype(np.float32)
    if level.morph > 0:
        x = cv2.dilate(x, np.ones((level.morph, level.morph), np.uint8))
    elif level.morph < 0:
        x = cv2.erode(x, np.ones((-level.morph, -level.morph), np.uint8))
    if level.dropout:
        field = cv2.GaussianBlur(rng.random(x.shape).astype(np.float32), (0, 0), 6)
        field = (field - field.mean()) / field.std()
        x[(field > level.dropout) & (x < 128)] = 255
    if level.noise:
        x += rng.normal(0, level.noise, x.shape).astype(np.float32)
    if level.blur:
        x = cv2.GaussianBlur(x, (0, 0), level.blur)
    x = 255 - (255 - x) * level.contrast
    return np.clip(x, 0, 255).astype(np.uint8)


def tesseract(image: Path, *, psm: int) -> str:
    """Text of one image by `tesseract -l rus` with one thread."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(["tesseract", str(image), "stdout", "-l", "rus", "--psm", str(psm)],
                          capture_output=True, text=True, env=env, check=True)
    return done.stdout


def cached_ocr(key: str, make_image, *, psm: int, cache: Path) -> str:
    """OCR text for ``key``, from the cache folder when it was done before."""
    path = cache / (hashlib.sha1(key.encode()).hexdigest()[:16] + ".txt")
    if path.exists():
        return path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        image = make_image(Path(tmp))
        text = tesseract(image, psm=psm)
    path.write_text(text, encoding="utf-8")
    return text


# --- scoring -------------------------------------------------------------------------------------


def char_errors(reference: str, text: str) -> tuple[int, int]:
    """Character errors and reference length (grapheme clusters) on normalised text."""
    ref, hyp = normalise(reference), normalise(text)
    total = len(split_grapheme_clusters(ref))
    return round(character_error_rate(ref, hyp) * total), total


_SPACE = re.compile(r"\S+")


def judged_changes(truth: str, result: Correction) -> list[tuple[str, str, str, str]]:
    """(verdict, original, replacement, truth) for each change, verdict "right", "partial" or
    "wrong".

    OCR and truth are aligned character by character (rapidfuzz); the OCR words a change touches
    are mapped through that alignment to the truth words they overlap (the aligned truth span).
    *right*: the edited words are the truth words (punctuation beside them ignored). *wrong*
    (introduced errors): the edited words are no closer to the truth span than the OCR words were
    (Levenshtein distance after >= before, punctuation and case counted). *partial*: closer, not
    exact (``Монгажники`` -> ``Монтажники`` where the page has ``монтажники``).
    """
    to_truth = _char_map(result.original, truth)
    words = [(m.start(), m.end()) for m in _SPACE.finditer(result.original)]
    truth_words = [(m.start(), m.end()) for m in _SPACE.finditer(truth)]
    judged = []
    for change in result.changes:
        # A change starting or ending on a blank (a join, a mark deleted with the blank before
        # it) touches the word on the blank's other side too.
        hit = [(s, e) for s, e in words if s <= change.end and change.start <= e] or [
            (change.start, change.end)]
        s0, e0 = hit[0][0], hit[-1][1]
        before = result.original[s0:e0]
        fixed = result.original[s0:change.start] + change.replacement + result.original[change.end:e0]
        t0, t1 = to_truth[s0], to_truth[e0]
        # OCR words aligned to no truth text at all (dirt read as marks) should not be there.
        expected = " ".join(truth[s:e] for s, e in truth_words if s < t1 and t0 < e)
        if _core_text(fixed) == _core_text(expected):
            verdict = "right"
        elif (Levenshtein.distance(" ".join(fixed.split()), expected)
              < Levenshtein.distance(" ".join(before.split()), expected)):
            verdict = "partial"
        else:
            verdict = "wrong"
        judged.append((verdict, change.original, change.replacement, expected))
    return judged


def _char_map(ocr: str, truth: str) -> list[int]:
    """For each OCR offset (and the end), the aligned offset in the truth text."""
    out = [0] * (len(ocr) + 1)
    for op in Levenshtein.opcodes(ocr, truth):
        n = op.src_end - op.src_start
        for k in range(n):
            out[op.src_start + k] = op.dest_start + (k * (op.dest_end - op.dest_start)) // max(n, 1)
        out[op.src_end] = op.dest_end
    return out


def _core(word: str) -> str:
    return "".join(c for c in word if c.isalnum() or c == "-")


def _core_text(text: str) -> str:
    return " ".join(c for c in (_core(w) for w in text.split()) if c)


@dataclass
class Tally:
    """Totals of one benchmark row; corrections counted as right, partial and wrong
    (``judged_changes``)."""

    pages: int = 0
    errors_before: int = 0
    errors_after: int = 0
    chars: int = 0
    changes: int = 0
    verdicts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, truth: str, result: Correction, seconds: float) -> list[tuple[str, str, str, str]]:
        before, total = char_errors(truth, result.original)
        after, _ = char_errors(truth, result.text)
        judged = judged_changes(truth, result)
        self.pages += 1
        self.errors_before += before
        self.errors_after += after
        self.chars += total
        self.changes += len(result.changes)
        self.verdicts.update(v for v, *_ in judged)
        self.seconds += seconds
        return judged

    @property
    def reduction(self) -> float:
        return 1 - self.errors_after / self.errors_before if self.errors_before else 0.0

    def share(self, verdict: str) -> float:
        return self.verdicts[verdict] / self.changes if self.changes else 0.0

    def row(self, name: str, units: int) -> str:
        cer_b = self.errors_before / max(self.chars, 1)
        cer_a = self.errors_after / max(self.chars, 1)
        wrong = self.verdicts["wrong"]
        strict = self.changes - self.verdicts["right"]
        counts = (f"{self.verdicts['right']} | {self.verdicts['partial']} | "
                  f"{wrong} ({self.share('wrong'):.1%}) | {strict} ({strict / self.changes:.1%})"
                  if self.changes else "0 | 0 | 0 | 0")
        return (f"| {name} | {units} | {self.chars} | {cer_b:.4f} | {cer_a:.4f} | "
                f"{self.reduction:+.1%} | {self.changes} | {counts} | {self.seconds:.1f} |")


# --- runs ----------------------------------------------------------------------------------------


def ocr_pages(level: Level, *, seed: int, width: int, lines: int, jobs: int,
              cache: Path) -> list[tuple[str, str]]:
    """(truth, OCR text) for every benchmark page rendered and degraded at ``level``."""
    paged = pages(paragraphs(), width=width, lines_per_page=lines)
    work = []
    for n, page in enumerate(paged):
        key = f"page|{level}|{seed}|{width}|{n}|{page}"

        def make(tmp: Path, page=page, n=n) -> Path:
            rng = np.random.default_rng([seed, n, LEVELS.index(level)])
            path = tmp / "page.png"
            Image.fromarray(degrade(render(page), level, rng=rng)).save(path, dpi=(DPI, DPI))
            return path

        work.append(("\n".join(page), key, make))
    with ThreadPoolExecutor(jobs) as pool:
        texts = list(pool.map(lambda j: cached_ocr(j[1], j[2], psm=6, cache=cache), work))
    return [(truth, text) for (truth, _, _), text in zip(work, texts, strict=True)]


def run_pages(args: argparse.Namespace, log: list[str], *, levels: tuple[Level, ...] = LEVELS,
              confusions: ConfusionTable | None = None, label: str = "") -> list[str]:
    """Russian pages at each degradation level: OCR, apply, tally."""
    rows = []
    for level in levels:
        tally = Tally()
        for truth, text in ocr_pages(level, seed=args.seed, width=args.width, lines=args.lines,
                                     jobs=args.jobs, cache=args.cache):
            started = time.perf_counter()
            result = apply(text, names=NAMES, threshold=args.threshold, confusions=confusions)
            judged = tally.add(truth, result, time.perf_counter() - started)
            log += _log_lines(f"{level.name}{label}", result, judged)
        rows.append(tally.row(f"pages {level.name}{label}", tally.pages))
        print(rows[-1], flush=True)
    return rows


def synth_manifest(data: Path, *, pages: int, seed: int, workers: int) -> dict:
    """The `ocr synth` set in ``data`` (made by run_bench.ensure_set when missing or different)."""
    sys.path.insert(0, str(BENCH))
    from run_bench import ensure_set

    return ensure_set(data, pages=pages, seed=seed, workers=workers)


def synth_ocr(data: Path, manifest: dict, *, jobs: int, work: Path
              ) -> list[tuple[dict, str, str, list, list]]:
    """(manifest item, truth, OCR text, tesseract's character records, word boxes) per page of
    the `ocr synth` set, read the way `ocr run` reads a page: ocr.pipeline.process_page (load,
    preprocess, tesseract with default settings, which for Russian with correction on records each
    character's confidence and alternatives), then the page text as the pipeline joins its words.
    Both are kept in ``work`` (by image checksum), so reruns skip the pipeline. The image
    detectors are switched off: they add review regions, not text."""
    items = manifest["items"]
    index = work / "texts.json"
    known = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
    sums = {item["image"]: hashlib.sha256((data / item["image"]).read_bytes()).hexdigest()
            for item in items}
    pages = {name: (known[name]["text"], known[name]["choices"], known[name]["boxes"])
             for name, digest in sums.items()
             if known.get(name, {}).get("sha256") == digest and "boxes" in known[name]}
    missing = [data / name for name in sums if name not in pages]
    if missing:
        pages.update(_pipeline_texts(missing, jobs=jobs, work=work))
        index.write_text(json.dumps({name: {"sha256": sums[name], "text": pages[name][0],
                                            "choices": pages[name][1], "boxes": pages[name][2]}
                                     for name in sums},
                                    ensure_ascii=False, indent=0), encoding="utf-8")
    return [(item, (data / item["gt"]).read_text(encoding="utf-8"), *pages[item["image"]])
            for item in items]


def _pipeline_texts(images: list[Path], *, jobs: int, work: Path
                    ) -> dict[str, tuple[str, list, list]]:
    """Page text, character records and word boxes of each one-page image by the pipeline's page
    stages, in ``jobs`` processes."""
    from ocr.batch import iter_processed
    from ocr.pipeline import PageFailure, plan_batch
    from ocr.settings import load_settings
    from ocr.tesseract import read_choices, read_words, words_to_text

    # Correction "suggest" only makes the OCR stage record the choices: the page stages run no
    # correction.
    settings = load_settings(None, output_dir=work, workers=jobs, detectors=[], read_stamps=False,
                             formats=["txt", "tsv"], correction="suggest")
    planned, _, failures = plan_batch(images, settings=settings)
    pages: dict[str, tuple[str, list, list]] = {}
    for page in iter_processed(planned, settings):
        if isinstance(page, PageFailure):
            failures.append(page)
            continue
        path = page.ocr.outputs.get("choices")
        words = read_words(page.ocr.tsv)
        pages[page.job.scan.path.name] = (
            words_to_text(words).text, read_choices(path) if path else [],
            [[w.box.left, w.box.top, w.box.width, w.box.height] for w in words])
    if failures:
        raise SystemExit(f"OCR failed: {failures}")
    return pages


def text_choices_of(text: str, records: list) -> dict:
    """The choices of a page text joined from words (one blank or line break between them)."""
    words = list(re.finditer(r"\S+", text))
    return text_choices([(m.start(), m.end()) for m in words], [m.group() for m in words],
                        records)


def text_layout_of(text: str, boxes: list) -> Layout:
    """The layout of a page text joined from words whose boxes are ``boxes``."""
    return text_layout(text, [(m.start(), m.end()) for m in re.finditer(r"\S+", text)],
                       [tuple(b) for b in boxes])


def run_synth(args: argparse.Namespace, log: list[str]) -> list[str]:
    """The `ocr synth` set per degradation level, typed-only pages and stamped pages apart (a
    stamped page's OCR text also has the stamps' and handwriting's words, which its .gt.txt lacks).
    Each row is measured as the pipeline corrects (with tesseract's character choices and the
    word boxes' layout) and, for comparison, from the text alone."""
    manifest = synth_manifest(args.data, pages=args.synth_pages, seed=args.synth_seed,
                              workers=args.jobs)
    pages = synth_ocr(args.data, manifest, jobs=args.jobs,
                      work=args.work / f"synth-{manifest['seed']}-{manifest['pages']}")
    rows = []
    for stamped in (False, True):
        kind = "stamped" if stamped else "typed only"
        for level in manifest["levels"]:
            for with_choices in (True, False) if args.text_only_rows else (True,):
                tally = Tally()
                for item, truth, text, records, boxes in pages:
                    if item["level"] != level or item["stamped"] != stamped:
                        continue
                    choices = text_choices_of(text, records) if with_choices else None
                    layout = text_layout_of(text, boxes) if with_choices else None
                    started = time.perf_counter()
                    result = apply(text, threshold=args.threshold, choices=choices,
                                   layout=layout)
                    judged = tally.add(truth, result, time.perf_counter() - started)
                    if with_choices:
                        log += _log_lines(f"synth {level} {kind} {item['name']}", result, judged)
                if tally.pages:
                    how = "" if with_choices else ", text only"
                    rows.append(tally.row(f"ocr synth {level}, {kind}{how}", tally.pages))
                    print(rows[-1], flush=True)
    return rows


def measured_table(args: argparse.Namespace) -> ConfusionTable:
    """The default table updated with letter confusions counted on other pages (other seed,
    other line width, so no page of the test is seen)."""
    counts: Counter[tuple[str, str]] = Counter()
    for level in LEVELS[1:]:
        for truth, text in ocr_pages(level, seed=args.seed + 1, width=args.width - 2,
                                     lines=args.lines, jobs=args.jobs, cache=args.cache):
            counts += counts_from_pairs([(" ".join(text.split()), " ".join(truth.split()))])
    return confusions_from_counts(letter_counts(counts), base=load_confusions())


def glued_readings(sets: list[tuple[Path, Path]], *, edge: bool = False
                   ) -> Counter[tuple[str, str]]:
    """{(typed, ocr): count} for the marks OCR put between letters of a word (``edge``: glued to
    its first or last letter), counted with ``counts_from_pairs`` on (OCR word, aligned truth
    word) pairs of `ocr synth` sets given as (set folder, its ``texts.json`` from ``synth_ocr``).
    This is how ``ocr.correct.glued``'s tables were measured (on tuning sets, never the reported
    one)."""
    from ocr.correct.edges import EDGE
    from ocr.correct.glued import GLUED

    pattern = EDGE if edge else GLUED
    pairs = []
    for data, texts_json in sets:
        texts = json.loads(texts_json.read_text(encoding="utf-8"))
        manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
        for item in manifest["items"]:
            truth = " ".join((data / item["gt"]).read_text(encoding="utf-8").split())
            ocr = " ".join(texts[item["image"]]["text"].split())
            to_truth = _char_map(ocr, truth)
            for m in pattern.finditer(ocr):
                if edge and not (m.group("lead") or m.group("trail")):
                    continue
                t0, t1 = to_truth[m.start()], to_truth[m.end()]
                while t0 > 0 and not truth[t0 - 1].isspace():
                    t0 -= 1
                while t1 < len(truth) and not truth[t1].isspace():
                    t1 += 1
                pairs.append((m.group(), truth[t0:t1].strip(".,;:!?()\"«»")))
    marks = re.compile(r"[^\w\s-]|\d" if edge else r"[^\w\s-]")
    counts = Counter({(r, o): n for (r, o), n in counts_from_pairs(pairs).items()
                      if len(o) == 1 and marks.match(o)})
    # Marks read as nothing: every mark of the words not read as something else.
    seen = Counter(c for word, _ in pairs for c in word if marks.match(c))
    for mark, n in seen.items():
        rest = n - sum(k for (_, o), k in counts.items() if o == mark)
        if rest > 0:
            counts[("", mark)] = rest
    return counts


def _log_lines(label: str, result: Correction,
               judged: list[tuple[str, str, str, str]]) -> list[str]:
    lines = []
    for c, (verdict, _, _, truth) in zip(result.changes, judged, strict=True):
        mark = "" if verdict == "right" else f"  {verdict.upper()}, truth {truth!r}"
        lines.append(f"{label}: {c.original!r} -> {c.replacement!r} ({c.score:.2f}){mark}")
    return lines


def run_komi(args: argparse.Namespace, cache: Path, log: list[str]) -> list[str]:
    """Real Komi newspaper lines, `rus --psm 7`: correction must not make them worse.

    Corrected twice: each line on its own, and the lines of one scan joined in order as a page
    (how the pipeline meets them: a page of OCR text).
    """
    images = sorted(KOMI.glob("*/*.tif"))[::3][:args.komi]
    with ThreadPoolExecutor(args.jobs) as pool:
        texts = list(pool.map(
            lambda p: cached_ocr(f"komi|{p.name}", lambda _tmp, p=p: p, psm=7, cache=cache), images))
    truths = [p.with_name(p.name.removesuffix(".tif") + ".gt.txt").read_text(encoding="utf-8")
              for p in images]
    by_line = _komi_tally(list(zip(truths, texts, strict=True)), "komi line", args, log)
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(images):
        groups.setdefault(f"{p.parent.name}/{p.name.split('-')[1]}", []).append(i)
    pairs = [("\n".join(truths[i].strip() for i in idx), "\n".join(texts[i].strip() for i in idx))
             for idx in groups.values()]
    by_page = _komi_tally(pairs, "komi page", args, log)
    rows = [by_line.row("Komi lines (real), one by one", len(images)),
            by_page.row("Komi lines (real), as pages", len(pairs))]
    print(*rows, sep="\n", flush=True)
    return rows


def _komi_tally(pairs: list[tuple[str, str]], label: str, args: argparse.Namespace,
                log: list[str]) -> Tally:
    tally = Tally()
    for truth, text in pairs:
        started = time.perf_counter()
        result = apply(text, threshold=args.threshold)
        judged = tally.add(truth, result, time.perf_counter() - started)
        log += _log_lines(label, result, judged)
    return tally


def compare_lexicons() -> list[str]:
    """Coverage of the seed's Russian words and lookup speed: pymorphy3 vs Debian's hunspell-ru
    (through pyenchant, when both are installed) vs wordfreq's list."""
    words = re.findall(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*", SEED.read_text(encoding="utf-8"))
    distinct = sorted(set(words))
    checks = {"pymorphy3 + pymorphy3-dicts-ru": _pymorphy_check()}
    hunspell = _hunspell_check()
    if hunspell is not None:
        checks["hunspell-ru (Debian, via pyenchant)"] = hunspell
    checks["wordfreq ru (frequency list, not a lexicon)"] = _wordfreq_check()
    rows = ["| lexicon | distinct words known | running words known | µs per lookup | missing |",
            "|---|---|---|---|---|"]
    for name, check in checks.items():
        started = time.perf_counter()
        known = {w: check(w) for _ in range(5) for w in distinct}
        micro = (time.perf_counter() - started) / (5 * len(distinct)) * 1e6
        missing = [w for w in distinct if not known[w]]
        running = sum(known[w] for w in words) / len(words)
        rows.append(f"| {name} | {1 - len(missing) / len(distinct):.1%} of {len(distinct)} | "
                    f"{running:.1%} of {len(words)} | {micro:.1f} | {', '.join(missing)} |")
    print(*rows, sep="\n", flush=True)
    return rows


def _pymorphy_check():
    from ocr.correct import default_lexicon

    morph = default_lexicon().morph
    return lambda w: morph.word_is_known(w.lower())


def _hunspell_check():
    try:
        import enchant

        return enchant.Dict("ru_RU").check
    except Exception:  # pyenchant, libenchant or hunspell-ru missing: the row is left out
        return None


def _wordfreq_check():
    from wordfreq import zipf_frequency

    return lambda w: zipf_frequency(w, "ru") > 0


HEADER = ("| set | units | ref chars | CER before | CER after | error reduction | corrections | "
          "right | partial | wrong (introduced errors) | not exact (strict) | correction s |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|")


BEGIN, END = "<!-- bench_correct: begin -->", "<!-- bench_correct: end -->"


def write_results(path: Path, lines: list[str], args: argparse.Namespace) -> None:
    """Put the tables between the markers of ``path``, keeping the notes around them."""
    command = (f"`.venv/bin/python bench/bench_correct.py --seed {args.seed} --width {args.width}"
               f" --out {path}`")
    block = "\n".join([BEGIN, f"Generated by {command}.", "", *lines, END])
    old = path.read_text(encoding="utf-8") if path.exists() else f"# Post-OCR correction\n\n{BEGIN}{END}\n"
    head, _, rest = old.partition(BEGIN)
    tail = rest.partition(END)[2] if END in rest else "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(head + block + tail, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1955, help="degradation seed (tune on others)")
    parser.add_argument("--width", type=int, default=62, help="typed columns per line")
    parser.add_argument("--lines", type=int, default=30, help="typed lines per page")
    parser.add_argument("--komi", type=int, default=100, help="Komi lines (every third, sorted)")
    parser.add_argument("--threshold", type=float, default=None, help="apply threshold")
    parser.add_argument("--jobs", type=int, default=2, help="tesseract processes")
    parser.add_argument("--work", type=Path, default=WORK,
                        help="folder for OCR text and pipeline caches, so reruns skip tesseract")
    parser.add_argument("--data", type=Path, default=SYNTH_DATA,
                        help="the `ocr synth` set (generated here when missing, as make bench does)")
    parser.add_argument("--synth-pages", type=int, default=64, help="pages of the `ocr synth` set")
    parser.add_argument("--synth-seed", type=int, default=1955, help="seed of the `ocr synth` set")
    parser.add_argument("--no-synth", dest="synth", action="store_false",
                        help="skip the rows of the `ocr synth` set")
    parser.add_argument("--no-own", dest="own", action="store_false",
                        help="skip Komi and the benchmark's own rendered pages")
    parser.add_argument("--out", type=Path, default=None, help="write the table as Markdown here")
    parser.add_argument("--no-text-only", dest="text_only_rows", action="store_false",
                        help="skip the `ocr synth` rows corrected without tesseract's choices")
    parser.add_argument("--no-measured", dest="measured", action="store_false",
                        help="skip the rows with a confusion table measured on other pages")
    parser.add_argument("--log", type=Path, default=None, help="write every change here")
    parser.add_argument("--glued-readings", type=Path, nargs="+", default=None, metavar="SET",
                        help="only print what marks glued inside words stand for on these "
                             "`ocr synth` sets (their OCR texts taken from WORK/synth-SEED-PAGES)")
    args = parser.parse_args(argv)
    args.cache = args.work / "correct"
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.glued_readings:
        sets = []
        for data in args.glued_readings:
            manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
            sets.append((data, args.work / f"synth-{manifest['seed']}-{manifest['pages']}"
                         / "texts.json"))
        for edge in (False, True):
            print("marks at a word's edge" if edge else "marks inside words")
            print({(ocr, ref): n for (ref, ocr), n in glued_readings(sets, edge=edge).most_common()})
        return 0
    log: list[str] = []
    lexicons = compare_lexicons()
    print(HEADER, flush=True)
    rows: list[str] = []
    if args.own:
        rows += run_komi(args, args.cache, log) + run_pages(args, log)
        if args.measured:
            rows += run_pages(args, log, levels=LEVELS[2:], confusions=measured_table(args),
                              label=" (measured table)")
    if args.synth:
        rows += run_synth(args, log)
    if args.out:
        write_results(args.out, [HEADER, *rows, "", *lexicons], args)
    if args.log:
        args.log.write_text("\n".join(log) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
