"""Class lists: find the name columns, read the students, and say plainly what was odd about the list.

A class list is any sheet the spreadsheet readers open (CSV, XLSX, XLS, ODS). The
rows are streamed with the row numbers the teacher sees in their spreadsheet
program, so every message can point at a row. Nothing here logs a name: names
only go into the returned data and into notes meant for the teacher.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ClassListProblem, ColumnNotFound, LimitExceeded
from core.files import atomic_write_bytes
from core.progress import ProgressCallback, no_progress
from sheets.detect import HEADER_SCAN_ROWS, detect_header_row
from sheets.frame import column_names
from sheets.infer import classify
from sheets.names import find_column
from sheets.safety import DEFAULT_LIMITS, Limits

# Rows of a sheet read at most (a whole-school list filtered to one class fits easily).
MAX_LIST_ROWS = 10_000
# Students in one class set, after any filter.
MAX_STUDENTS = 2_000
# Names or rows listed in one note before "and N more".
MAX_LISTED = 10
MAX_COLUMNS_LISTED = 20
SORTS = ("surname", "first_name", "list")
NAME_ORDERS = ("first_last", "last_first")

# Header words in several languages, compared after folding case and accents (see `_fold`).
FIRST_NAME_HEADERS = (
    "first name", "firstname", "first names", "first", "forename", "forenames", "given name",
    "given names", "preferred name", "legal first name", "christian name", "prenom", "prenoms",
    "vorname", "vornamen", "rufname", "nombre", "nombres", "nome", "voornaam", "imie", "fornavn",
    "fornamn", "etunimi", "keresztnev", "jmeno", "ime", "имя", "ονομα", "ten",
)  # fmt: skip
SURNAME_HEADERS = (
    "surname", "surnames", "last name", "lastname", "family name", "familyname", "legal surname",
    "nom", "nom de famille", "nachname", "familienname", "apellido", "apellidos", "cognome",
    "achternaam", "nazwisko", "etternavn", "efternamn", "sukunimi", "vezeteknev", "prijmeni",
    "prezime", "фамилия", "επωνυμο", "ho",
)  # fmt: skip
FULL_NAME_HEADERS = (
    "name", "names", "full name", "fullname", "student", "student name", "students", "pupil",
    "pupil name", "pupils", "learner", "learner name", "child", "child name", "legal name",
    "display name", "nom complet", "eleve", "nom de l eleve", "schuler", "schuler in", "schulerin",
    "alumno", "alumna", "alumno a", "estudiante", "alunno", "leerling", "uczen", "ученик",
    "фио", "μαθητης", "ho va ten", "ho ten", "imie i nazwisko",
)  # fmt: skip
CLASS_HEADERS = (
    "class", "class name", "form", "form group", "tutor group", "registration group", "reg group",
    "group", "homeroom", "home room", "set", "teaching group", "klasse", "classe", "clase",
    "groupe", "gruppe", "grupo", "klas", "klasa", "класс", "ταξη", "tmima", "lop",
)  # fmt: skip


@dataclass(frozen=True)
class ColumnGuess:
    """The columns a class list most likely uses, by their header names (None where none fits)."""

    first_name: str | None = None
    surname: str | None = None
    full_name: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class ListSpec:
    """Which sheet and columns hold the students, and which classes to keep; plain JSON values."""

    sheet: str | None = None
    header_row: int | None = None
    name_column: str | None = None  # one column with the whole name, as written
    first_name_column: str | None = None
    surname_column: str | None = None
    class_column: str | None = None
    classes: tuple[str, ...] = ()  # empty: every class
    name_order: str = "first_last"
    sort: str = "surname"

    @property
    def split_names(self) -> bool:
        """True when first names and surnames are in columns of their own."""
        return bool(self.first_name_column or self.surname_column)


@dataclass(frozen=True)
class Student:
    """One row of the list that gets a copy."""

    row: int
    first: str = ""
    surname: str = ""
    full: str = ""  # the name as written, when the list has one name column
    group: str = ""  # the class, when a class column is chosen
    display: str = ""  # the name as printed

    def to_dict(self) -> dict[str, Any]:
        """The student as JSON values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Student:
        """A student from `to_dict`'s output."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def file_stem(self) -> str:
        """“Class - Surname Firstname”, or the name as written, for the student's own file."""
        name = " ".join(part for part in (self.surname, self.first) if part) or self.full or self.display
        return f"{self.group} - {name}" if self.group else name


