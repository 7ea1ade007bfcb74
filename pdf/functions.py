"""PDF functions (ISO 32000 §7.10) evaluated in Python: what a spot colour's tint transform or a
gradient's colour function gives for an input, so that greyscale can say how dark it prints.

All four types: sampled (0), exponential (2), stitching (3) and the PostScript calculator (4).
A function that cannot be read raises `FunctionError`; the caller keeps the colour as it was.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

import pikepdf

MAX_SAMPLES = 1 << 20  # a sampled function larger than this is not read (a bomb, not a colour)
MAX_PS_STEPS = 10_000  # operators run for one evaluation of a calculator function


class FunctionError(ValueError):
    """A PDF function that cannot be evaluated."""


Function = Callable[[Sequence[float]], list[float]]


def make_function(obj: Any) -> Function:
    """The function `obj` describes (a dictionary, a stream, or an array of 1-output functions)."""
    if isinstance(obj, pikepdf.Array):
        parts = [make_function(item) for item in obj]
        return lambda xs: [part(xs)[0] for part in parts]
    try:
        kind = int(obj.get("/FunctionType"))
        domain = _floats(obj.get("/Domain"))
    except (TypeError, ValueError, AttributeError) as exc:
        raise FunctionError("not a function") from exc
    if kind == 0:
        inner = _sampled(obj, domain)
    elif kind == 2:
        inner = _exponential(obj)
    elif kind == 3:
        inner = _stitching(obj, domain)
    elif kind == 4:
        inner = _calculator(obj)
    else:
        raise FunctionError(f"unknown function type {kind}")
    out_range = _floats(obj.get("/Range")) if obj.get("/Range") is not None else None

    def evaluate(xs: Sequence[float]) -> list[float]:
        clipped = [_clip(x, domain[2 * i], domain[2 * i + 1]) for i, x in enumerate(xs[: len(domain) // 2])]
        ys = inner(clipped)
        if out_range:
            ys = [
                _clip(y, out_range[2 * i], out_range[2 * i + 1])
                for i, y in enumerate(ys[: len(out_range) // 2])
            ]
        return ys

    return evaluate


def _floats(value: Any) -> list[float]:
    if value is None:
        raise FunctionError("a required array is missing")
    return [float(v) for v in value]


def _clip(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


def _interpolate(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    return y0 if x1 == x0 else y0 + (x - x0) * (y1 - y0) / (x1 - x0)


def _exponential(obj: Any) -> Function:
    c0 = _floats(obj.get("/C0")) if obj.get("/C0") is not None else [0.0]
    c1 = _floats(obj.get("/C1")) if obj.get("/C1") is not None else [1.0]
    n = float(obj.get("/N", 1))

    def evaluate(xs: Sequence[float]) -> list[float]:
        t = xs[0] ** n if xs[0] >= 0 or n == int(n) else 0.0
        return [a + t * (b - a) for a, b in zip(c0, c1, strict=False)]

    return evaluate


def _stitching(obj: Any, domain: list[float]) -> Function:
    parts = [make_function(f) for f in obj.get("/Functions", [])]
    bounds = [float(b) for b in obj.get("/Bounds", [])]
    encode = _floats(obj.get("/Encode"))
    if not parts or len(bounds) != len(parts) - 1 or len(encode) < 2 * len(parts):
        raise FunctionError("a stitching function does not fit together")
    edges = [domain[0], *bounds, domain[1]]

    def evaluate(xs: Sequence[float]) -> list[float]:
        x = xs[0]
        k = next((i for i, b in enumerate(bounds) if x < b), len(bounds))
        t = _interpolate(x, edges[k], edges[k + 1], encode[2 * k], encode[2 * k + 1])
        return parts[k]([t])

    return evaluate


def _sampled(obj: Any, domain: list[float]) -> Function:
    sizes = [int(s) for s in obj.get("/Size", [])]
    bits = int(obj.get("/BitsPerSample", 8))
    out_range = _floats(obj.get("/Range"))
    outputs = len(out_range) // 2
    inputs = len(sizes)
    if not sizes or min(sizes) < 1 or bits not in (1, 2, 4, 8, 12, 16, 24, 32):
        raise FunctionError("a sampled function's sizes are wrong")
    count = math.prod(sizes) * outputs
    if count > MAX_SAMPLES:
        raise FunctionError("a sampled function is too large")
    encode = (
        _floats(obj.get("/Encode"))
        if obj.get("/Encode") is not None
        else [v for s in sizes for v in (0.0, s - 1.0)]
    )
    decode = _floats(obj.get("/Decode")) if obj.get("/Decode") is not None else out_range
    data = obj.read_bytes()
    as_int = int.from_bytes(data, "big")
    total_bits = len(data) * 8
    if total_bits < count * bits:
        raise FunctionError("a sampled function has too few samples")
    top = (1 << bits) - 1

    def sample(index: int) -> int:
        return (as_int >> (total_bits - (index + 1) * bits)) & top

    def evaluate(xs: Sequence[float]) -> list[float]:
        # Nearest sample in every dimension but the first, interpolated along the first: exact for
        # the one-input functions of spot colours and gradients, close enough for greyness elsewhere.
        position = [
            _clip(
                _interpolate(x, domain[2 * i], domain[2 * i + 1], encode[2 * i], encode[2 * i + 1]),
                0,
                sizes[i] - 1,
            )
            for i, x in enumerate(xs[:inputs])
        ]
        base = 0
        stride = 1
        for i in range(1, inputs):
            stride *= sizes[i - 1]
            base += round(position[i]) * stride
        low = math.floor(position[0])
        high = min(low + 1, sizes[0] - 1)
        frac = position[0] - low
        ys = []
        for j in range(outputs):
            a = sample((base + low) * outputs + j)
            b = sample((base + high) * outputs + j)
            raw = a + frac * (b - a)
            ys.append(_interpolate(raw, 0, top, decode[2 * j], decode[2 * j + 1]))
        return ys

    return evaluate


# -- The PostScript calculator (type 4) ---------------------------------------------------

_TOKEN = re.compile(rb"[{}]|[^\s{}]+")


def _parse_program(data: bytes) -> list[Any]:
    tokens = _TOKEN.findall(data)
    if not tokens or tokens[0] != b"{":
        raise FunctionError("a calculator function does not start with {")
    program, _ = _block(tokens, 1)
    return program


def _block(tokens: list[bytes], at: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while at < len(tokens):
        token = tokens[at]
        if token == b"{":
            inner, at = _block(tokens, at + 1)
            items.append(inner)
            continue
        if token == b"}":
            return items, at + 1
        items.append(_word(token))
        at += 1
    raise FunctionError("a calculator function is not closed")


def _word(token: bytes) -> Any:
    text = token.decode("latin-1")
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if text not in _OPERATORS and text not in ("if", "ifelse"):
        raise FunctionError(f"a calculator function uses {text!r}")
    return _Op(text)


class _Op(str):
    """An operator's name in a parsed program (a plain string would look like data)."""


