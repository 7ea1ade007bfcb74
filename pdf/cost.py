"""What a print will cost, from what is on each printed side: sides in black and white and in
colour, the toner cover, and a price where the school has set one. Plain arithmetic, read by the
pages before the button (the coverage comes from `pdf.ink`, measured by a worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PageInk:
    coverage: float  # 0 … 1
    colour: bool


@dataclass(frozen=True)
class InkReport:
    pages: list[PageInk]  # every page of the file; sampled ones stand for their neighbours
    measured: int  # how many pages were rendered

    @property
    def sampled(self) -> bool:
        return self.measured < len(self.pages)

    def to_dict(self) -> dict:
        return {"pages": [[round(p.coverage, 4), p.colour] for p in self.pages], "measured": self.measured}

    @classmethod
    def from_dict(cls, data: dict) -> InkReport:
        return cls([PageInk(float(c), bool(k)) for c, k in data["pages"]], int(data["measured"]))

    def with_savers(self, grey: bool, lighter: float) -> InkReport:
        """The pages as greyscale (no colour) and the toner saver (`lighter`, 0 … 1) will print them:
        an estimate that takes all the cover as lightened, where text keeps its own."""
        return InkReport(
            [PageInk(p.coverage * (1 - lighter), p.colour and not grey) for p in self.pages], self.measured
        )


# A toner maker's "standard page" is 5 % coverage: a cartridge's yield is counted in those.
STANDARD_COVERAGE = 0.05


@dataclass(frozen=True)
class Prices:
    mono: float | None  # per printed side; None: no price set
    colour: float | None
    currency: str = ""

    @property
    def set(self) -> bool:
        return self.mono is not None

    def of(self, mono_sides: int, colour_sides: int) -> float | None:
        """What these printed sides cost (None: no price set; colour at the mono price if it has none)."""
        if self.mono is None:
            return None
        return mono_sides * self.mono + colour_sides * (self.colour if self.colour is not None else self.mono)


@dataclass(frozen=True)
class CostEstimate:
    mono_sides: int
    colour_sides: int
    coverage: float  # the mean toner cover of the printed sides, 0 … 1
    price: float | None

    @property
    def sides(self) -> int:
        return self.mono_sides + self.colour_sides

    @property
    def standard_pages(self) -> float:
        """The toner the print takes, in a cartridge's "standard pages" (5 % each)."""
        return self.coverage * self.sides / STANDARD_COVERAGE


def estimate(
    sides: Sequence[Sequence[int | None]],
    coverage: Sequence[float],
    colour: Sequence[bool],
    prices: Prices,
    copies: int = 1,
    area_share: float = 1.0,
) -> CostEstimate:
    """The cost of printing `sides` (each the source pages drawn on it) `copies` times.

    `area_share`: the part of a side one source page takes once placed (1 for a page on its own,
    about 1/n for n per sheet), so that shrinking pages shrinks the toner too.
    """
    mono = colour_sides = 0
    total = 0.0
    for side in sides:
        placed = [i for i in side if i is not None]
        total += min(1.0, sum(coverage[i] for i in placed) * area_share)
        if any(colour[i] for i in placed):
            colour_sides += 1
        else:
            mono += 1
    mean = total / len(sides) if sides else 0.0
    return CostEstimate(
        copies * mono, copies * colour_sides, mean, prices.of(copies * mono, copies * colour_sides)
    )


def money(amount: float, currency: str) -> str:
    """An amount with the school's currency sign before it: "£3.80"."""
    return f"{currency}{amount:,.2f}"
