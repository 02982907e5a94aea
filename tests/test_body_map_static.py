"""The body map partial against the data dictionary (section 2): no database, no browser.

Renders templates/intake/_body_map.html with a standalone template engine and reads the SVG
regions with the standard library's HTML parser.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template import Context, Engine

ROOT = Path(__file__).resolve().parents[1]
PARTIAL = "intake/_body_map.html"

# code: (label, counts in the WPI, ACR 2016 region) -- intake-data-dictionary.md section 2.
SITES = {
    "jaw_left": ("Jaw, left", "1", "none"),
    "jaw_right": ("Jaw, right", "1", "none"),
    "shoulder_girdle_left": ("Shoulder girdle, left", "1", "left_upper"),
    "upper_arm_left": ("Upper arm, left", "1", "left_upper"),
    "lower_arm_left": ("Lower arm, left", "1", "left_upper"),
    "shoulder_girdle_right": ("Shoulder girdle, right", "1", "right_upper"),
    "upper_arm_right": ("Upper arm, right", "1", "right_upper"),
    "lower_arm_right": ("Lower arm, right", "1", "right_upper"),
    "hip_left": ("Hip (buttock, trochanter), left", "1", "left_lower"),
    "upper_leg_left": ("Upper leg, left", "1", "left_lower"),
    "lower_leg_left": ("Lower leg, left", "1", "left_lower"),
    "hip_right": ("Hip (buttock, trochanter), right", "1", "right_lower"),
    "upper_leg_right": ("Upper leg, right", "1", "right_lower"),
    "lower_leg_right": ("Lower leg, right", "1", "right_lower"),
    "neck": ("Neck", "1", "axial"),
    "upper_back": ("Upper back", "1", "axial"),
    "lower_back": ("Lower back", "1", "axial"),
    "chest": ("Chest", "1", "none"),
    "abdomen": ("Abdomen", "1", "none"),
    "hand_wrist_left": ("Hand and wrist, left", "0", "none"),
    "hand_wrist_right": ("Hand and wrist, right", "0", "none"),
    "knee_left": ("Knee, left", "0", "none"),
    "knee_right": ("Knee, right", "0", "none"),
    "ankle_foot_left": ("Ankle and foot, left", "0", "none"),
    "ankle_foot_right": ("Ankle and foot, right", "0", "none"),
}
FRONT_ONLY = {"jaw_left", "jaw_right", "chest", "abdomen"}
BACK_ONLY = {"upper_back", "lower_back"}
VIEWS = {
    "front": set(SITES) - BACK_ONLY,
    "back": set(SITES) - FRONT_ONLY,
}


def render(**context):
    engine = Engine(dirs=[ROOT / "templates"])
    return engine.get_template(PARTIAL).render(Context(context))


class BodyMapParser(HTMLParser):
    """Collects the regions of each view, with their attributes and <title> text."""

    def __init__(self):
        super().__init__()
        self.view = None
        self.regions = []  # (view, attrs, title)
        self.current = None
        self.in_title = False
        self.outputs = {}
        self.live_outputs = set()
        self.live_depth = 0
        self.depth = 0
        self.summary_items = []
        self.in_li = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.depth += 1
        if tag == "svg":
            self.view = attrs.get("data-bm-view")
        elif "data-site" in attrs:
            self.current = {"view": self.view, "attrs": attrs, "title": ""}
        elif tag == "title" and self.current is not None:
            self.in_title = True
        elif tag == "output":
            self.outputs[attrs.get("id")] = ""
            if self.live_depth:
                self.live_outputs.add(attrs.get("id"))
        elif tag == "li":
            self.in_li = True
            self.summary_items.append("")
        if attrs.get("aria-live") == "polite" and not self.live_depth:
            self.live_depth = self.depth

    def handle_endtag(self, tag):
        if tag == "svg":
            self.view = None
        elif tag == "title":
            self.in_title = False
        elif tag == "li":
            self.in_li = False
        elif self.current is not None and tag != "title":
            self.regions.append(self.current)
            self.current = None
        if self.live_depth == self.depth:
            self.live_depth = 0
        self.depth -= 1

    def handle_data(self, data):
        if self.in_title:
            self.current["title"] += data
        if self.in_li:
            self.summary_items[-1] += data


def parse(html):
    parser = BodyMapParser()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def edit_map():
    return parse(render(selected_sites=["neck", "knee_left"], readonly=False))


def test_the_partial_has_exactly_the_25_site_codes(edit_map):
    codes = {region["attrs"]["data-site"] for region in edit_map.regions}
    assert codes == set(SITES)
    assert len(SITES) == 25
    assert sum(wpi == "1" for _, wpi, _ in SITES.values()) == 19


def test_the_table_here_matches_the_project_code_list():
    # intake/rules is standard-library only, so this needs no Django settings.
    from intake.rules.facts import PAIN_SITES

    project = {s.code: (s.label, "1" if s.wpi else "0", s.region or "none") for s in PAIN_SITES}
    assert project == SITES


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_each_visible_site_appears_once_per_view(edit_map, view):
    codes = [r["attrs"]["data-site"] for r in edit_map.regions if r["view"] == view]
    assert sorted(codes) == sorted(VIEWS[view])


def test_every_region_has_the_dictionary_wpi_flag_region_and_label(edit_map):
    for region in edit_map.regions:
        attrs = region["attrs"]
        label, wpi, acr_region = SITES[attrs["data-site"]]
        assert attrs["data-wpi"] == wpi, attrs["data-site"]
        assert attrs["data-region"] == acr_region, attrs["data-site"]
        assert region["title"].strip() == label, attrs["data-site"]
        assert "bm-region" in attrs["class"].split()


def test_selected_sites_are_highlighted_in_every_view(edit_map):
    selected = {
        (r["view"], r["attrs"]["data-site"])
        for r in edit_map.regions
        if "is-selected" in r["attrs"]["class"].split()
    }
    assert selected == {
        ("front", "neck"),
        ("back", "neck"),
        ("front", "knee_left"),
        ("back", "knee_left"),
    }


def test_edit_mode_provides_the_counts_in_a_live_region(edit_map):
    assert set(edit_map.outputs) == {"bm-wpi", "bm-regions", "bm-sites"}
    assert edit_map.live_outputs == {"bm-wpi", "bm-regions", "bm-sites"}


def test_read_only_map_has_no_tab_stops_and_lists_the_selected_sites():
    html = render(selected_sites={"hip_right", "upper_back"}, readonly=True)
    parsed = parse(html)
    assert 'data-bm-mode="readonly"' in html
    assert "tabindex" not in html
    assert 'role="checkbox"' not in html
    assert parsed.outputs == {}
    assert sorted(parsed.summary_items) == ["Hip (buttock, trochanter), right", "Upper back"]
    highlighted = {
        r["attrs"]["data-site"] for r in parsed.regions if "is-selected" in r["attrs"]["class"]
    }
    assert highlighted == {"hip_right", "upper_back"}


def test_missing_context_renders_an_empty_map():
    parsed = parse(render())
    assert len(parsed.regions) == len(VIEWS["front"]) + len(VIEWS["back"])
    assert not any("is-selected" in r["attrs"]["class"] for r in parsed.regions)


@pytest.mark.parametrize(
    "pattern",
    [r"<script", r"<style", r"<link", r"\sstyle\s*=", r"\son[a-z]+\s*=", r"javascript:"],
)
def test_partial_is_content_security_policy_safe(pattern):
    for html in (render(readonly=False), render(readonly=True)):
        assert not re.search(pattern, html, re.IGNORECASE)


def test_script_sets_state_without_inline_styles_or_eval():
    script = (ROOT / "static" / "intake" / "body_map.js").read_text()
    for forbidden in (".style", "innerHTML", "eval(", "new Function", 'setAttribute("style"'):
        assert forbidden not in script
