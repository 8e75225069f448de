"""The report form's pure parts, without a browser: tree, coordinates, photos, look-alikes."""

from __future__ import annotations

import base64
import math

import pytest

from dashboard import report_readings as rr
from dashboard.app import callback_body_problem
from dashboard.i18n import TEXT
from dashboard.report_form import FormState

CATEGORIES = [
    {"code": "03", "name": "市容环境", "parent": None},
    {"code": "0302", "name": "暴露垃圾", "parent": "03", "unit": "cgj", "urgent": False,
     "limits": {"accept": "2h", "handle": "1d"}},
    {"code": "0101", "name": "邻里纠纷", "parent": "01", "unit": None, "urgent": False},
    {"code": "01", "name": "矛盾纠纷", "parent": None},
    {"code": "0301", "name": "乱堆杂物", "parent": "03", "unit": "cgj", "urgent": False},
    {"code": "09", "name": "空大类", "parent": None},
]  # fmt: skip


def test_the_tree_puts_each_small_category_under_its_group_in_code_order() -> None:
    tree = rr.category_tree(CATEGORIES)
    assert [(g.code, [leaf.code for leaf in g.children]) for g in tree] == [
        ("01", ["0101"]),
        ("03", ["0301", "0302"]),
    ]
    assert tree[1].children[1].limits == {"accept": "2h", "handle": "1d"}
    assert tree[0].children[0].unit is None  # goes to the township, not a bureau
    store = rr.category_store(tree, {"cgj": "城管执法"})
    assert [leaf["code"] for leaf in store["groups"]["03"]] == ["0301", "0302"]
    assert store["names"]["0302"] == "市容环境 / 暴露垃圾" and store["units"]["cgj"] == "城管执法"


@pytest.mark.parametrize(
    ("text", "axis", "value"),
    [("115.3046", "lon", 115.3046), (" 22,7712 ", "lat", 22.7712), ("-90", "lat", -90.0),
     ("115.3°", "lon", 115.3)],
)  # fmt: skip
def test_typed_coordinates_are_read(text: str, axis: str, value: float) -> None:
    assert rr.parse_coordinate(text, axis) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "axis", "key"),
    [("", "lon", "report_err_lon_missing"), (None, "lat", "report_err_lat_missing"),
     ("abc", "lon", "report_err_not_number"), ("181", "lon", "report_err_lon_range"),
     ("-90.5", "lat", "report_err_lat_range"), ("nan", "lat", "report_err_lat_range")],
)  # fmt: skip
def test_unusable_coordinates_name_the_field_and_a_known_message(
    text: str | None, axis: str, key: str
) -> None:
    with pytest.raises(rr.FormProblem) as caught:
        rr.parse_coordinate(text, axis)
    assert (caught.value.field, caught.value.key) == (axis, key)
    assert key in TEXT


def test_the_search_box_holds_the_circle_and_look_alikes_are_nearest_first() -> None:
    lon, lat = 115.3046, 22.7712
    west, south, east, north = rr.search_bbox(lon, lat, 100)
    for bearing in range(0, 360, 15):
        dlat = 100 / rr.METRES_PER_DEGREE * math.cos(math.radians(bearing))
        dlon = (
            100
            / (rr.METRES_PER_DEGREE * math.cos(math.radians(lat)))
            * math.sin(math.radians(bearing))
        )
        assert west <= lon + dlon <= east and south <= lat + dlat <= north
    items = [
        {"id": 1, "case_no": "A", "status": "reported", "lon": lon + 0.0008, "lat": lat},  # ~82 m
        {"id": 2, "case_no": "B", "status": "claimed", "status_label": "已签收",
         "lon": lon, "lat": lat + 0.0002, "description": "  很长的\n描述 " * 10},  # ~22 m
        {"id": 3, "case_no": "C", "status": "reported", "lon": lon + 0.0012, "lat": lat},  # ~123 m
    ]  # fmt: skip
    found = rr.nearby_cases(items, lon, lat, radius_m=100)
    assert [n.case_no for n in found] == ["B", "A"]
    assert found[0].distance_m == pytest.approx(22.2, abs=0.5)
    assert found[0].status_label == "已签收" and found[1].status_label == "reported"
    assert len(found[0].description) <= 40 and "\n" not in found[0].description
    marks = rr.check_marks(found)
    assert marks["radius_m"] == rr.DUPLICATE_RADIUS_M
    assert [m[2].split(" · ")[0] for m in marks["found"]] == ["B", "A"]


