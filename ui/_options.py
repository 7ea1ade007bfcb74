"""Widgets drawn from a kind's declared options: their labels, choices, words, defaults, ranges and help.

A page names the option and the widget's key; everything else comes from the kind's options
record (`worker.options`), so that the page offers exactly what the job accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ui._presets import Fields, Fill, choice, whole
from worker.options import Option, Options

Where = Any  # st, a column, a container or an expander: anything that draws widgets


def _offered(spec: Option, choices: Sequence[Any] | None) -> tuple[list[Any], int]:
    offered = list(spec.choices if choices is None else choices)
    return offered, offered.index(spec.default) if spec.default in offered else 0


def _choice(
    draw: Callable[..., Any], record: type[Options], name: str, key: str, more: dict[str, Any]
) -> Any:
    spec = record.spec(name)
    offered, index = _offered(spec, more.pop("choices", None))
    return draw(
        more.pop("label", spec.label),
        offered,
        index=index,
        format_func=more.pop("format_func", spec.word),
        key=key,
        help=more.pop("help", spec.help),
        **more,
    )


def selectbox(where: Where, record: type[Options], name: str, key: str, **more: Any) -> Any:
    """A selectbox of the option's choices (or `choices=`, a part of them), starting at its default."""
    return _choice(where.selectbox, record, name, key, more)


def radio(where: Where, record: type[Options], name: str, key: str, **more: Any) -> Any:
    """Radio buttons of the option's choices (or `choices=`), starting at its default."""
    return _choice(where.radio, record, name, key, more)


def checkbox(where: Where, record: type[Options], name: str, key: str, **more: Any) -> bool:
    spec = record.spec(name)
    return where.checkbox(
        more.pop("label", spec.label),
        value=bool(spec.default),
        key=key,
        help=more.pop("help", spec.help),
        **more,
    )


def slider(where: Where, record: type[Options], name: str, key: str) -> int:
    """A slider of whole numbers over the range the option offers, starting at its default."""
    spec = record.spec(name)
    low, high = spec.widget_range
    return where.slider(spec.label, int(low), int(high), int(spec.default), key=key, help=spec.help)


def number(where: Where, record: type[Options], name: str, key: str) -> int:
    """A box for a whole number in the option's range, starting at its default (or its suggestion)."""
    spec = record.spec(name)
    low, high = spec.widget_range
    start = spec.default if spec.default is not None else spec.suggested
    return where.number_input(
        spec.label, min_value=int(low), max_value=int(high), value=int(start), key=key, help=spec.help
    )


def text(where: Where, record: type[Options], name: str, key: str, **more: Any) -> str:
    spec = record.spec(name)
    return where.text_input(spec.label, key=key, help=more.pop("help", spec.help), **more)


def text_area(where: Where, record: type[Options], name: str, key: str, **more: Any) -> str:
    spec = record.spec(name)
    return where.text_area(spec.label, key=key, help=more.pop("help", spec.help), **more)


def fields(record: type[Options], keys: Mapping[str, str | Fill]) -> Fields:
    """How a preset or "Run again…" fills each option's widget: a choice, a range, or the value as it is.

    A key names the widget of an option; a function is kept as it is (for an option drawn as
    several widgets, or choices that depend on the files).
    """
    made: dict[str, str | Fill] = {}
    for name, key in keys.items():
        spec = record.spec(name)
        if not isinstance(key, str):
            made[name] = key
        elif spec.choices is not None:
            made[name] = choice(key, spec.choices)
        elif spec.offered is not None or (spec.low is not None and spec.high is not None):
            made[name] = whole(key, *(int(v) for v in spec.widget_range))
        else:
            made[name] = key
    return made
