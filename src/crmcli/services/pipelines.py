"""Pipelines, their stages and win probabilities, lost reasons and forecast settings, from
the config; and the validators of those sections (registered in config.SECTIONS).

    [[pipelines]]
    name = "sales"
    [[pipelines.stages]]
    name = "qualification"
    probability = 10

The first pipeline is the default one. Stages are open stages, in order; `won` and `lost`
are the two terminal stages of every pipeline and cannot be configured. When the config
has no `[[pipelines]]`, the built-in one (config.DEFAULTS) is used.

Validation runs on every command that reads the config, so this module imports nothing
heavier than `re`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcli.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crmcli.config import Checker, Config, KeyPath

    # The names stored deals are in, asked for only when a name typed is not a configured
    # one: a callable, so that this module stays clear of the database.
    Held = Callable[[], Iterable[str]]

WON, LOST = "won", "lost"
TERMINAL = (WON, LOST)
TERMINAL_PROBABILITY = {WON: 100, LOST: 0}


@dataclass(frozen=True)
class Stage:
    name: str
    probability: int  # 0–100: the chance that a deal in this stage is won


@dataclass(frozen=True)
class Pipeline:
    name: str
    stages: tuple[Stage, ...]

    @property
    def stage_names(self) -> list[str]:
        return [stage.name for stage in self.stages]

    def stage(self, text: str) -> Stage:
        """A stage by name: exact (case-insensitive), else a unique prefix ("prop")."""
        wanted = text.strip().casefold()
        for stage in self.stages:
            if stage.name.casefold() == wanted:
                return stage
        if wanted in TERMINAL:
            verb = "won ID" if wanted == WON else "lost ID --reason R"
            raise Invalid(f"{wanted} is a terminal stage; use `crm deal {verb}`.")
        matches = [s for s in self.stages if wanted and s.name.casefold().startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ambiguous(text, [s.name for s in matches], f"stages of the pipeline {self.name}")
        raise self._no_stage(text, [])

    def stage_filter(self, text: str, held: Held) -> str:
        """A stage to narrow this pipeline's deals to: won or lost, a stage as `stage` finds
        it, or the name of one the config no longer has that deals are still in, as
        `_named` ranks them. Such a name wins over a prefix of a configured stage: after
        `demo` was renamed `demonstration`, `demo` finds the deals left in demo, not an
        empty list."""
        wanted = text.strip().casefold()
        if wanted in TERMINAL:
            return wanted
        found, kept = _named(text, self.stage_names, held, f"stages of the pipeline {self.name}")
        if found is not None:
            return found
        if any(wanted and s.name.casefold().startswith(wanted) for s in self.stages):
            return self.stage(text).name  # one prefix, or refused as ambiguous
        raise self._no_stage(text, kept)

    def _no_stage(self, text: str, kept: list[str]) -> Invalid:
        if not self.stages:  # a pipeline the config no longer has, named by its deals
            where = f"in {', '.join(kept)} (or won or lost)" if kept else "all won or lost"
            return Invalid(
                f"The pipeline {self.name} is no longer in the config and has no stage "
                f"{text.strip()!r}; its deals are {where}."
            )
        return Invalid(
            f"The pipeline {self.name} has no stage {text.strip()!r}; "
            f"its stages are {', '.join(self.stage_names)} (then won or lost){_also(kept)}."
        )

    def probability(self, stage: str) -> int | None:
        """The win probability of a stage; None for a stage the config no longer has."""
        if stage in TERMINAL_PROBABILITY:
            return TERMINAL_PROBABILITY[stage]
        return next((s.probability for s in self.stages if s.name == stage), None)


def pipelines(config: Config) -> list[Pipeline]:
    return [
        Pipeline(
            name=str(entry["name"]).strip(),
            stages=tuple(Stage(str(s["name"]).strip(), int(s["probability"])) for s in entry["stages"]),
        )
        for entry in config.get("pipelines", [])
    ]


def pipeline(config: Config, name: str | None = None, held: Held | None = None) -> Pipeline:
    """A pipeline by name (case-insensitive, or a unique prefix); None is the default one.

    With `held` (the pipelines deals are in; for filters), also the name of a pipeline the
    config no longer has but deals still hold, as `_named` ranks them: the forecast and the
    KPIs count those deals, so a filter must find them. It comes back without stages, as
    known_pipeline gives it, and wins over a prefix of a configured pipeline."""
    known = pipelines(config)
    if name is None or not name.strip():
        return known[0]
    found, kept = _named(name, [p.name for p in known], held, "pipelines")
    if found is not None:
        return next((p for p in known if p.name == found), Pipeline(found, ()))
    wanted = name.strip().casefold()
    matches = [p for p in known if p.name.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ambiguous(name, [p.name for p in matches], "pipelines")
    raise Invalid(
        f"There is no pipeline {name.strip()!r}; the pipelines are {', '.join(p.name for p in known)}"
        f"{_also(kept)}."
    )


def stage_of_any(config: Config, text: str, held: Held | None = None) -> str:
    """A stage of any pipeline by name (case-insensitive), else a unique prefix; won and
    lost too. For filters that name a stage without its pipeline; with `held` (the stages
    open deals are in), also the name of a stage the config no longer has, as
    Pipeline.stage_filter takes it."""
    wanted = text.strip().casefold()
    if wanted in TERMINAL:
        return wanted
    names = list(dict.fromkeys(name for p in pipelines(config) for name in p.stage_names))
    found, kept = _named(text, names, held, "stages")
    if found is not None:
        return found
    matches = [n for n in names if wanted and n.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ambiguous(text, matches, "stages")
    raise Invalid(
        f"No pipeline has a stage {text.strip()!r}; the stages are {', '.join(names)} (then won or lost)"
        f"{_also(kept)}."
    )


def _named(text: str, configured: list[str], held: Held | None, what: str) -> tuple[str | None, list[str]]:
    """The whole name `text` is, or None; and the names deals hold that the config does not
    (asked for only when `text` is no configured name as written).

    Written as it is (case included) comes before case aside, and a configured name before
    one deals hold: after "renewals" was renamed "Renewals" in the config, `renewals` finds
    the deals still in renewals (the name the board's note gives), `Renewals` and
    `RENEWALS` the configured one."""
    wanted = text.strip()
    if wanted in configured:
        return wanted, []
    kept = [] if held is None else _unconfigured(held(), configured)
    if wanted in kept:
        return wanted, kept
    for names in (configured, kept):
        matches = [name for name in names if name.casefold() == wanted.casefold()]
        if len(matches) > 1:
            raise ambiguous(text, matches, what)
        if matches:
            return matches[0], kept
    return None, kept


def _unconfigured(held: Iterable[str], configured: list[str]) -> list[str]:
    """The names deals hold that the config does not (won and lost are no such names)."""
    return sorted(set(held) - set(configured) - set(TERMINAL))


def _also(kept: list[str]) -> str:
    """The end of a refusal that lists configured names: the ones deals still hold, which
    the filters take too and which no list of the config shows."""
    return f"; deals are also still in {', '.join(kept)}, no longer in the config" if kept else ""


def stored_pipeline(config: Config, name: str) -> Pipeline:
    """The configured pipeline of a stored deal, by its exact name; refused (listing the
    pipelines) when the config no longer has it."""
    for candidate in pipelines(config):
        if candidate.name == name:
            return candidate
    raise Invalid(
        f"The pipeline {name!r} is no longer in the config; the pipelines are "
        f"{', '.join(p.name for p in pipelines(config))}; name one with --pipeline."
    )


def known_pipeline(config: Config, name: str) -> Pipeline:
    """The configured pipeline a stored deal is in; a pipeline removed from the config is
    kept as a pipeline without open stages, so its deals still show and can be closed."""
    return next((p for p in pipelines(config) if p.name == name), Pipeline(name, ()))


def lost_reasons(config: Config) -> list[str]:
    return [str(reason) for reason in config.get("lost_reasons", [])]


def lost_reason(config: Config, text: str | None) -> str:
    """A reason from the configured list (case-insensitive, or a unique prefix)."""
    reasons = lost_reasons(config)
    listed = ", ".join(reasons)
    if text is None or not text.strip():
        raise Invalid(f"A lost deal needs --reason, one of: {listed}.")
    wanted = text.strip().casefold()
    exact = [r for r in reasons if r.casefold() == wanted]
    matches = exact or [r for r in reasons if r.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ambiguous(text, matches, "lost reasons")
    raise Invalid(f"{text.strip()!r} is not a lost reason; use one of: {listed}.")


def ambiguous(text: str, matches: list[str], what: str) -> Invalid:
    """A prefix that begins several names is no unknown name: saying "no such stage" while
    listing the very stages it begins would send the reader looking for a typo that is not
    there. Named as a contact reference's are ("'kari' matches 2 contacts …")."""
    return Invalid(f"{text.strip()!r} matches {len(matches)} {what}: {', '.join(matches)}; write more of it.")


def commit_probability(config: Config) -> int:
    return int(config.get("forecast.commit_probability"))


def forecast_months(config: Config) -> int:
    return int(config.get("forecast.months"))


# --- validators (config.SECTIONS) ---------------------------------------------------------------


def check_pipelines(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, "a list of [[pipelines]] tables"):
        return
    if not value:
        checker.add(path, "needs at least one pipeline (leave the key out for the built-in one)")
    seen: set[str] = set()
    for index, entry in enumerate(value):
        where = (*path, index)
        checker.table(
            entry, where, {"name": _check_name, "stages": _check_stages, "description": _check_text}
        )
        if not isinstance(entry, dict):
            continue
        for key in ("name", "stages"):
            if key not in entry:
                checker.add(where, f"needs {'a name' if key == 'name' else 'its [[pipelines.stages]]'}")
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            if name.strip().casefold() in seen:
                checker.add((*where, "name"), f"{name!r} names two pipelines")
            seen.add(name.strip().casefold())


def _check_stages(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, "a list of [[pipelines.stages]] tables"):
        return
    if not value:
        checker.add(path, "needs at least one stage")
    seen: dict[str, str] = {}  # match_key → the name of the first stage with it
    for index, stage in enumerate(value):
        where = (*path, index)
        checker.table(stage, where, {"name": _check_name, "probability": _check_probability})
        if not isinstance(stage, dict):
            continue
        if "name" not in stage:
            checker.add(where, "needs a name")
        if "probability" not in stage:
            checker.add(where, "needs a probability (0 to 100)")
        name = stage.get("name")
        if isinstance(name, str) and name.strip():
            folded = name.strip().casefold()
            first = seen.get(match_key(name))
            if folded in TERMINAL:
                checker.add((*where, "name"), f"{name!r} is reserved: every pipeline ends in won or lost")
            elif first is not None and first.strip().casefold() == folded:
                checker.add((*where, "name"), f"{name!r} names two stages of this pipeline")
            elif first is not None:
                # `--stage "needs analysis"` would pick one and an imported `Needs-Analysis` the other.
                checker.add(
                    (*where, "name"),
                    f"{name!r} names two stages of this pipeline: crm reads it as {first!r} "
                    "(stage names match whatever their case, spaces, hyphens and underscores)",
                )
            seen.setdefault(match_key(name), name)


_SEPARATORS = re.compile(r"[\s_-]+")


def match_key(name: str) -> str:
    """A stage name as one: "Needs Analysis", "needs-analysis" and "NEEDS_ANALYSIS" are one
    stage (an import reads a cell so, services.import_deals.open_stage), while "C++" and
    "C#" or "🟢" and "🔴" are two, as are "_" and "-", which have nothing else to tell them
    apart. Other punctuation and symbols stay: they are often all a name is."""
    folded = name.strip().casefold()
    return _SEPARATORS.sub("", folded) or folded


def _check_name(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, "text") and not value.strip():
        checker.add(path, "cannot be empty")
    elif isinstance(value, str) and "," in value:
        checker.add(path, f"{value!r} cannot contain a comma")


def _check_text(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.expect(value, str, path, "text")


def _check_probability(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, int, path, "a whole number from 0 to 100") and not 0 <= value <= 100:
        checker.add(path, f"must be from 0 to 100, not {value}")


def check_lost_reasons(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, "a list of texts"):
        return
    if not value:
        checker.add(path, "needs at least one reason (leave the key out for the built-in list)")
    seen: set[str] = set()
    for index, reason in enumerate(value):
        if not checker.expect(reason, str, (*path, index), "text"):
            continue
        if not reason.strip():
            checker.add((*path, index), "cannot be empty")
        elif reason.strip().casefold() in seen:
            checker.add((*path, index), f"{reason!r} is listed twice")
        seen.add(reason.strip().casefold())


def check_forecast(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.table(value, path, {"months": _check_months, "commit_probability": _check_probability})


def _check_months(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, int, path, "a whole number of months") and not 1 <= value <= 60:
        checker.add(path, f"must be from 1 to 60, not {value}")


_RATE = re.compile(r"\s*(\d+(\.\d*)?|\.\d+)\s*")
_CODE = re.compile(r"[A-Z]{3}")
_ONE = re.compile(r"\s*0*1(\.0*)?\s*")


def check_currencies(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.table(value, path, {"rates": _check_rates})


def _check_rates(value: Any, checker: Checker, path: KeyPath) -> None:
    from decimal import Decimal

    if not checker.expect(value, dict, path, 'a table such as { USD = "0.92", SEK = "0.087" }'):
        return
    base = str(checker.document.get("base_currency", "EUR"))
    for code, rate in value.items():
        where = (*path, code)
        if not _CODE.fullmatch(code):
            checker.add(where, f"{code!r} is not a three-letter ISO currency code such as USD")
            continue
        import pycountry  # only when the file changed: a checked config is cached

        # "XYZ" has the shape, but no deal can be in it (money.currency_code refuses it).
        if pycountry.currencies.get(alpha_3=code) is None:
            checker.add(where, f"{code!r} is not an ISO 4217 currency code (for example EUR, NOK or JPY)")
            continue
        if not checker.expect(rate, (str, int, float), where, 'a number above zero, best as text ("0.087")'):
            continue
        # A TOML float as its digits: 0.000036 is read as 3.6e-05, which _RATE would refuse.
        text = rate if isinstance(rate, str) else format(Decimal(str(rate)), "f")
        if not _RATE.fullmatch(text) or not re.search(r"[1-9]", text):
            checker.add(where, f"must be a number above zero (one {code} in the base currency), not {rate!r}")
        elif code == base and not _ONE.fullmatch(text):
            checker.add(where, f"is the base currency, whose rate is 1, not {rate!r}")