def test_distance_matches_a_known_length() -> None:
    # one degree of latitude is about 111.2 km on the mean sphere
    assert rr.distance_m(115.0, 22.0, 115.0, 23.0) == pytest.approx(111_195, rel=1e-3)


def _data_url(content_type: str, data: bytes) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def test_photos_are_decoded_and_refused_by_type_and_size() -> None:
    assert rr.decode_photo(None, None) is None
    photo = rr.decode_photo(_data_url("image/png", b"\x89PNG..."), "scene.png")
    assert photo == rr.Photo("scene.png", "image/png", b"\x89PNG...")
    assert rr.decode_photo(_data_url("image/jpg", b"x"), None).content_type == "image/jpeg"
    for contents, key in (
        (_data_url("application/pdf", b"%PDF"), "report_err_photo_type"),
        ("data:image/png;base64,@@@", "report_err_photo_type"),
        (_data_url("image/webp", b"0" * (rr.PHOTO_MAX_BYTES + 1)), "report_err_photo_size"),
    ):
        with pytest.raises(rr.FormProblem) as caught:
            rr.decode_photo(contents, "x")
        assert (caught.value.field, caught.value.key) == ("photo", key)


def test_the_intake_body_keeps_the_raw_point_and_its_crs() -> None:
    form = FormState(
        point={"lon": 115.309, "lat": 22.768, "crs": "gcj02", "wgs84": [115.304, 22.771]},
        category="0302",
        description="  垃圾堆放三天  ",
        address=" ",
        source="visit",
        urgent=["urgent"],
        photo_contents=None,
        photo_name=None,
        categories={"names": {"0302": "市容环境 / 暴露垃圾"}},
    )
    assert form.body() == {
        "category": "0302", "description": "垃圾堆放三天", "lon": 115.309, "lat": 22.768,
        "crs": "gcj02", "source": "visit", "urgent": True,
    }  # fmt: skip
    assert form.category_name() == "市容环境 / 暴露垃圾"
    for change, field in (
        ({"point": None}, "point"),
        ({"category": None}, "category"),
        ({"description": " "}, "description"),
        ({"description": "字" * 2001}, "description"),
    ):
        with pytest.raises(rr.FormProblem) as caught:
            FormState(**{**form.__dict__, **change}).body()
        assert caught.value.field == field


def test_api_refusals_become_chinese_lines_per_field() -> None:
    validation = {
        "detail": "...",
        "error": "invalid_input",
        "field": "description",
        "problems": [
            {"field": "description", "message": "String should have at least 1 character"},
            {"field": "lon,lat", "message": "point (1, 2) in wgs84 lies outside every grid"},
        ],
    }
    problems = rr.api_problems(422, validation, "...")
    assert [(p.field, p.key) for p in problems] == [
        ("description", "=String should have at least 1 character"),
        ("point", "report_err_outside"),
    ]
    conflict = {"detail": "Idempotency-Key was already used for case X with a different body",
                "error": "conflict", "field": "Idempotency-Key"}  # fmt: skip
    assert rr.api_problems(409, conflict, "")[0] == rr.FormProblem(
        "submission", "report_err_key_reused"
    )
    assert rr.api_problems(403, None, "role 'analyst' may not report")[0].key == (
        "report_err_forbidden"
    )
    for field in ("point", "description", "submission", "form", "photo"):
        assert f"report_field_{field}" in TEXT


def test_map_labels_keep_their_digits_and_the_grid_path_reads_down() -> None:
    assert rr.map_label("第12网格") == "第１２网格"
    grid = {"large": "1", "medium": "11", "small": "1101"}
    assert (
        rr.grid_path(grid, {"1": "测试1街道", "11": "测试11社区"})
        == "测试1街道 › 测试11社区 › 1101"
    )
    assert rr.area_bounds([(0, 0, 1, 1), (2, -1, 3, 0.5)]) == (0, -1, 3, 1)
    assert rr.area_bounds([]) is None


def test_a_callback_with_one_output_passes_the_request_guard() -> None:
    single = {"output": "a.children", "outputs": {"id": "a", "property": "children"},
              "inputs": [], "changedPropIds": []}  # fmt: skip
    assert callback_body_problem(single, known_outputs={"a.children"}) is None
    broken = {**single, "outputs": "a"}
    assert callback_body_problem(broken, known_outputs={"a.children"})[0] == "outputs"
