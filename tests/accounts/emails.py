"""Reading the token out of an emailed link, as a client would."""

from __future__ import annotations

import re

TOKEN_LINE = re.compile(r"\?token=([A-Za-z0-9_\-]+)")


def token_from(message) -> str:
    match = TOKEN_LINE.search(message.body)
    assert match, message.body
    return match.group(1)
