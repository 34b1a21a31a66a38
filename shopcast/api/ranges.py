"""HTTP Range requests for downloads: one `bytes=start-end` range (RFC 9110), or the whole body."""

from __future__ import annotations

import re

from shopcast.errors import ShopcastError

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ShopcastError):
    status = 416
    default_code = "range_not_satisfiable"


def byte_range(header: str | None, size: int) -> tuple[int, int, bool]:
    """First and last byte to send, and whether that is a part; RangeNotSatisfiable otherwise."""
    if not header or size == 0:
        return 0, max(size - 1, 0), False
    match = _RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        raise RangeNotSatisfiable(
            "only one range of the form bytes=start-end is supported",
            headers={"Content-Range": f"bytes */{size}"},
        )
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    if start >= size or start > end:
        raise RangeNotSatisfiable(
            f"the range lies outside the {size} bytes", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, end, True
