"""The password policy, after NIST SP 800-63B (5.1.1.2): a minimum length, and no password that is common,
breached, a repeat or a sequence, or made of the service's own words. No rules on which kinds of characters,
no forced changes: a sentence of a few words is the advice.

Whether a password is common, breached or a pattern is judged by zxcvbn (Dropbox's estimator; its lists of
common passwords come from leaked password sets, with English words, names and keyboard patterns), which
estimates how many guesses an attacker needs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

MIN_LENGTH = 12
MAX_LENGTH = 200
# Fewer than 10^8 guesses (zxcvbn's score below 3) is within reach of an online attack that is throttled.
MIN_GUESSES_LOG10 = 8
# The words an attacker tries first against this service, besides the account's own name.
SERVICE_WORDS = ("wijkzicht", "wachtwoord", "leefbaarheid", "veiligheid", "nplv", "welkom", "geheim")
GUESSABLE = (
    "too easy to guess (a common or leaked password, a repeat, a sequence or the service's name): "
    "use a sentence of a few words"
)
# zxcvbn's time grows with the length; what is past this is not needed to judge a password.
_JUDGED_LENGTH = 100


def problem(password: str, own_words: Iterable[str] = ()) -> str | None:
    """Why the password is refused, as the key of its text (translations/errors.yaml, with `min` and `max`);
    None when it is fine."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return "error.password.length"
    return "error.password.guessable" if is_guessable(password, own_words) else None


def is_guessable(password: str, own_words: Iterable[str] = ()) -> bool:
    # imported here: its word lists cost every command that reads the programme store a fiftieth of a second
    from zxcvbn import zxcvbn

    if not password.strip():
        return True
    judged = zxcvbn(password[:_JUDGED_LENGTH], user_inputs=[*SERVICE_WORDS, *own_words])
    return math.log10(float(judged["guesses"])) < MIN_GUESSES_LOG10
