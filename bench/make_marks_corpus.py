"""Write bench/data/marks_inline.txt: documents whose sentences carry the typewriter's "№" in the
middle of a line (after "за", "от", a comma, "письмо", before numbers with "/" or "-") beside
the real one-letter words a number follows ("в 1949 году", "с 12 мая", "и 5 тонн"), for the
fit pages of bench/learn_marks.py (dev seeds 5900-5999; ocr_synth's corpus and defaults are
not touched). Deterministic: the same seed writes the same file.

Run: .venv/bin/python -m bench.make_marks_corpus
"""

from __future__ import annotations

import random

from bench.common import BENCH

OUT = BENCH / "data" / "marks_inline.txt"
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


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(documents(), encoding="utf-8")
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