@dataclass
class ClassList:
    """The students a class set is made for, and what a teacher should know about the reading."""

    students: list[Student]
    sheet: str
    header_row: int
    columns: list[str]
    notes: list[str] = field(default_factory=list)
    # The same notes without any student's name (rows instead): what a job's record keeps.
    record_notes: list[str] = field(default_factory=list)
    classes: dict[str, int] = field(default_factory=dict)  # every class in the list, before any filter
    empty_rows: int = 0
    rows_without_name: int = 0
    duplicates: int = 0
    trimmed: int = 0

    def counts(self) -> dict[str, Any]:
        """The numbers of the reading as JSON values (no names)."""
        return {
            "students": len(self.students),
            "sheet": self.sheet,
            "header_row": self.header_row,
            "classes": self.classes,
            "empty_rows": self.empty_rows,
            "rows_without_name": self.rows_without_name,
            "duplicates": self.duplicates,
            "trimmed": self.trimmed,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole reading as JSON values, students included."""
        return {**asdict(self), "students": [s.to_dict() for s in self.students]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassList:
        """A reading from `to_dict`'s output."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "students": [Student.from_dict(s) for s in data.get("students", [])]})


# -- guessing columns ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case, accents and punctuation removed, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


# Words that make a header something else than a name: "Student ID", "Pupil number", "Parent email".
NOT_NAME_WORDS = frozenset((
    "id", "no", "nr", "number", "num", "code", "email", "mail", "e", "upn", "dob", "birth", "date",
    "born", "age", "gender", "sex", "parent", "parents", "guardian", "carer", "contact", "phone", "tel",
    "address", "teacher", "tutor", "year",
))  # fmt: skip


def _score(header: str, patterns: Iterable[str], names: bool) -> int:
    """3 for the exact words, 2 for the words inside a longer header, else 0."""
    folded = _fold(header)
    if names and NOT_NAME_WORDS.intersection(folded.split()):
        return 0
    words = f" {folded} "
    best = 0
    for pattern in patterns:
        if folded == pattern:
            return 3
        if len(pattern) > 2 and f" {pattern} " in words:
            best = 2
    return best


def guess_columns(columns: Sequence[str]) -> ColumnGuess:
    """The first-name, surname, whole-name and class columns, guessed from header names."""
    roles = (
        ("first_name", FIRST_NAME_HEADERS, True),
        ("surname", SURNAME_HEADERS, True),
        ("full_name", FULL_NAME_HEADERS, True),
        ("group", CLASS_HEADERS, False),
    )
    candidates = []
    for index, column in enumerate(columns):
        for rank, (role, patterns, names) in enumerate(roles):
            score = _score(column, patterns, names)
            if score:
                # Exact words first, then the role asked for first, then the leftmost column.
                candidates.append(((score, -rank, -index), role, column))
    chosen: dict[str, str] = {}
    for _key, role, column in sorted(candidates, reverse=True):
        if role not in chosen and column not in chosen.values():
            chosen[role] = column
    first, surname = chosen.get("first_name"), chosen.get("surname")
    full, group = chosen.get("full_name"), chosen.get("group")
    # "Vorname" + "Name", or "Name" + "Surname": the plain "Name" is the other half.
    if full is not None and _fold(full) in ("name", "names"):
        if first and not surname:
            surname, full = full, None
        elif surname and not first:
            first, full = full, None
    if first or surname:
        full = None
    return ColumnGuess(first, surname, full, group)


# -- reading ----------------------------------------------------------------------------------------


def _text(value: object) -> tuple[str, bool]:
    """A cell as one line of text (NFC), and whether spaces had to be trimmed or joined."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), False
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat(), False
    raw = unicodedata.normalize("NFC", str(value))
    # Invisible characters (zero-width spaces, soft hyphens, controls) cannot be printed and only confuse.
    visible = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw)
    clean = " ".join(visible.split())
    return clean, clean != raw and bool(clean)


def _find(columns: Sequence[str], wanted: str, what: str, file_name: str) -> int:
    try:
        return list(columns).index(find_column(columns, wanted, file_name, f" for the {what}"))
    except ColumnNotFound as exc:
        raise ClassListProblem(exc.message) from None  # on the Class sets page, a problem of the list


def _rows_text(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED])
    more = f" and {len(rows) - MAX_LISTED:,} more" if len(rows) > MAX_LISTED else ""
    return f"row{'s' if len(rows) != 1 else ''} {shown}{more}"


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that puts “7B” before “10A” and ignores case and accents."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", _fold(text)))


def sort_students(students: Sequence[Student], sort: str) -> list[Student]:
    """The students grouped by class, then by surname or first name; or as in the list."""
    if sort == "list":
        return sorted(students, key=lambda s: s.row)

    def key(s: Student) -> tuple[Any, ...]:
        first = s.first or s.full or s.surname
        surname = s.surname or s.full or s.first
        names = (surname, first) if sort == "surname" else (first, surname)
        return (_natural(s.group), *(_fold(n) for n in names), *names, s.row)

    return sorted(students, key=key)


def _display(first: str, surname: str, full: str, order: str) -> str:
    if full:
        return full
    parts = (surname, first) if order == "last_first" else (first, surname)
    return " ".join(p for p in parts if p)


@dataclass
class _Sheet:
    name: str
    header_row: int
    columns: list[str]
    rows: list[tuple[int, list[object]]]
    decimal: str
    above: int


def _read_sheet(
    path: Path, sheet: str | None, header_row: int | None, file_name: str, limits: Limits
) -> _Sheet:
    from sheets.read import open_source  # here: the pages import this module for its records

    with open_source(path, limits) as source:
        name = source.require(sheet) if sheet is not None else source.default_name()
        stream = source.rows(name)
        rows: list[tuple[int, list[object]]] = []
        try:
            for row in stream:
                rows.append(row)
                if len(rows) > MAX_LIST_ROWS:
                    raise LimitExceeded(
                        f"{file_name} has more than {MAX_LIST_ROWS:,} rows; a class list is much shorter.",
                        "Upload a list with only the classes you need.",
                    )
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        decimal = source.decimal
    if not rows:
        raise ClassListProblem(f"{file_name} is empty: there are no names in it.")
    if header_row is None:
        header_row = detect_header_row(rows[:HEADER_SCAN_ROWS], decimal)
    header: list[object] = next((values for number, values in rows if number == header_row), [])
    data = [(number, values) for number, values in rows if number > header_row]
    above = sum(1 for number, _ in rows if number < header_row)
    width = max([len(header), *(len(values) for _, values in data)], default=0)
    return _Sheet(name, header_row, column_names(header, width), data, decimal, above)


def list_columns(
    path: Path, sheet: str | None = None, header_row: int | None = None, limits: Limits = DEFAULT_LIMITS
) -> ClassList:
    """The sheet's columns and header row, without choosing any name column yet (no students)."""
    found = _read_sheet(path, sheet, header_row, path.name, limits)
    return ClassList([], found.name, found.header_row, found.columns)


def read_class_list(
    path: Path,
    spec: ListSpec,
    file_name: str | None = None,
    progress: ProgressCallback = no_progress,
    limits: Limits = DEFAULT_LIMITS,
) -> ClassList:
    """The students of the list as `spec` chooses them, sorted; raises ClassListProblem naming the column."""
    file_name = file_name or path.name
    progress(0, 3, "Reading the class list")
    found = _read_sheet(path, spec.sheet, spec.header_row, file_name, limits)
    columns = found.columns
    if not (spec.name_column or spec.first_name_column or spec.surname_column):
        raise ClassListProblem(
            f"No column with the students' names was chosen for {file_name}.",
            "Choose the column with the names (or the first-name and surname columns) and try again.",
        )
    roles: dict[str, int] = {}
    if spec.split_names:
        if spec.first_name_column:
            roles["first"] = _find(columns, spec.first_name_column, "first names", file_name)
        if spec.surname_column:
            roles["surname"] = _find(columns, spec.surname_column, "surnames", file_name)
    else:
        assert spec.name_column is not None
        roles["full"] = _find(columns, spec.name_column, "names", file_name)
    group_index = _find(columns, spec.class_column, "classes", file_name) if spec.class_column else None

    progress(1, 3, "Checking the names")
    kinds: dict[str, Counter[str]] = {role: Counter() for role in roles}
    students: list[Student] = []
    no_name: list[int] = []
    half_named: dict[str, list[int]] = defaultdict(list)
    trimmed = 0
    classes: Counter[str] = Counter()
    wanted = {_fold(c) for c in spec.classes if _fold(c)}
    for number, values in found.rows:
        cells: dict[str, str] = {}
        for role, index in roles.items():
            value = values[index] if index < len(values) else None
            kinds[role][classify(value, found.decimal)] += 1
            text, was_trimmed = _text(value)
            trimmed += was_trimmed
            cells[role] = text
        group = _text(values[group_index])[0] if group_index is not None and group_index < len(values) else ""
        if not any(cells.values()):
            no_name.append(number)
            continue
        if group:
            classes[group] += 1
        if wanted and _fold(group) not in wanted:
            continue
        if spec.split_names and "first" in roles and not cells.get("first"):
            half_named["first name"].append(number)
        if spec.split_names and "surname" in roles and not cells.get("surname"):
            half_named["surname"].append(number)
        first, surname, full = cells.get("first", ""), cells.get("surname", ""), cells.get("full", "")
        students.append(
            Student(number, first, surname, full, group, _display(first, surname, full, spec.name_order))
        )

    _check_columns(kinds, roles, columns, file_name)
    if not students:
        if wanted:
            known = ", ".join(f"“{c}”" for c in sorted(classes, key=_natural)[:MAX_COLUMNS_LISTED])
            raise ClassListProblem(
                f"No student of {file_name} is in the chosen class"
                f"{'es' if len(wanted) > 1 else ''}. The classes in column “{spec.class_column}” are {known}.",
                "Choose classes from that list on the Class sets page.",
            )
        raise ClassListProblem(f"{file_name} has no names in the chosen column.")
    if len(students) > MAX_STUDENTS:
        raise LimitExceeded(
            f"{file_name} lists {len(students):,} students; one class set can have at most {MAX_STUDENTS:,}.",
            "Choose fewer classes, or split the list.",
        )

    notes: list[str] = []
    if found.above:
        what = "row above it was" if found.above == 1 else f"{found.above} rows above it were"
        notes.append(
            f"The column names are on row {found.header_row} of the class list; the {what} left out."
        )
    last = found.rows[-1][0] if found.rows else found.header_row
    empty = max(0, last - max(found.header_row, 0) - len(found.rows))
    if empty:
        notes.append(f"{empty:,} empty {'row was' if empty == 1 else 'rows were'} skipped.")
    if no_name:
        notes.append(
            f"The class list has no name on {_rows_text(no_name)}; "
            f"{'it was' if len(no_name) == 1 else 'they were'} skipped."
        )
    for part, rows in half_named.items():
        other = "surname" if part == "first name" else "first name"
        notes.append(
            f"There is no {part} on {_rows_text(rows)} of the class list; the copy shows the {other} only."
        )
    if trimmed:
        notes.append(f"Extra spaces were removed from {trimmed:,} name{'s' if trimmed != 1 else ''}.")
    if wanted:
        missing = sorted(c for c in spec.classes if _fold(c) not in {_fold(g) for g in classes})
        if missing:
            notes.append(
                f"No student is in {', '.join(f'“{c}”' for c in missing)}; the other classes were used."
            )
    duplicates = _duplicates(students)
    record_notes = [*notes, *_duplicates(students, named=False)]
    notes.extend(duplicates)
    progress(3, 3, f"Found {len(students):,} students")
    return ClassList(
        students=sort_students(students, spec.sort),
        sheet=found.name,
        header_row=found.header_row,
        columns=columns,
        notes=notes,
        record_notes=record_notes,
        classes=dict(sorted(classes.items(), key=lambda item: _natural(item[0]))),
        empty_rows=empty,
        rows_without_name=len(no_name),
        duplicates=len(duplicates),
        trimmed=trimmed,
    )


def _check_columns(
    kinds: dict[str, Counter[str]], roles: dict[str, int], columns: Sequence[str], file_name: str
) -> None:
    """Refuse a name column that is empty, or that holds mostly numbers or dates."""
    for role, counter in kinds.items():
        column = columns[roles[role]]
        filled = sum(n for kind, n in counter.items() if kind != "empty")
        if filled == 0:
            raise ClassListProblem(f"Column “{column}” of {file_name} is empty: it has no names in it.")
        other = filled - counter["text"]
        if other * 2 > filled:
            what = max((k for k in counter if k not in ("empty", "text")), key=lambda k: counter[k])
            words = {"number": "numbers", "date": "dates", "bool": "TRUE/FALSE values"}[what]
            raise ClassListProblem(
                f"Column “{column}” of {file_name} holds {words}, not names "
                f"({other:,} of its {filled:,} filled cells).",
                "Choose the column with the students' names on the Class sets page.",
            )


def _duplicates(students: Sequence[Student], named: bool = True) -> list[str]:
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for student in students:
        seen[(student.display.casefold(), student.group.casefold())].append(student.row)
    repeated = [(rows, key) for key, rows in seen.items() if len(rows) > 1]
    if not repeated:
        return []
    by_row = {s.row: s for s in students}
    lines = []
    for rows, _key in sorted(repeated)[:MAX_LISTED]:
        student = by_row[rows[0]]
        where = f" in {student.group}" if student.group else ""
        who = f"“{student.display}”" if named else "The same name"
        lines.append(
            f"{who}{where} is on the class list {len(rows)} times ({_rows_text(rows)}); each row gets its own copy."
        )
    if len(repeated) > MAX_LISTED:
        lines.append(f"{len(repeated) - MAX_LISTED:,} more names are on the list more than once.")
    return lines


# -- saving between steps ---------------------------------------------------------------------------


def save_students(students: Sequence[Student], dest: Path) -> None:
    """Write the students as a JSON list (atomically)."""
    data = json.dumps([s.to_dict() for s in students], ensure_ascii=False).encode()
    atomic_write_bytes(dest, data, durable=False)


def load_students(path: Path) -> list[Student]:
    """The students saved by `save_students`."""
    return [Student.from_dict(item) for item in json.loads(path.read_text(encoding="utf-8"))]
