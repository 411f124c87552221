"""Phone numbers to E.164 at import speed, with exactly the answers of validate.phone_number.

validate.phone_number (phonenumbers' parse, is_possible_number, is_valid_number) costs
about 17 µs a number: 17 seconds on a million-row import, more than everything else
together. Nearly every number in a real file is written one of two plain ways, "+47 912
34 567" or, with a default country, "912 34 567"; for those this module runs the same
decisions as phonenumbers with its own metadata (Google's libphonenumber: nothing here is
hand-written), compiled once per country: about 2 µs. Anything else (letters, an
extension, a national prefix with a transform rule, an IDD prefix such as 00, Italian
leading zeros, non-ASCII digits) goes to validate.phone_number itself, as does every
number the fast path finds invalid, so that errors read the same. A property test holds
the two paths to the same answers over every region's example numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import Pattern

from crmcli import validate

_INTERNATIONAL = re.compile(r"\+[0-9](?:[0-9 ().\-]*[0-9])?")
_NATIONAL = re.compile(r"\(?[0-9](?:[0-9 ().\-]*[0-9])?")
_PUNCTUATION = str.maketrans("", "", " ().-+")
_MIN_NSN, _MAX_NSN = 2, 17
_MAX_INPUT = 250


class _Region:
    """phonenumbers' _number_type_helper(nsn) != UNKNOWN, as one regular expression per
    length: the general description as a look-ahead, then every number type that allows
    that length as alternatives (a type matches when its lengths allow the number's and
    its pattern matches all of it, as in _is_number_matching_desc)."""

    def __init__(self, metadata) -> None:  # type: ignore[no-untyped-def]
        types = (
            metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
            metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail,
            metadata.fixed_line, metadata.mobile,
        )  # fmt: skip
        general = metadata.general_desc
        self.leading_digits = re.compile(metadata.leading_digits) if metadata.leading_digits else None
        general_lengths = _lengths(general)
        general_pattern = general.national_number_pattern if general else None
        typed = [(t.national_number_pattern, _lengths(t)) for t in types
                 if t is not None and t.national_number_pattern]  # fmt: skip
        self.by_length: dict[int, Pattern[str]] = {}
        for n in range(_MIN_NSN, _MAX_NSN + 1):
            if not general_pattern or (general_lengths is not None and n not in general_lengths):
                continue
            alternatives = [p for p, lengths in typed if lengths is None or n in lengths]
            if alternatives:
                either = "|".join(f"(?:{p})" for p in alternatives)
                self.by_length[n] = re.compile(f"(?=(?:{general_pattern})$)(?:{either})")

    def valid(self, nsn: str) -> bool:
        pattern = self.by_length.get(len(nsn))
        return pattern is not None and pattern.fullmatch(nsn) is not None


def _lengths(desc) -> frozenset[int] | None:  # type: ignore[no-untyped-def]
    """A description's possible lengths; None when it lists none (any length is tried)."""
    lengths = tuple(desc.possible_length or ()) if desc is not None else ()
    return frozenset(lengths) if lengths else None


class _Parsing:
    """What parse and is_possible_number read of one region's metadata."""

    def __init__(self, metadata) -> None:  # type: ignore[no-untyped-def]
        general = metadata.general_desc
        prefix = metadata.national_prefix_for_parsing
        self.prefix = re.compile(prefix) if prefix else None  # national_prefix_for_parsing
        self.prefix_simple = not metadata.national_prefix_transform_rule
        pattern = general.national_number_pattern if general else None
        self.general = re.compile(pattern) if pattern else None
        self.lengths = tuple(general.possible_length or ()) if general else ()  # metadata's order
        self.local_lengths = frozenset(general.possible_length_local_only or ()) if general else frozenset()
        self.possible_lengths = frozenset(
            n for n in range(_MAX_NSN + 1) if self.length_result(n) in ("possible", "local")
        )

    def length_result(self, n: int) -> str | None:
        """phonenumbers' _test_number_length for a number of n digits, any type: possible,
        local, short, long or invalid; None where phonenumbers itself would fail."""
        if n in self.local_lengths:
            return "local"
        if not self.lengths:
            return None
        low = self.lengths[0]
        if low == n:
            return "possible"
        if low > n:
            return "short"
        if self.lengths[-1] < n:
            return "long"
        return "possible" if n in self.lengths[1:] else "invalid"

    def strip_prefix(self, number: str) -> str | None:
        """The national number after parse's prefix handling; None when unsure."""
        if self.prefix is None:
            return number
        match = self.prefix.match(number)
        if match is None:
            return number
        if not self.prefix_simple:
            return None
        stripped = number[match.end() :]
        general = self.general
        viable_original = general is not None and general.fullmatch(number) is not None
        viable_stripped = general is not None and general.fullmatch(stripped) is not None
        if viable_original and not viable_stripped:
            return number
        result = self.length_result(len(stripped))
        if result is None:
            return None
        # parse keeps the prefix when the rest would be too short or of no valid length.
        return stripped if result in ("possible", "long") else number


