"""The password policy: long enough, not a common password, not the user's own e-mail,
not one character repeated. Every place that sets a password asks `password_problem`."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 10

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
    return None
