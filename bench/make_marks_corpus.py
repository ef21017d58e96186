"""Write bench/data/marks_inline.txt and bench/data/marks_heading.txt. marks_inline.txt:
documents whose sentences carry the typewriter's "№" in the middle of a line (after "за", "от",
a comma, "письмо", before numbers with "/" or "-") beside
the real one-letter words a number follows ("в 1949 году", "с 12 мая", "и 5 тонн"), for the
fit pages of bench/learn_marks.py (dev seeds 5900-5999; ocr_synth's corpus and defaults are
not touched). marks_heading.txt: documents headed by a word in capitals before the mark
("ПРОТОКОЛ № 29", "ПРИКАЗ № 5", "АКТ № 3", "ВЫПИСКА ИЗ ПРОТОКОЛА № 12"), as a title and as
lines of their own, beside lines in capitals where a real one-letter word stands before a number
("ДОБЫЧА УГЛЯ В 1950", "СВЕДЕНИЯ О ПОСТАВКАХ С 1 ЯНВАРЯ", "ЦЕХА И 5 УЧАСТКОВ") and initials
("М. И. Петров"). Deterministic: the same seed writes the same file.

Run: .venv/bin/python -m bench.make_marks_corpus
"""

from __future__ import annotations

import random

from bench.common import BENCH

OUT = BENCH / "data" / "marks_inline.txt"
HEADING_OUT = BENCH / "data" / "marks_heading.txt"
SEED = 5900
MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
SUFFIX = ("", "/с", "/сс", "/ос", "-р", "-с")
MARKED = (
    "В ответ на Ваше письмо № {n} от {d} сообщаем, что {goods} будут отгружены до {d2}.",
    "Согласно приказу министерства № {n}{s} от {d} предприятие обязано сдать отчет.",
    "Во исполнение постановления Совета Министров СССР от {d} № {n}{s} сообщаем следующее.",
    "Направляем акт № {n}, накладную № {m}{s} и справку о качестве {goods}.",
    "Ваш запрос за № {n}{s} от {d} рассмотрен на заседании коллегии.",
    "По наряду № {n}-{k} от {d} недопоставлено {t} тонн {goods}.",
    "Сообщаем, что письмом № {n} от {d} мы уже просили ускорить отгрузку.",
    "Копию распоряжения № {n}{s} прилагаем, подлинник направлен в трест.",
    "Дело № {n}, том {k}, передано в архив управления {d}.",
    "На основании решения исполкома от {d} за № {n}{s} работы прекращены.",
    "Телеграммой № {n} от {d}, а также письмом № {m} трест был извещен.",
    "Указанные в приложении № {k} сведения уточнены по состоянию на {d}.",
)
PLAIN = (
    "Работы начаты с {day} {month} и закончены в {year} году.",
    "В {year} году план выполнен на {p} процентов.",
    "Бригада и {k} рабочих прибыли к {day} {month}.",
    "Отгружено {t} тонн {goods} и {k} вагонов леса.",
    "С {day} {month} по {day2} {month} простой составил {k} суток.",
    "Совещание перенесено на {day} {month} {year} года.",
    "К {day} {month} остаток составил {t} тонн, в {k} раз меньше плана.",
)
GOODS = ("угля", "цемента", "металла", "мазута", "леса", "кирпича", "зерна", "тары", "соли")
TITLES = ("ПИСЬМО", "СПРАВКА", "ДОКЛАДНАЯ ЗАПИСКА", "СООБЩЕНИЕ")


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(1946, 1958)} года"


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        n=rng.randint(12, 4999),
        m=rng.randint(12, 999),
        k=rng.randint(2, 9),
        s=rng.choice(SUFFIX),
        t=rng.randint(15, 2400),
        p=rng.randint(60, 140),
        d=_date(rng),
        d2=_date(rng),
        day=rng.randint(1, 28),
        day2=rng.randint(1, 28),
        month=rng.choice(MONTHS),
        year=rng.randint(1946, 1958),
        goods=rng.choice(GOODS),
    )


def documents(count: int = 16, seed: int = SEED) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        paragraphs = []
        for _ in range(5):
            pool = [*rng.sample(MARKED, 3), rng.choice(PLAIN)]
            rng.shuffle(pool)
            paragraphs.append(" ".join(_fill(t, rng) for t in pool))
        title = rng.choice(TITLES)
        subject = f"о поставках {rng.choice(GOODS)} по нарядам треста"
        out.append(f"=== {title} | {subject}\n" + "\n\n".join(paragraphs) + "\n")
    return "\n".join(out)


