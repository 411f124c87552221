"""Spreadsheet formula injection: neutralised on export, undone on import.

A spreadsheet runs a cell that starts with =, +, -, @ (and, in some, a tab or a carriage
return) as a formula: a contact named `=HYPERLINK("http://evil","click")` becomes a link,
`=cmd|' /C calc'!A0` a command (OWASP, "CSV injection"). Exports to CSV therefore put an
apostrophe in front of such a cell, which spreadsheets show as text and do not display.

That changes data that legitimately starts with one of them, and crm has plenty: E.164
phone numbers (+4791234567), negative amounts (-5), birthdays without a year (--03-14).
So the rule is made reversible: export also puts an apostrophe in front of a cell that
already starts with one, and import takes one apostrophe off a cell that starts with an
apostrophe followed by a trigger character or another apostrophe. `crm export` then
`crm import` gives back exactly what was exported, and a file saved by a spreadsheet
that kept the apostrophes ('+4791234567) imports as the number.

A cell that is nothing but signed numbers (an E.164 phone number such as +4791234567,
several of them as an export lists them, "+4791234567, +4722334455", an amount such as
-5 or -12.50) is left as it is: digits cannot call a function or reach outside the sheet,
so there is nothing to neutralise, while an apostrophe would show in every other tool
that reads the file (and in the spreadsheet's own CSV import).
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*TRIGGERS, "'")
_SIGNED_NUMBERS = re.compile(r"[+-]\d+(?:\.\d+)?(?:, [+-]?\d+(?:\.\d+)?)*")


def neutralise(text: str) -> str:
    if text and text[0] in _ESCAPED and not _SIGNED_NUMBERS.fullmatch(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in _ESCAPED:
        return text[1:]
    return text