def _truncate(x: float) -> float:
    return float(math.trunc(x))


def _pop_n(stack: list[Any], n: int) -> list[Any]:
    if len(stack) < n:
        raise FunctionError("a calculator function ran out of values")
    taken = stack[-n:]
    del stack[-n:]
    return taken


def _binary(f: Callable[[Any, Any], Any]) -> Callable[[list[Any]], None]:
    def run(stack: list[Any]) -> None:
        a, b = _pop_n(stack, 2)
        stack.append(f(a, b))

    return run


def _unary(f: Callable[[Any], Any]) -> Callable[[list[Any]], None]:
    def run(stack: list[Any]) -> None:
        (a,) = _pop_n(stack, 1)
        stack.append(f(a))

    return run


def _roll(stack: list[Any]) -> None:
    n, j = _pop_n(stack, 2)
    n, j = int(n), int(j)
    if n < 0 or n > len(stack):
        raise FunctionError("roll beyond the stack")
    if n:
        part = stack[-n:]
        j %= n
        stack[-n:] = part[-j:] + part[:-j] if j else part


def _index(stack: list[Any]) -> None:
    (n,) = _pop_n(stack, 1)
    if not 0 <= int(n) < len(stack):
        raise FunctionError("index beyond the stack")
    stack.append(stack[-1 - int(n)])


