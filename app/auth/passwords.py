"""The password policy: long enough, not one character repeated, not the user's own
e-mail, not a common password, not a short unit repeated, not a straight run on the
keyboard or in the alphabet, and enough different characters. Every place that sets a
password asks `password_problem`."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 10
MIN_DISTINCT_CHARACTERS = 5

# Straight runs: the alphabet, the digits (also as on the keyboard, 0 after 9) and the
# letter rows of a Danish keyboard. Written twice so a run may wrap around ("7890123").
_SEQUENCES = tuple(
    row * 2
    for row in (
        "abcdefghijklmnopqrstuvwxyzæøå",
        "0123456789",
        "qwertyuiopå",
        "asdfghjklæø",
        "zxcvbnm",
    )
)

# About a thousand of the most used passwords, Danish ones included, one per line.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# "Sommer2024!", "kodeord1234", "password_123": a listed word with digits and signs
# around it is just as easy to guess.
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def is_common(password: str) -> bool:
    folded = password.strip().lower()
    listed = common_passwords()
    if folded in listed:
        return True
    bare = _DECORATION.sub("", folded)
    return len(bare) >= 4 and bare in listed


def _without_one_trailing(folded: str) -> tuple[str, ...]:
    # "aaaaaaaaab", "123456789!": one extra character at the end does not help.
    return (folded, folded[:-1]) if len(folded) > 2 else (folded,)


def is_repeated_unit(password: str) -> bool:
    """`abab…`, `asdfasdf`, `Ab1!Ab1!Ab1!`: a unit repeated at least twice makes up the
    whole password (case ignored), also with one extra character at the end."""
    for text in _without_one_trailing(password.lower()):
        size = len(text)
        for unit in range(1, size // 2 + 1):
            if size % unit == 0 and text == text[:unit] * (size // unit):
                return True
    return False


def is_sequence(password: str) -> bool:
    """`1234567890`, `qwertyuiop`, `abcdefghij`, `9876543210`: a straight run on the
    keyboard or in the alphabet, forwards or backwards, also with one extra character at
    the end or with digits and signs around it (`Asdfghjkl2024!`)."""
    folded = password.lower()
    candidates = set(_without_one_trailing(folded))
    bare = _DECORATION.sub("", folded)
    if len(bare) >= 6:
        candidates.add(bare)
    for text in candidates:
        if len(text) < 4:
            continue
        for row in _SEQUENCES:
            if text in row or text[::-1] in row:
                return True
    return False


def email_local_part(email: str | None) -> str:
    return (email or "").strip().lower().partition("@")[0]


def password_problem(password: str, email: str | None = None) -> str | None:
    """None when `password` may be used by the user with `email`, else why not (Danish)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Adgangskoden skal være mindst {MIN_PASSWORD_LENGTH} tegn."
    if len(set(password)) == 1:
        return "Adgangskoden må ikke bestå af det samme tegn gentaget."
    local = email_local_part(email)
    if len(local) >= 3 and local in password.lower():
        return "Adgangskoden må ikke indeholde din e-mailadresse (delen før @)."
    if is_common(password):
        return (
            "Adgangskoden er en af de mest almindelige adgangskoder og er let at gætte. "
            "Vælg en anden, fx flere tilfældige ord."
        )
    if is_repeated_unit(password):
        return (
            "Adgangskoden må ikke bestå af den samme tegnfølge gentaget "
            "(fx »ababab« eller »asdfasdf«). Vælg fx flere tilfældige ord."
        )
    if is_sequence(password):
        return (
            "Adgangskoden må ikke være tegn i træk på tastaturet eller i alfabetet "
            "(fx »1234567890«, »qwertyuiop« eller »abcdefghij«)."
        )
    if len(set(password.lower())) < MIN_DISTINCT_CHARACTERS:
        return (
            f"Adgangskoden skal indeholde mindst {MIN_DISTINCT_CHARACTERS} forskellige tegn "
            "(store og små bogstaver tæller som ét). Vælg fx flere tilfældige ord."
        )
    return None
