"""The only way WeasyPrint may load anything while it renders a report.

A report contains text typed by users; if any of it ever reached the HTML unescaped, a
default fetcher would follow `<img src="http://...">` or `file:///etc/passwd`. This
fetcher serves `data:` URLs (the charts), files inside the allowed static folders and the
one stored logo file, and refuses everything else before any I/O happens.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import urlopen

REPORT_STATIC = Path(__file__).resolve().parent / "static"
APP_STATIC = Path(__file__).resolve().parent.parent / "app" / "static"


class FetchRefused(ValueError):
    """A URL the report may not load."""


class ReportUrlFetcher:
    """A WeasyPrint `url_fetcher`: `fetcher(url, timeout=..., ...)` -> dict.

    `calls` records every URL asked for, so tests can prove nothing else was requested.
    """

    def __init__(self, static_dirs: Iterable[Path] = (REPORT_STATIC, APP_STATIC), logo=None):
        self.static_dirs = [Path(d).resolve() for d in static_dirs]
        self.logo = Path(logo).resolve() if logo else None
        self.calls: list[str] = []

    def __call__(self, url: str, timeout: float = 10, ssl_context=None, http_headers=None):
        self.calls.append(url)
        if url.startswith("data:"):
            # urllib decodes data: URLs itself (its DataHandler); nothing leaves the process.
            with urlopen(url) as response:  # noqa: S310 - scheme checked on the line above
                return {"string": response.read(), "mime_type": response.headers.get_content_type()}
        path = self.allowed_path(url)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return {"string": path.read_bytes(), "mime_type": mime_type, "path": str(path)}

    def allowed_path(self, url: str) -> Path:
        """The local file a file:// URL names, if it is allowed; else FetchRefused."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"Rapporten må ikke hente {url!r}")
        # resolve() follows symlinks and "..": the real file must lie inside an allowed place.
        path = Path(unquote(parts.path)).resolve()
        if self.logo is not None and path == self.logo and path.is_file():
            return path
        for folder in self.static_dirs:
            if path.is_relative_to(folder) and path.is_file():
                return path
        raise FetchRefused(f"Rapporten må ikke hente {url!r}")


def file_url(path: Path) -> str:
    return Path(path).resolve().as_uri()
