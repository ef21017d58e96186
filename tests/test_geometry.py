"""The page geometry (ocr.geometry) and the outputs moved with it (ocr.reframe): a box found in the
OCR frame (the page deskewed and cropped) lands where its ink is in the page as loaded."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from lxml import etree

from ocr.detect.regions import Region
from ocr.geometry import PageGeometry, rotation_matrix
from ocr.records import Box
from ocr.reframe import reframe_alto, reframe_hocr, reframe_region, reframe_tsv

pytestmark = pytest.mark.unit


def _page_with_square(rows: int, cols: int, square: Box) -> np.ndarray:
    page = np.full((rows, cols), 255, np.uint8)
    page[square.top : square.bottom, square.left : square.right] = 0
    return page


def _ink_box(image: np.ndarray) -> Box:
    ys, xs = np.nonzero(image < 128)
    return Box(
        int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)
    )


@pytest.mark.parametrize("rotation", [0.0, 1.7, -3.2])
def test_a_box_found_in_the_frame_lands_on_its_ink_in_the_original(rotation: float) -> None:
    square = Box(700, 900, 120, 60)
    page = _page_with_square(1600, 1200, square)
    geometry = PageGeometry.rotated(1600, 1200, rotation).cropped(Box(150, 200, 900, 1100))
    frame = geometry.to_frame(page)
    assert frame.shape == geometry.frame_size
    found = _ink_box(frame)  # what a reader of the frame would box
    back = geometry.box_to_original(found)
    slack = 3 + round(abs(np.sin(np.radians(rotation))) * 120)  # a turned box's bounding box
    assert abs(back.left - square.left) <= slack and abs(back.top - square.top) <= slack
    assert abs(back.right - square.right) <= slack and abs(back.bottom - square.bottom) <= slack


def test_points_go_back_through_the_rotation_and_the_crop() -> None:
    geometry = PageGeometry.rotated(1000, 800, 2.5).cropped(Box(40, 60, 700, 900))
    matrix, _, _ = rotation_matrix(1000, 800, 2.5)
    original = [(100.0, 200.0), (650.0, 910.0)]
    forward = [tuple(matrix[:, :2] @ np.array(p) + matrix[:, 2]) for p in original]
    in_frame = [(x - 40, y - 60) for x, y in forward]
    for (x, y), (ox, oy) in zip(geometry.points_to_original(in_frame), original, strict=True):
        assert abs(x - ox) < 1e-6 and abs(y - oy) < 1e-6


def test_identity_and_json_round_trip() -> None:
    same = PageGeometry.identity(300, 200)
    assert same.is_identity and same.box_to_original(Box(5, 6, 7, 8)) == Box(5, 6, 7, 8)
    geometry = PageGeometry.rotated(3508, 2480, -1.25).cropped(Box(10, 20, 2000, 3000))
    assert PageGeometry.from_json(geometry.as_json()) == geometry
    assert not geometry.is_identity and geometry.frame_size == (3000, 2000)


def test_boxes_are_clipped_to_the_page() -> None:
    geometry = PageGeometry.identity(100, 100).cropped(Box(50, 50, 50, 50))
    assert geometry.box_to_original(Box(40, 40, 30, 30)) == Box(90, 90, 10, 10)


GEOMETRY = PageGeometry.identity(2000, 1500).cropped(Box(100, 40, 1200, 1800))

TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
    "\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t1200\t1800\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t95.5\tmot\n"
)


def test_tsv_boxes_move_and_the_page_row_becomes_the_whole_page() -> None:
    rows = [line.split("\t") for line in reframe_tsv(TSV, GEOMETRY).splitlines()]
    assert rows[1][6:10] == ["0", "0", "1500", "2000"]
    assert rows[2][6:10] == ["110", "60", "30", "40"] and rows[2][11] == "mot"


def test_hocr_boxes_baselines_and_image_move() -> None:
    hocr = (
        "<div class='ocr_page' title='image \"p001.ocr.png\"; bbox 0 0 1200 1800; ppageno 0'>"
        "<span class='ocr_line' title=\"bbox 10 20 310 60; baseline 0.01 -5; x_size 30\">"
        "<span class='ocrx_word' title='bbox 10 20 40 60; x_wconf 95'>mot</span>"
        "</span></div>"
    )
    out = reframe_hocr(hocr, GEOMETRY, image_name="p001.view.jpg")
    assert 'image "p001.view.jpg"; bbox 0 0 1500 2000; ppageno 0' in out
    assert "bbox 110 60 410 100; baseline 0.010 -5; x_size 30" in out
    assert "bbox 110 60 140 100; x_wconf 95" in out


def test_alto_positions_move_and_the_page_is_the_whole_scan() -> None:
    alto = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#">'
        b"<Description><sourceImageInformation><fileName>p001.ocr.png</fileName>"
        b'</sourceImageInformation></Description><Layout><Page WIDTH="1200" HEIGHT="1800">'
        b'<PrintSpace HPOS="0" VPOS="0" WIDTH="1200" HEIGHT="1800">'
        b'<TextBlock HPOS="10" VPOS="20" '
        b'WIDTH="30" HEIGHT="40"><TextLine HPOS="10" VPOS="20" WIDTH="30" HEIGHT="40">'
        b'<String HPOS="10" VPOS="20" WIDTH="30" HEIGHT="40" CONTENT="mot"/><SP WIDTH="5" '
        b'VPOS="20" HPOS="40"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>'
    )
    root = etree.fromstring(reframe_alto(alto, GEOMETRY, image_name="p001.view.jpg"))
    ns = {"a": "http://www.loc.gov/standards/alto/ns-v3#"}
    assert root.find(".//a:fileName", ns).text == "p001.view.jpg"
    page = root.find(".//a:Page", ns)
    assert (page.get("WIDTH"), page.get("HEIGHT")) == ("1500", "2000")
    word = root.find(".//a:String", ns)
    assert [word.get(k) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")] == ["110", "60", "30", "40"]
    space = root.find(".//a:SP", ns)
    assert (space.get("HPOS"), space.get("VPOS"), space.get("HEIGHT")) == ("140", "60", None)


def test_regions_move_with_their_polygons() -> None:
    region = Region(
        "stamp", Box(10, 20, 30, 40), ((10, 20), (40, 20), (40, 60), (10, 60)), 0.9, "a stamp"
    )
    moved = reframe_region(region, GEOMETRY)
    assert moved.box == Box(110, 60, 30, 40) and moved.polygon[0] == (110, 60)
    assert moved.reason == "a stamp"


def test_a_rotated_frame_image_matches_cv2_warp() -> None:
    page = cv2.merge([np.arange(120 * 90, dtype=np.uint32).reshape(120, 90).astype(np.uint8)] * 3)
    geometry = PageGeometry.rotated(120, 90, 5.0)
    assert geometry.to_frame(page).shape == (geometry.canvas_rows, geometry.canvas_cols, 3)
    with pytest.raises(ValueError):
        geometry.to_frame(page[:10])


def test_boxes_go_into_the_frame_and_back() -> None:
    geometry = PageGeometry.rotated(1600, 1200, 2.0).cropped(Box(150, 200, 900, 1100))
    box = Box(700, 900, 120, 60)
    there = geometry.box_to_frame(box)
    back = geometry.box_to_original(there)
    assert abs(back.left - box.left) <= 6 and abs(back.bottom - box.bottom) <= 6
    assert geometry.box_to_frame(Box(0, 0, 5, 5)) == Box(0, 0, 1, 1)  # off the paper: clipped
