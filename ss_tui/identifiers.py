"""Music identifiers: validation and check digits (docs/architecture.md, "Merge rules").

python-stdnum covers ISRC (with its country code check), EAN/UPC and ISNI; ISWC
and IPI name numbers are small functions of ours. ``clean_*`` return the
canonical form or ``None`` for anything invalid; the ``*_check`` helpers let the
simulator generate valid identifiers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import ean, isni, isrc
from stdnum.exceptions import ValidationError

_ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
_ISWC_RE = re.compile(r"^T\d{10}$")
_IPI_RE = re.compile(r"^\d{11}$")
_SEPARATORS = re.compile(r"[\s.\-]")


def _strip(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def clean_isrc(value: str | None) -> str | None:
    if not value:
        return None
    compact = _strip(value)
    if not _ISRC_RE.match(compact):
        return None
    if compact.isascii():
        # Past the pattern, all python-stdnum checks is the country code (its documented
        # rule); its own clean-up of every character was most of an import's ISRC cost.
        return compact if _isrc_country(compact[:2]) else None
    try:
        return isrc.validate(compact)
    except ValidationError:
        return None


@lru_cache(maxsize=1024)
def _isrc_country(code: str) -> bool:
    """Whether python-stdnum takes ``code`` as an ISRC country (registrant and number
    fixed: it checks only the country beyond the shape)."""
    return isrc.is_valid(f"{code}AAA0000000")


def clean_upc(value: str | None) -> str | None:
    """UPC-A (12) or EAN-13 with a valid GS1 mod-10 check digit."""
    if not value:
        return None
    compact = _strip(value)
    if len(compact) not in (12, 13):
        return None
    try:
        return ean.validate(compact)
    except ValidationError:
        return None


def gs1_check_digit(digits: str) -> str:
    return ean.calc_check_digit(digits)


def iswc_check_digit(nine_digits: str) -> str:
    """ISWC check digit: 1 + Σ i·dᵢ (i = 1..9), then (10 - sum mod 10) mod 10."""
    total = 1 + sum(i * int(d) for i, d in enumerate(nine_digits, start=1))
    return str((10 - total % 10) % 10)


def clean_iswc(value: str | None) -> str | None:
    if not value:
        return None
    compact = _strip(value)
    if not _ISWC_RE.match(compact):
        return None
    if iswc_check_digit(compact[1:10]) != compact[10]:
        return None
    return compact


def ipi_check_digits(nine_digits: str) -> str:
    """IPI name number check: Σ dᵢ·(10 - i) over the first nine digits, mod 101."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine_digits))
    return f"{total % 101 % 100:02d}"


# A catalogue credits the same few hundred people on every track: the IPI and ISNI of each
# credit are checked once per distinct value, not once per credit.
@lru_cache(maxsize=4096)
def clean_ipi(value: str | None) -> str | None:
    if not value:
        return None
    compact = _strip(value)
    if not _IPI_RE.match(compact):
        return None
    if ipi_check_digits(compact[:9]) != compact[9:]:
        return None
    return compact


@lru_cache(maxsize=4096)
def clean_isni(value: str | None) -> str | None:
    if not value:
        return None
    compact = _strip(value)
    try:
        return isni.validate(compact)
    except ValidationError:
        return None


def isni_check_digit(fifteen_digits: str) -> str:
    # stdnum.isni has no calc_check_digit; ISNI uses ISO 7064 mod 11-2.
    from stdnum.iso7064 import mod_11_2

    return mod_11_2.calc_check_digit(fifteen_digits)
