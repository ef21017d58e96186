"""Compose period-style Russian official documents from templates and the corpus vocabulary.

Run ``python -m ocr_synth.compose`` to rewrite ``corpus/composed-*.txt`` (fixed seed); the page
generator reads those files, never this module, so the shipped text is what gets typed.

Vocabulary files (``corpus/vocab``) hold one entry a line, case forms separated by ``|``. An
entry may start with a domain tag (``i:`` industry, ``a:`` agriculture, ``t:`` transport, ``s:``
housing, schools, health and trade, ``g:`` any): a document keeps to one domain so that a cause,
a complaint and a measure in it belong together.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ocr.fsutil import atomic_write_text

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
VOCAB_DIR = CORPUS_DIR / "vocab"
SEED = 1956
COMPOSED_COUNT = 420  # documents in the shipped corpus
INITIALS = "АБВГДЕИКЛМНОПРСТФЮЯ"
MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
PERIODS = (
    ("первый квартал", "первого квартала", "первом квартале"),
    ("второй квартал", "второго квартала", "втором квартале"),
    ("третий квартал", "третьего квартала", "третьем квартале"),
    ("первое полугодие", "первого полугодия", "первом полугодии"),
    ("девять месяцев", "девяти месяцев", "девяти месяцах"),
    ("истекший год", "истекшего года", "истекшем году"),
)
DOMAINS = ("i", "a", "t", "s")


@dataclass(frozen=True)
class Document:
    """A composed document: its kind (the title), its subject line and its paragraphs."""

    kind: str
    subject: str
    paragraphs: tuple[str, ...]

    def as_text(self) -> str:
        """The corpus-file form: a ``=== KIND | subject`` line, then blank-line-separated text."""
        return f"=== {self.kind} | {self.subject}\n" + "\n\n".join(self.paragraphs) + "\n"


@dataclass(frozen=True)
class Person:
    """A comrade with the case forms templates need, and a full name for orders."""

    nom: str
    gen: str
    dat: str
    ins: str
    initials: str
    full_gen: str  # "Петрова Ивана Сергеевича"
    female: bool

    def past(self, masculine: str) -> str:
        """A past-tense verb agreeing with the person ("указал" or "указала")."""
        return masculine + "а" if self.female else masculine


@cache
def vocab(name: str) -> tuple[tuple[str, str], ...]:
    """The (domain tag, entry) pairs of ``vocab/<name>.txt``; an untagged entry is "g"."""
    entries = []
    for line in (VOCAB_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        tag, sep, rest = line.partition(": ")
        entries.append((tag, rest) if sep and len(tag) == 1 else ("g", line))
    return tuple(entries)


def forms(name: str, rng: np.random.Generator, domain: str = "g") -> tuple[str, ...]:
    """One entry of ``name`` fit for ``domain``, split into its ``|``-separated forms."""
    entries = [text for tag, text in vocab(name) if tag in ("g", domain)]
    return tuple(entries[int(rng.integers(len(entries)))].split("|"))


def pick(name: str, rng: np.random.Generator, domain: str = "g") -> str:
    """One entry of ``name`` fit for ``domain`` (its first form)."""
    return forms(name, rng, domain)[0]


def picks(name: str, rng: np.random.Generator, domain: str, count: int) -> list[str]:
    """``count`` different entries of ``name`` fit for ``domain``."""
    entries = [text.split("|")[0] for tag, text in vocab(name) if tag in ("g", domain)]
    chosen = rng.choice(len(entries), size=min(count, len(entries)), replace=False)
    return [entries[int(i)] for i in chosen]


def surname_forms(surname: str, *, female: bool) -> tuple[str, str, str, str]:
    """Nominative, genitive, dative and instrumental of an -ов/-ев/-ин/-ский surname."""
    if surname.endswith(("ский", "цкий", "ской")):
        stem = surname[:-2]
        if female:
            return stem + "ая", stem + "ой", stem + "ой", stem + "ой"
        return surname, stem + "ого", stem + "ому", stem + "им"
    if female:
        return surname + "а", surname + "ой", surname + "ой", surname + "ой"
    return surname, surname + "а", surname + "у", surname + "ым"


def person(rng: np.random.Generator) -> Person:
    """A random comrade: about one in four a woman."""
    female = bool(rng.random() < 0.25)
    nom, gen, dat, ins = surname_forms(pick("surnames", rng), female=female)
    father = forms("first_names", rng)
    if female:
        name = forms("female_names", rng)
        full = f"{gen} {name[1]} {father[2][:-2]}ны"  # Ивановна -> Ивановны
    else:
        name = forms("first_names", rng)
        full = f"{gen} {name[1]} {father[2]}а"
    return Person(nom, gen, dat, ins, f"{name[0][0]}.{father[0][0]}.", full, female)


def plural(number: int, one: str, few: str, many: str) -> str:
    """The noun form for ``number`` (1 тонна, 3 тонны, 7 тонн)."""
    if 10 <= number % 100 <= 20 or number % 10 in (0, 5, 6, 7, 8, 9):
        return many
    return one if number % 10 == 1 else few


def percent(rng: np.random.Generator, low: float, high: float) -> str:
    """A percentage the typist's way, "98,3 процента" or "104 процента"."""
    if rng.random() < 0.5:
        value = int(rng.integers(int(low), int(high) + 1))
        return f"{value} {plural(value, 'процент', 'процента', 'процентов')}"
    return f"{rng.uniform(low, high):.1f}".replace(".", ",") + " процента"


