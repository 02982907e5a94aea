"""Text cells of the files people open in a spreadsheet (exports, the access log as CSV)."""

#: What makes a spreadsheet read a cell as a formula (or a command) instead of text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell as a spreadsheet will show it, never run it."""
    return "'" + text if text.startswith(FORMULA_START) else text
