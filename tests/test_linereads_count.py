"""bench/count_linereads.py drops one way of reading a line from the shipped rule, and only it."""

from __future__ import annotations

import pytest

from bench.count_linereads import without
from ocr.linereads import Variant
from ocr.readings import choice_rules


@pytest.mark.unit
def test_without_drops_one_variant_for_doubtful_and_unknown_lines_alike() -> None:
    rule = choice_rules().reread
    assert rule is not None
    for unknown in (False, True):
        variants = rule.line_variants(unknown=unknown)
        for v in variants:
            left = without(rule, v).line_variants(unknown=unknown)
            assert v not in left
            assert set(left) == set(variants) - {v}
    grey = Variant(0.5, True)
    assert grey in rule.line_variants(unknown=False)  # the shipped rule reads the grey crop
    assert without(rule, grey).scales == rule.scales