def date(rng: np.random.Generator, *, year: int | None = None) -> str:
    """A date such as "14 марта 1953 года"."""
    year = year or int(rng.integers(1946, 1958))
    return f"{rng.integers(1, 29)} {MONTHS[int(rng.integers(12))]} {year} года"


def enterprise(rng: np.random.Generator) -> tuple[str, str]:
    """An enterprise's genitive with its name and town, and its prepositional with its name."""
    _, kind_gen, kind_prep = forms("enterprises", rng)
    name = pick("enterprise_names", rng)
    city = forms("cities", rng)
    return f"{kind_gen} {name} (г. {city[0]})", f"{kind_prep} {name}"


def plan_report(rng: np.random.Generator) -> Document:
    """A note on an enterprise's plan: figures, shortfalls and their causes, proposed measures."""
    ent_gen, ent_prep = enterprise(rng)
    period = PERIODS[int(rng.integers(len(PERIODS)))]
    boss, chief = person(rng), person(rng)
    position = forms("positions", rng, "i")
    product, product2 = forms("products", rng), forms("products", rng)
    tonnes = int(rng.integers(12, 900))
    causes = picks("causes", rng, "i", 3)
    found = picks("statements", rng, "i", 2)
    measures = picks("measures", rng, "i", 3)
    paragraphs = (
        f"По итогам {period[1]} коллектив {ent_gen} выполнил план по валовой продукции на "
        f"{percent(rng, 92, 112)}, по товарной продукции - на {percent(rng, 88, 110)}. План по "
        f"выпуску {product[1]} выполнен на {percent(rng, 80, 125)}, по выпуску {product2[1]} - на "
        f"{percent(rng, 70, 118)}.",
        f"Вместе с тем коллектив {pick('achievements', rng)}. Производительность труда по "
        f"сравнению с соответствующим периодом прошлого года возросла на {percent(rng, 2, 14)}.",
        f"В {period[2]} на {ent_prep} допускались простои из-за {causes[0]} и {causes[1]}. "
        f"Недопоставлено {tonnes} {plural(tonnes, 'тонна', 'тонны', 'тонн')} "
        f"{pick('materials', rng)} и значительное количество {pick('materials', rng)}.",
        f"По объяснению {position[1]} тов. {boss.gen}, отставание произошло вследствие "
        f"{causes[2]}. Проверка показала также, что {found[0]}, а {found[1]}.",
        f"Считаем необходимым обязать директора тов. {chief.gen} {chief.initials} {measures[0]}, "
        f"{measures[1]} и {measures[2]}, о чем доложить к {date(rng)}.",
    )
    return Document("СПРАВКА", f"о выполнении плана {ent_gen} за {period[0]}", paragraphs)


def minutes(rng: np.random.Generator) -> Document:
    """Minutes of a meeting: who attended, the agenda, who spoke and what was resolved."""
    domain = DOMAINS[int(rng.integers(len(DOMAINS)))]
    members = [person(rng) for _ in range(int(rng.integers(4, 8)))]
    topics = picks("topics", rng, domain, 2)
    speaker, critic, owner, helper = (person(rng) for _ in range(4))
    pos, pos2, pos3 = (forms("positions", rng, domain) for _ in range(3))
    said = picks("statements", rng, domain, 3)
    todo = picks("measures", rng, domain, 3)
    about = topics[0][0].lower() + topics[0][1:]
    year = int(rng.integers(1946, 1957))
    paragraphs = (
        f"Присутствовали: тт. {', '.join(p.nom for p in members)}.",
        f"Повестка дня: 1. {topics[0]}. 2. {topics[1]}. 3. Разное.",
        f"Слушали: сообщение {pos[1]} тов. {speaker.gen} {about}. Тов. {speaker.nom} "
        f"{speaker.past('сообщил')}, что {said[0]}, главным образом из-за "
        f"{pick('causes', rng, domain)}.",
        f"Выступили: тов. {critic.nom}, {pos2[0]}, {critic.past('указал')}, что {said[1]}. "
        f"Тов. {members[0].nom} {members[0].past('отметил')}, что {said[2]}, и "
        f"{members[0].past('предложил')} {todo[0]}.",
        f"Постановили: 1. Обязать {pos3[1]} тов. {owner.gen} {todo[1]} до "
        f"{date(rng, year=year + 1)}. "
        f"2. Поручить тов. {helper.dat} {todo[2]}. 3. Контроль за выполнением решения возложить "
        f"на тов. {members[-1].gen}.",
    )
    number = int(rng.integers(2, 40))
    return Document(f"ПРОТОКОЛ № {number}", f"заседания от {date(rng, year=year)}", paragraphs)


