"""Order numbers people can read aloud and type: `SH-7K4Q-2M9X`.

Eight random characters from Crockford's base-32 alphabet (no I, L, O, U: nothing to confuse
with 1, 0 or V), so 32⁸ ≈ 1.1 × 10¹² numbers: not guessable in sequence (each is drawn with
`secrets`), and a collision is rare enough that the unique index plus a retry of the
placement (see checkout) handles it.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "SH"
PATTERN = re.compile(rf"^{PREFIX}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def order_number_new() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{PREFIX}-{chars[:4]}-{chars[4:]}"
