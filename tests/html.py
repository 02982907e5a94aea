"""Reading rendered pages in tests without depending on attribute order."""

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea", "select", "button"):
            self.found.append({"tag": tag, **{k: (v if v is not None else True) for k, v in attrs}})


def controls(html: str, name: str | None = None) -> list[dict]:
    """Every form control of a page (input, textarea, select, button) as a dict of its
    attributes, optionally only those with a given name."""
    parser = _Inputs()
    parser.feed(html)
    return [c for c in parser.found if name is None or c.get("name") == name]


def checked_values(html: str, name: str) -> set[str]:
    return {c.get("value", "") for c in controls(html, name) if "checked" in c}