REASONS = (
    "невыполнением плана второго квартала",
    "проведенной реорганизацией управления",
    "решением коллегии министерства",
    "результатами проверки комиссии главка",
    "переходом на новую структуру цехов",
    "окончанием отопительного сезона",
)


def order(rng: np.random.Generator) -> Document:
    """An order: appointments, thanks, reprimands, who answers for it."""
    ent_gen, _ = enterprise(rng)
    new, old, good, bad, boss = (person(rng) for _ in range(5))
    pos, pos2, pos3, pos4 = (forms("positions", rng, "i") for _ in range(4))
    reason = REASONS[int(rng.integers(len(REASONS)))]
    year = int(rng.integers(1946, 1957))
    paragraphs = (
        f"В целях улучшения работы {ent_gen} и в связи с {reason} ПРИКАЗЫВАЮ:",
        f"1. Назначить тов. {new.full_gen} {pos[3]} с окладом согласно штатному расписанию. "
        f"Тов. {old.gen} {old.initials} освободить от обязанностей {pos2[1]} в связи с "
        f"переходом на другую работу.",
        f"2. За {pick('merits', rng)} объявить благодарность {pos3[2]} тов. {good.dat} "
        f"{good.initials} и премировать месячным окладом.",
        f"3. За {pick('offences', rng)} объявить выговор {pos4[2]} тов. {bad.dat} {bad.initials} "
        f"и предупредить, что при повторении подобных фактов будут приняты более строгие меры.",
        f"4. Главному инженеру {pick('measures', rng, 'i')} до {date(rng, year=year + 1)}. "
        f"Контроль за "
        f"исполнением настоящего приказа возложить на тов. {boss.initials} {boss.gen}.",
    )
    number = int(rng.integers(11, 480))
    return Document(f"ПРИКАЗ № {number}", f"по предприятию от {date(rng, year=year)}", paragraphs)


def harvest(rng: np.random.Generator) -> Document:
    """Information on the harvest in a region's collective farms."""
    region_gen = pick("regions", rng)[:-2] + "ой"
    crop, crop2 = picks("crops", rng, "g", 2)
    area = int(rng.integers(40, 700))
    farm, farm2 = picks("farms", rng, "g", 2)
    district, district2 = picks("districts", rng, "g", 2)
    chair = person(rng)
    centners = f"{rng.uniform(6, 24):.1f}".replace(".", ",")
    said = picks("statements", rng, "a", 2)
    todo = picks("measures", rng, "a", 3)
    paragraphs = (
        f"По состоянию на {date(rng)} колхозы {region_gen} области убрали урожай {crop} на "
        f"площади {area} {plural(area, 'тысяча', 'тысячи', 'тысяч')} гектаров, что составляет "
        f"{percent(rng, 40, 96)} к плану. Урожайность {crop2} составила {centners} центнера с "
        f"гектара.",
        f"Хорошо организована работа в колхозе {farm} {district} района, где уборка ведется "
        f"круглосуточно. Наряду с этим в колхозе {farm2} {district2} района уборка затянулась "
        f"из-за {pick('causes', rng, 'a')}, а {said[0]}.",
        f"Председатель колхоза тов. {chair.nom} {chair.past('объяснил')} отставание тем, что "
        f"{said[1]}. Обком партии считает это объяснение неубедительным.",
        f"Необходимо {todo[0]}, {todo[1]} и {todo[2]}.",
    )
    return Document(
        "ИНФОРМАЦИЯ", f"о ходе уборки урожая в колхозах {region_gen} области", paragraphs
    )


