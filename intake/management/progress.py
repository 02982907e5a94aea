"""Progress of long management commands on standard error (tqdm), shown only on a terminal:
piped or redirected output, cron and CI stay silent."""

import sys

from tqdm import tqdm


def progress_bar(*, total: int, unit: str, stream=None, description: str = "") -> tqdm:
    """A tqdm bar over `total` items on `stream` (standard error by default), disabled when
    the stream is not a terminal."""
    stream = stream if stream is not None else sys.stderr
    is_terminal = getattr(stream, "isatty", lambda: False)()
    return tqdm(
        total=total,
        unit=unit,
        desc=description,
        file=stream,
        disable=not is_terminal,
        mininterval=0.5,
        leave=True,
    )