class _Code:
    """One country calling code: how its main region parses, and its regions' number types."""

    def __init__(self, code: int) -> None:
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, REGION_CODE_FOR_NON_GEO_ENTITY, PhoneMetadata

        names = tuple(COUNTRY_CODE_TO_REGION_CODE[code])
        self.plus = f"+{code}"
        self.code = code
        self.main = _Parsing(PhoneMetadata.metadata_for_region_or_calling_code(code, names[0]))
        self.regions: list[_Region | None] = []
        for name in names:
            if name == REGION_CODE_FOR_NON_GEO_ENTITY:
                metadata = PhoneMetadata.metadata_for_nongeo_region(code, None)
            else:
                metadata = PhoneMetadata.metadata_for_region(name, None)
            self.regions.append(None if metadata is None else _Region(metadata))

    def valid(self, nsn: str) -> bool:
        """is_valid_number: the region the number belongs to, then its number types."""
        if len(self.regions) == 1:
            region = self.regions[0]
            return region is not None and region.valid(nsn)
        for region in self.regions:
            if region is None:
                continue
            if region.leading_digits is not None:
                if region.leading_digits.match(nsn):
                    return region.valid(nsn)
            elif region.valid(nsn):
                return True
        return False

    def finish(self, parsing: _Parsing, national: str) -> str | None:
        """parse's national prefix and length rules, is_possible_number, is_valid_number.

        A national number is parsed with its default region's metadata, an international
        one with its calling code's main region's, as phonenumbers does."""
        if parsing.prefix is not None:
            if len(national) < _MIN_NSN:
                return None
            stripped = parsing.strip_prefix(national)
            if stripped is None:
                return None
            national = stripped
        n = len(national)
        if n < _MIN_NSN or n > _MAX_NSN or national[0] == "0":
            return None
        if n not in self.main.possible_lengths or not self.valid(national):
            return None
        return self.plus + national


class PhoneNormaliser:
    """validate.phone_number(text, country), fast for plainly written numbers."""

    def __init__(self) -> None:
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

        self._known = {str(code) for code in COUNTRY_CODE_TO_REGION_CODE}
        self._codes: dict[str, _Code] = {}
        self._regions: dict[str, tuple[_Code, _Parsing, Pattern[str] | None] | None] = {}

    def __call__(self, text: str, country: str | None, field: str = "phone") -> str:
        value = text.strip()
        if len(value) <= _MAX_INPUT:
            found = None
            if value[:1] == "+":
                if _INTERNATIONAL.fullmatch(value):
                    found = self._international(value.translate(_PUNCTUATION))
            elif country and _NATIONAL.fullmatch(value):
                found = self._national(value.translate(_PUNCTUATION), country)
            if found:
                return found
        return _slow(text, country, field)

    def _international(self, digits: str) -> str | None:
        if len(digits) <= _MIN_NSN or digits[0] == "0":
            return None
        for size in (1, 2, 3):
            prefix = digits[:size]
            if prefix in self._known:
                code = self._codes.get(prefix)
                if code is None:
                    code = self._codes[prefix] = _Code(int(prefix))
                return code.finish(code.main, digits[size:])
        return None

    def _national(self, digits: str, country: str) -> str | None:
        if country in self._regions:
            info = self._regions[country]
        else:
            info = self._regions[country] = self._region(country.upper())
        if info is None:
            return None
        code, parsing, idd = info
        if idd is not None and idd.match(digits):
            return None  # maybe an international call prefix such as 00: parse decides
        if digits.startswith(str(code.code)):
            return None  # maybe the country code written without +: parse decides
        if len(digits) < _MIN_NSN:
            return None
        return code.finish(parsing, digits)

    def _region(self, region: str) -> tuple[_Code, _Parsing, Pattern[str] | None] | None:
        from phonenumbers import PhoneMetadata

        metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is None:
            return None
        prefix = str(metadata.country_code)
        code = self._codes.get(prefix)
        if code is None:
            code = self._codes[prefix] = _Code(int(prefix))
        idd = re.compile(metadata.international_prefix) if metadata.international_prefix else None
        return code, _Parsing(metadata), idd


@lru_cache(maxsize=4096)
def _slow(text: str, country: str | None, field: str) -> str:
    return validate.phone_number(text, country, field)