def supply_letter(rng: np.random.Generator) -> Document:
    """A complaint to a ministry that a supplier is short."""
    ent_gen, _ = enterprise(rng)
    material, product = pick("materials", rng), forms("products", rng)
    quarter = PERIODS[int(rng.integers(3))]
    tonnes = int(rng.integers(20, 2000))
    signer = person(rng)
    paragraphs = (
        f"Сообщаем, что по нарядам на {quarter[0]} поставщик недопоставил "
        f"{tonnes} {plural(tonnes, 'тонну', 'тонны', 'тонн')} {material}. Неоднократные "
        f"напоминания результатов не дали.",
        f"Отсутствие {material} ставит под угрозу выполнение плана выпуска {product[1]}. Уже "
        f"сейчас {pick('statements', rng, 'i')}.",
        f"Просим Вас обязать поставщика отгрузить недопоставленное в счет фондов {quarter[1]} "
        f"до {date(rng)}, а также {pick('measures', rng, 'i')}.",
        f"Ответ просим сообщить тов. {signer.initials} {signer.dat}.",
    )
    return Document("ПИСЬМО", f"о недопоставке {material} для {ent_gen}", paragraphs)


def inspection(rng: np.random.Generator) -> Document:
    """A report of an inspection in transport or in housing, schools, health and trade."""
    domain = "t" if rng.random() < 0.5 else "s"
    city = forms("cities", rng)
    inspector, head = person(rng), person(rng)
    pos = forms("positions", rng, domain)
    said = picks("statements", rng, domain, 3)
    causes = picks("causes", rng, domain, 2)
    todo = picks("measures", rng, domain, 3)
    where = "железнодорожного узла" if domain == "t" else "городских организаций"
    paragraphs = (
        f"Комиссия в составе тов. {inspector.gen} (председатель) и представителей общественности "
        f"с {date(rng)} проверила работу {where} г. {city[0]}.",
        f"Проверкой установлено, что {said[0]}. Кроме того, {said[1]}, а {said[2]}.",
        f"Отмеченные недостатки являются следствием {causes[0]} и {causes[1]}. "
        f"{pos[0].capitalize()} тов. {head.nom} {head.past('признал')} критику правильной.",
        f"Комиссия предлагает {todo[0]}, {todo[1]} и {todo[2]}.",
    )
    return Document("АКТ ПРОВЕРКИ", f"работы {where} г. {city[0]}", paragraphs)


def reference(rng: np.random.Generator) -> Document:
    """A personnel reference (характеристика): origin, career, awards, qualities."""
    worker, boss = person(rng), person(rng)
    trade = forms("professions", rng)
    ent_gen, ent_prep = enterprise(rng)
    born, joined = int(rng.integers(1900, 1930)), int(rng.integers(1925, 1950))
    native = "уроженка" if worker.female else "уроженец"
    traits = picks("traits", rng, "g", 4)
    awards = picks("awards", rng, "g", 2)
    paragraphs = (
        f"Тов. {worker.nom} {worker.initials}, {born} года рождения, {native} деревни "
        f"{pick('villages', rng)} {pick('districts', rng)} района, образование "
        f"{EDUCATION[int(rng.integers(len(EDUCATION)))]}, работает на {ent_prep} с {joined} "
        f"года, в настоящее время работает {trade[1]}.",
        f"{traits[0]} {traits[1]} {traits[2]}",
        f"За успехи в работе {worker.past('награжден')} {awards[0]} и {awards[1]}. {traits[3]}",
        f"Характеристика выдана для представления в {DESTINATIONS[int(rng.integers(3))]}.",
        f"Директор тов. {boss.initials} {boss.nom}",
    )
    return Document("ХАРАКТЕРИСТИКА", f"на работника {ent_gen}", paragraphs)


EDUCATION = ("начальное", "неполное среднее", "среднее", "среднее техническое", "высшее")
DESTINATIONS = ("министерство", "районный комитет партии", "приемную комиссию института")

KINDS: tuple[Callable[[np.random.Generator], Document], ...] = (
    plan_report,
    minutes,
    order,
    harvest,
    supply_letter,
    inspection,
    reference,
)
FILE_NAMES = {
    "plan_report": "plan-reports",
    "minutes": "minutes",
    "order": "orders",
    "harvest": "harvest",
    "supply_letter": "supply-letters",
    "inspection": "inspections",
    "reference": "references",
}


def compose(*, count: int, seed: int = SEED) -> dict[str, list[Document]]:
    """``count`` documents, the kinds in turn, deterministic for ``seed``; by template name."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[Document]] = {}
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        out.setdefault(kind.__name__, []).append(kind(rng))
    return out


def write_corpus(documents: dict[str, list[Document]], *, folder: Path = CORPUS_DIR) -> list[Path]:
    """One ``composed-<template>.txt`` per template, documents in order."""
    paths = []
    for name, docs in documents.items():
        path = folder / f"composed-{FILE_NAMES[name]}.txt"
        atomic_write_text(path, "\n".join(doc.as_text() for doc in docs))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the composed corpus files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COMPOSED_COUNT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for path in write_corpus(compose(count=args.count, seed=args.seed)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
