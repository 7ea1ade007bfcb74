"""A kind's options, declared once: each field's type, default, allowed values, words, range and help.

A kind's options record is a frozen dataclass of `Options` whose fields are made with `option()`.
The same declaration serves every reader: `from_dict` checks the types and the allowed values (for
submit, the steps and presets), and the pages draw their widgets' labels, choices, defaults and
ranges from `spec(name)` instead of repeating them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Self

from core.errors import BadOptions

_SPEC = "option"


@dataclass(frozen=True)
class Option:
    """One option of a kind as declared: what it holds and how a page offers it."""

    name: str
    type: Any  # the field's type hint, e.g. int, str | None, tuple[str, ...]
    default: Any
    choices: tuple[Any, ...] | None = None  # the only values allowed, in the order a page offers them
    words: Mapping[Any, str] | None = None  # how a page says each choice
    label: str = ""
    help: str | None = None
    low: float | None = None  # the smallest and largest value allowed (numbers)
    high: float | None = None
    offered: tuple[float, float] | None = None  # the range a page's slider offers, when narrower
    suggested: Any = None  # what a page's widget starts at when the default is None (turned off)
    preset: bool = True  # False: belongs to one set of files (the result's name), never to a preset
    wrong: str = ""  # said of a value not allowed: {value}, {choices} ("1, 2, 4"), {either} ("1, 2 or 4"), {low}, {high}

    def word(self, value: Any) -> str:
        """How a page says this value (a choice's words, else the value itself)."""
        return (self.words or {}).get(value, str(value))

    @property
    def widget_range(self) -> tuple[float, float]:
        """The lowest and highest value a page's widget offers."""
        if self.offered is not None:
            return self.offered
        if self.low is None or self.high is None:
            raise ValueError(f"the option {self.name!r} declares no range")
        return self.low, self.high

    @property
    def index(self) -> int:
        """The default's place among the choices, for a selectbox or radio."""
        return (self.choices or ()).index(self.default)

    def fits(self, value: Any) -> bool:
        """Whether the value is one this option allows (its type already checked)."""
        if self.choices is not None and value not in self.choices:
            return False
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return True
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def refusal(self, value: Any) -> str:
        """What is said of a value this option does not allow."""
        offered = [str(c) for c in self.choices or () if c is not None]
        shown = ", ".join(offered)
        either = " or ".join([", ".join(offered[:-1]), offered[-1]] if len(offered) > 1 else offered)
        template = self.wrong or "unknown {label} {value!r}"
        low = f"{self.low:g}" if self.low is not None else ""
        high = f"{self.high:g}" if self.high is not None else ""
        return template.format(
            value=value, choices=shown, either=either, low=low, high=high, label=self.label.lower()
        )


def option(
    default: Any = None,
    *,
    choices: typing.Iterable[Any] | None = None,
    words: Mapping[Any, str] | None = None,
    label: str = "",
    help: str | None = None,
    low: float | None = None,
    high: float | None = None,
    offered: tuple[float, float] | None = None,
    suggested: Any = None,
    preset: bool = True,
    wrong: str = "",
) -> Any:
    """A field of an options record, with what pages and checks need to know about it."""
    spec = {
        "choices": None if choices is None else tuple(choices),
        "words": words,
        "label": label,
        "help": help,
        "low": low,
        "high": high,
        "offered": offered,
        "suggested": suggested,
        "preset": preset,
        "wrong": wrong,
    }
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={_SPEC: spec})
    return field(default=default, metadata={_SPEC: spec})


def fits_type(value: Any, hint: Any) -> bool:
    """Whether a JSON value has the type a record declares (a whole number is a fine float)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return any(fits_type(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin in (list, tuple):
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint)


@dataclass(frozen=True)
class Options:
    """The base of every kind's options record: plain JSON values, checked on the way in."""

    # The result's name, as the page shows it, and whether the teacher typed it (kept by "Run again…").
    output_name: str = option("", label="Name of the result", preset=False)
    output_name_typed: bool = option(False, preset=False)

    # How the problems found are put to the teacher: "{}" receives them joined by `joiner`.
    refused: ClassVar[str] = "These options cannot be used: {}."
    joiner: ClassVar[str] = "; "

    @classmethod
    def specs(cls) -> dict[str, Option]:
        """Every option of this kind, in the order declared."""
        return _specs(cls)

    @classmethod
    def spec(cls, name: str) -> Option:
        return _specs(cls)[name]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record for these JSON options (unknown names left out), or BadOptions saying why not."""
        known = {k: v for k, v in data.items() if k in cls.specs()}
        if wrong := cls.wrong_kinds(known):
            raise BadOptions(wrong)
        specs = cls.specs()
        for name, value in known.items():
            if specs[name].type is float and isinstance(value, int):
                known[name] = float(value)  # a whole number given for a float: kept as the float it is
        options = cls(**cls.normalise(known))
        options.validate()
        return options

    @classmethod
    def wrong_kinds(cls, data: Mapping[str, Any]) -> str:
        """What is said of values whose type is not the one declared ("" when every value fits)."""
        specs = cls.specs()
        wrong = sorted(k for k, v in data.items() if k in specs and not fits_type(v, specs[k].type))
        return f"These options have values of the wrong kind: {', '.join(wrong)}." if wrong else ""

    @classmethod
    def normalise(cls, known: dict[str, Any]) -> dict[str, Any]:
        """The values as the record keeps them (a kind may tidy text or make lists tuples)."""
        return known

    def to_dict(self) -> dict[str, Any]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(self).items()
        }

    def validate(self) -> None:
        """Raise BadOptions for any value outside its declared choices or range, or any `problems`."""
        found = [
            spec.refusal(getattr(self, name))
            for name, spec in self.specs().items()
            if not spec.fits(getattr(self, name))
        ]
        found = list(dict.fromkeys(found))  # one sentence said once, e.g. for a margin and a gap
        found += self.problems(found)
        if found:
            raise BadOptions(self.refused.format(self.joiner.join(found)))

    def problems(self, found: list[str]) -> list[str]:
        """What else this kind cannot use (`found`: what the declared checks found already)."""
        return []


@cache
def _specs(cls: type[Options]) -> dict[str, Option]:
    hints = typing.get_type_hints(cls)
    specs = {}
    for item in dataclasses.fields(cls):
        declared = item.metadata.get(_SPEC, {})
        default = item.default if item.default is not dataclasses.MISSING else item.default_factory()  # type: ignore[misc]
        specs[item.name] = Option(item.name, hints[item.name], default, **declared)
    return specs