HEADS = (
    "ПРОТОКОЛ", "ПРИКАЗ", "АКТ", "РАСПОРЯЖЕНИЕ", "ПОСТАНОВЛЕНИЕ", "ТЕЛЕГРАММА", "СПРАВКА",
    "РЕШЕНИЕ", "ПРЕДПИСАНИЕ", "НАРЯД", "ДОГОВОР", "ДОНЕСЕНИЕ",
)  # fmt: skip
HEADED = (
    "{head} № {n}",
    "{head} № {n}",
    "{head} № {n}{s}",
    "ВЫПИСКА ИЗ ПРОТОКОЛА № {n}",
    "ВЫПИСКА ИЗ ПРИКАЗА № {n} по тресту",
    "ПРИЛОЖЕНИЕ № {k}",
    "{head} № {n} от {d}",
)
CAPITAL_WORDS = (  # real one-letter words before a number in a line in capitals
    "ДОБЫЧА {goods_caps} В {year}",
    "СВЕДЕНИЯ О ПОСТАВКАХ С {day} {month_caps}",
    "ОБ ОБЕСПЕЧЕНИИ ЦЕХА И {k} УЧАСТКОВ",
    "ПЛАН ПОСТАВОК К {day} {month_caps} {year} ГОДА",
    "ОТЧЕТ О РАБОТЕ ТРЕСТА В {year} ГОДУ",
    "ОСТАТКИ {goods_caps} НА СКЛАДАХ С {day} {month_caps}",
    "СПИСОК ЗАДАНИЙ НА {year} ГОД",
)
BODY = (
    "Присутствовали: {i1}. {i2}. {name}, {i3}. {i1}. {name2} и другие.",
    "Председатель комиссии {i1}. {i2}. {name}. Секретарь {i3}. {i2}. {name2}.",
    "Слушали: сообщение тов. {name} о выполнении плана поставок {goods} за {year} год.",
    "Постановили: обязать тов. {name} к {day} {month} представить отчет по наряду № {n}.",
    "В {year} году трест выполнил план на {p} процентов, и {k} предприятий его перевыполнили.",
    "С {day} {month} отгрузка {goods} прекращена, о чем сообщено письмом № {n} от {d}.",
    "Копию приказа № {n}{s} направить тов. {i1}. {i2}. {name} для исполнения.",
)
NAMES = ("Петров", "Козлов", "Иванов", "Смирнов", "Зорин", "Морозов", "Волков", "Лебедев")
INITIALS = "АБВГДЕИКЛМНОПРСТФЯ"
CAPS_GOODS = ("УГЛЯ", "ЦЕМЕНТА", "МЕТАЛЛА", "МАЗУТА", "ЛЕСА", "КИРПИЧА", "ЗЕРНА", "СОЛИ")


def _fill_heading(template: str, rng: random.Random) -> str:
    month = rng.choice(MONTHS)
    return template.format(
        head=rng.choice(HEADS),
        n=rng.randint(1, 499),
        k=rng.randint(2, 9),
        s=rng.choice(SUFFIX),
        d=_date(rng),
        day=rng.randint(1, 28),
        month=month,
        month_caps=month.upper(),
        year=rng.randint(1946, 1958),
        p=rng.randint(60, 140),
        goods=rng.choice(GOODS),
        goods_caps=rng.choice(CAPS_GOODS),
        name=rng.choice(NAMES),
        name2=rng.choice(NAMES),
        i1=rng.choice(INITIALS),
        i2=rng.choice(INITIALS),
        i3=rng.choice(INITIALS),
    )


def heading_documents(count: int = 24, seed: int = SEED + 5) -> str:
    """Documents whose title is a word in capitals before the mark, with more such lines (a
    paragraph of their own) and lines in capitals with a real one-letter word before a number
    among paragraphs that carry initials and the plain "в 1949 году", "с 12 мая"."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        paragraphs = []
        for _ in range(6):
            kind = rng.random()
            if kind < 0.4:
                paragraphs.append(_fill_heading(rng.choice(HEADED), rng))
            elif kind < 0.65:
                paragraphs.append(_fill_heading(rng.choice(CAPITAL_WORDS), rng))
            pool = rng.sample(BODY, 2) + [rng.choice(MARKED), rng.choice(PLAIN)]
            rng.shuffle(pool)
            paragraphs.append(
                " ".join(
                    _fill(t, rng) if t in MARKED or t in PLAIN else _fill_heading(t, rng)
                    for t in pool
                )
            )
        title = _fill_heading(rng.choice(HEADED[:3]), rng)
        subject = f"о поставках {rng.choice(GOODS)} по нарядам треста"
        out.append(f"=== {title} | {subject}\n" + "\n\n".join(paragraphs) + "\n")
    return "\n".join(out)


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(documents(), encoding="utf-8")
    HEADING_OUT.write_text(heading_documents(), encoding="utf-8")
    print(OUT, HEADING_OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
