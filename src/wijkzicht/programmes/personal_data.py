"""Personal data in residents' free text, found before the text is stored and masked for all but its moderator.

A resident writes about their street, and sometimes about a neighbour: "meneer De Vries van nummer 12",
a phone number, a BSN. The moderation queue is for the focus area's editor; everywhere else (the public page,
the audit log a partner reads, a report) the text is shown with these parts masked, and the moderator can
replace the stored text by its masked form (redaction). The patterns are deliberately Dutch and specific:
a BSN must pass the eleven-test, a phone number must be a Dutch one, a street must end like a Dutch street.
A name is found only after a salutation; a bare name ("Jan Jansen") is left to the moderator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "***"
KINDS = ("bsn", "phone", "email", "postcode_house_number", "street_number", "name")

_SEPARATED_DIGITS = r"\d(?:[ .-]?\d){8}"  # nine digits, written 123456782, 1234.56.782 or 123 456 782
_BSN = re.compile(rf"(?<![\d+])({_SEPARATED_DIGITS})(?![\d])")
# +31 6 12345678, 0031 10 1234567, 06-12345678, (010) 123 45 67: a trunk or country prefix and nine digits
_PHONE = re.compile(r"(?<![\w+])\(?(?:\+31|0031|0)[ .()-]*(?:\(0\))?[ .()-]*\d(?:[ .()-]{0,3}\d){8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 3562 JT 12, 3562JT-12a (a postcode beside a house number is one address)
_POSTCODE_HOUSE = re.compile(
    r"\b[1-9]\d{3}\s?[A-Za-z]{2}\b[\s,:-]*(?:nr\.?|nummer|huisnummer)?\s*\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?",
    re.IGNORECASE,
)
_STREET_ENDINGS = (
    "straat|laan|weg|plein|dreef|gracht|kade|singel|dijk|hof|park|pad|steeg|ring|baan|markt|plantsoen|allee|"
    "boulevard|kanaal|veld|zijde|wal|haven|erf|oord|dam|vliet|poort|rade|lei|hage"
)
_PREFIXES = r"(?:van|de|der|den|het|ten|ter|te|'t|in|op|la|le|du)"
_UPPER = "A-ZÀ-ÖØ-ÞŞĞİ"  # Latin capitals, with the Turkish ones of many Dutch surnames
_CAPITALISED = rf"[{_UPPER}][\w'-]*"
# Zamenhofdreef 12, Burgemeester de Vlugtlaan 121-b, Van Speijkstraat 3a: up to three words before it
_STREET_NUMBER = re.compile(
    rf"(?:\b(?:{_CAPITALISED}|{_PREFIXES})\s+){{0,3}}\b[\w'-]{{2,}}(?i:{_STREET_ENDINGS})\s+\d{{1,5}}"
    r"(?:\s?[a-zA-Z]\b|-\w+)?"
)
_SALUTATION = r"(?i:\b(?:meneer|mijnheer|mevrouw|mevr|juffrouw|dhr|hr|mw|mr|mej|familie|fam|de heer)\b\.?)"
_LOWER = rf"[^\W\d_{_UPPER}]"  # a letter that is not a capital
_NAME_WORD = (
    rf"(?:{_PREFIXES}\s+)*[{_UPPER}]{_LOWER}+(?:-[{_UPPER}]?{_LOWER}+)?"  # Jansen, van den Berg, Öztürk
)
_NAME = re.compile(  # J. Jansen, J.P. van den Berg, Ayşe Öztürk
    rf"{_SALUTATION}\s+(?P<name>(?:[{_UPPER}]\.\s*)*{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
)


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int
    end: int


def eleven_test(digits: str) -> bool:
    """A BSN's check: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11 (and not all zeros)."""
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return (
        len(digits) == 9
        and int(digits) > 0
        and sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11 == 0
    )


def find(text: str) -> list[Finding]:
    """Every stretch of the text that holds personal data, in text order, overlaps merged into the first."""
    found = [
        *(Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)),
        *(
            Finding("bsn", m.start(), m.end())
            for m in _BSN.finditer(text)
            if eleven_test(re.sub(r"\D", "", m.group(1)))
        ),
        *(Finding("phone", m.start(), m.end()) for m in _PHONE.finditer(text)),
        *(Finding("postcode_house_number", m.start(), m.end()) for m in _POSTCODE_HOUSE.finditer(text)),
        *(Finding("street_number", m.start(), m.end()) for m in _STREET_NUMBER.finditer(text)),
        # the name after a salutation; the salutation stays, so a reader still sees that a person was meant
        *(Finding("name", m.start("name"), m.end("name")) for m in _NAME.finditer(text)),
    ]
    merged: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Finding(last.kind, last.start, max(last.end, finding.end))
        else:
            merged.append(finding)
    return merged


def kinds(text: str) -> list[str]:
    """The kinds of personal data the text holds, in KINDS order (for the moderator's notice)."""
    present = {finding.kind for finding in find(text)}
    return [kind for kind in KINDS if kind in present]


def masked(text: str) -> str:
    """The text with every stretch of personal data replaced by MASK."""
    parts, position = [], 0
    for finding in find(text):
        parts += [text[position : finding.start], MASK]
        position = finding.end
    return "".join([*parts, text[position:]])