def _copy(stack: list[Any]) -> None:
    (n,) = _pop_n(stack, 1)
    if not 0 <= int(n) <= len(stack):
        raise FunctionError("copy beyond the stack")
    stack.extend(stack[len(stack) - int(n) :])


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _bitwise(f: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda a, b: f(a, b) if isinstance(a, bool) else f(int(a), int(b))


_OPERATORS: dict[str, Callable[[list[Any]], None]] = {
    "add": _binary(operator.add),
    "sub": _binary(operator.sub),
    "mul": _binary(operator.mul),
    "div": _binary(_div),
    "idiv": _binary(lambda a, b: int(a / b) if b else 0),
    "mod": _binary(lambda a, b: int(math.fmod(a, b)) if b else 0),
    "neg": _unary(operator.neg),
    "abs": _unary(abs),
    "ceiling": _unary(lambda a: float(math.ceil(a))),
    "floor": _unary(lambda a: float(math.floor(a))),
    "round": _unary(lambda a: float(math.floor(a + 0.5))),
    "truncate": _unary(_truncate),
    "sqrt": _unary(lambda a: math.sqrt(max(0.0, a))),
    "sin": _unary(lambda a: math.sin(math.radians(a))),
    "cos": _unary(lambda a: math.cos(math.radians(a))),
    "atan": _binary(lambda a, b: math.degrees(math.atan2(a, b)) % 360),
    "exp": _binary(lambda a, b: float(a) ** b if a or b > 0 else 0.0),
    "ln": _unary(lambda a: math.log(a) if a > 0 else 0.0),
    "log": _unary(lambda a: math.log10(a) if a > 0 else 0.0),
    "cvi": _unary(lambda a: int(a)),
    "cvr": _unary(float),
    "eq": _binary(operator.eq),
    "ne": _binary(operator.ne),
    "gt": _binary(operator.gt),
    "ge": _binary(operator.ge),
    "lt": _binary(operator.lt),
    "le": _binary(operator.le),
    "and": _binary(_bitwise(operator.and_)),
    "or": _binary(_bitwise(operator.or_)),
    "xor": _binary(_bitwise(operator.xor)),
    "not": _unary(lambda a: not a if isinstance(a, bool) else ~int(a)),
    "bitshift": _binary(lambda a, b: int(a) << int(b) if b >= 0 else int(a) >> -int(b)),
    "true": lambda stack: stack.append(True),
    "false": lambda stack: stack.append(False),
    "pop": lambda stack: _pop_n(stack, 1) and None,
    "exch": lambda stack: stack.extend(reversed(_pop_n(stack, 2))),
    "dup": lambda stack: stack.extend(_pop_n(stack, 1) * 2),
    "copy": _copy,
    "index": _index,
    "roll": _roll,
}


def _run(program: list[Any], stack: list[Any], budget: list[int]) -> None:
    for item in program:
        budget[0] -= 1
        if budget[0] < 0:
            raise FunctionError("a calculator function runs too long")
        if isinstance(item, list):
            stack.append(item)
        elif isinstance(item, _Op):
            if item == "if":
                condition, body = _pop_n(stack, 2)
                if condition:
                    _run(body, stack, budget)
            elif item == "ifelse":
                condition, yes, no = _pop_n(stack, 3)
                _run(yes if condition else no, stack, budget)
            else:
                _OPERATORS[item](stack)
        else:
            stack.append(item)


def _calculator(obj: Any) -> Function:
    program = _parse_program(obj.read_bytes())
    out_range = _floats(obj.get("/Range"))
    outputs = len(out_range) // 2

    def evaluate(xs: Sequence[float]) -> list[float]:
        stack: list[Any] = list(xs)
        try:
            _run(program, stack, [MAX_PS_STEPS])
        except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
            raise FunctionError(f"a calculator function failed: {exc}") from exc
        if len(stack) < outputs:
            raise FunctionError("a calculator function gave too few values")
        return [float(v) for v in stack[-outputs:]]

    return evaluate
