"""The printers a school has set up, and who may use which: read from the printers file.

The IT person lists each printer once, in a TOML file (PRINTERS_FILE):

    [[printer]]
    name = "Staff room copier"
    uri = "ipps://copier.school.example/ipp/print"
    location = "Staff room, first floor"
    groups = ["science"]            # optional: only these groups (everyone when left out)
    username = "teacher-printer"     # optional: for a printer that asks for a password
    password = "…"

    [groups]
    science = ["ada@school.example", "*@science.school.example"]

Nothing here talks to a printer; `printers.ipp` does. Passwords stay in this record: pages and logs
only ever see `Printer.shown_uri`.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from printers.ipp import shown_uri

SCHEMES = ("ipp", "ipps", "http", "https")


class PrintersFileError(ValueError):
    """The printers file cannot be used as it is; the message says where and why."""


@dataclass(frozen=True)
class Printer:
    name: str
    uri: str
    location: str = ""
    groups: tuple[str, ...] = ()
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    @property
    def shown_uri(self) -> str:
        return shown_uri(self.uri)

    @property
    def request_uri(self) -> str:
        """The address ipptool is given: with the user name and password when the printer asks for them."""
        if not self.username:
            return self.uri
        parts = urlsplit(self.uri)
        login = quote(self.username, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return urlunsplit(parts._replace(netloc=f"{login}@{parts.netloc.rsplit('@', 1)[-1]}"))


@dataclass(frozen=True)
class PrinterSetup:
    printers: tuple[Printer, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def find(self, name: str) -> Printer | None:
        return next((p for p in self.printers if p.name == name), None)

    def groups_of(self, email: str) -> set[str]:
        """The groups whose patterns (an address, or `*@domain`) match this address."""
        email = email.lower()
        return {
            group
            for group, patterns in self.groups.items()
            if any(fnmatch.fnmatchcase(email, pattern.lower()) for pattern in patterns)
        }

    def may_use(self, printer: Printer, email: str | None) -> bool:
        """Whether this person may print there (`email` None: an admin, or single-user mode)."""
        if not printer.groups or email is None:
            return True
        return bool(self.groups_of(email) & set(printer.groups))

    def for_person(self, email: str | None) -> tuple[Printer, ...]:
        return tuple(p for p in self.printers if self.may_use(p, email))


def read_setup(path: Path) -> PrinterSetup:
    """The printers file at `path`; an absent file is a school with no printers set up."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return PrinterSetup()
    except OSError as exc:
        raise PrintersFileError(f"{path} cannot be read: {exc.strerror}") from exc
    return parse_setup(text, str(path))


def parse_setup(text: str, where: str = "the printers file") -> PrinterSetup:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PrintersFileError(f"{where} is not valid TOML: {exc}") from exc
    groups_data = data.get("groups", {})
    if not isinstance(groups_data, dict):
        raise PrintersFileError(f"{where}: [groups] must be a table of group = [addresses]")
    groups = {}
    for name, patterns in groups_data.items():
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise PrintersFileError(f"{where}: group {name!r} must be a list of e-mail addresses")
        groups[str(name)] = tuple(p.strip() for p in patterns if p.strip())
    printers: list[Printer] = []
    for number, entry in enumerate(data.get("printer", []), start=1):
        printers.append(_printer(entry, f"{where}, printer {number}", groups))
    names = [p.name for p in printers]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise PrintersFileError(f"{where}: two printers are called {twice[0]!r}; give each its own name")
    return PrinterSetup(tuple(printers), groups)


def _printer(entry: object, where: str, groups: dict[str, tuple[str, ...]]) -> Printer:
    if not isinstance(entry, dict):
        raise PrintersFileError(f"{where} must be a [[printer]] table")
    name, uri = str(entry.get("name", "")).strip(), str(entry.get("uri", "")).strip()
    if not name:
        raise PrintersFileError(f"{where} has no name")
    scheme = urlsplit(uri).scheme
    if scheme not in SCHEMES or not urlsplit(uri).hostname:
        raise PrintersFileError(
            f"{where} ({name}): uri must be an IPP address such as ipp://host/ipp/print, "
            "ipps://host/ipp/print or, for a CUPS queue, ipp://cups-host:631/printers/<queue>"
        )
    wanted = entry.get("groups", [])
    if not isinstance(wanted, list) or (unknown := [g for g in wanted if g not in groups]):
        raise PrintersFileError(f"{where} ({name}): groups lists {unknown or wanted} not in [groups]")
    return Printer(
        name=name,
        uri=uri,
        location=str(entry.get("location", "")).strip(),
        groups=tuple(wanted),
        username=str(entry.get("username", "")),
        password=str(entry.get("password", "")),
    )
