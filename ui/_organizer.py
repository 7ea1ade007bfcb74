"""The page organizer: every page as a small picture, in the order the job will use, to pick (click,
shift-click for a range), turn, remove, duplicate, add a blank page after, move (drag and drop, or
to a position by number) and undo.

What it edits is the text of the tool's page list (Merge & arrange's "Pages to keep, in this
order"), the one record the job takes: typing in that box rearranges the pictures, and every
change here rewrites the box. The pictures are drawn by the workers (`services.thumbnails`); this
page only shows them, a window of a few dozen at a time.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from core.errors import TeacherPrinterError
from pdf import arrangement as edit
from pdf.ranges import Placed, format_arrangement, format_ranges, parse_arrangement, parse_ranges
from services.thumbnails import PagePictures
from storage.config import Config
from storage.files import StoredFile
from ui._looks import looks_for, waiting

WINDOW = 48  # pictures on one screen of the organizer
UNDO_KEPT = 50


@dataclass(frozen=True)
class Source:
    """One file of the pages: its PDF (and which PDF inside a ZIP), its name and its page count."""

    pdf: StoredFile
    member: str
    name: str
    pages: int


_HTML = '<div class="tp-organizer" role="listbox" aria-multiselectable="true"></div>'

_CSS = """
.tp-organizer { display: flex; flex-wrap: wrap; gap: 0.6rem; font-family: var(--st-font); }
.tp-tile { width: 112px; padding: 6px; border: 2px solid transparent; border-radius: var(--st-base-radius);
  background: var(--st-secondary-background-color); cursor: pointer; user-select: none; position: relative; }
.tp-tile:focus-visible { outline: 2px solid var(--st-primary-color); }
.tp-tile.picked { border-color: var(--st-primary-color); background: color-mix(in srgb, var(--st-primary-color) 14%, transparent); }
.tp-tile.drop-before::before, .tp-tile.drop-after::after { content: ""; position: absolute; top: 0; bottom: 0;
  width: 4px; background: var(--st-primary-color); border-radius: 2px; }
.tp-tile.drop-before::before { left: -7px; }
.tp-tile.drop-after::after { right: -7px; }
.tp-frame { height: 140px; display: flex; align-items: center; justify-content: center; }
.tp-frame img { max-width: 100px; max-height: 100px; box-shadow: 0 0 0 1px var(--st-border-color); background: white; }
.tp-blank, .tp-wait, .tp-failed { width: 70px; height: 99px; background: white; display: flex; align-items: center;
  justify-content: center; text-align: center; font-size: 0.7rem; color: var(--st-text-color);
  box-shadow: 0 0 0 1px var(--st-border-color); opacity: 0.8; }
.tp-wait { opacity: 0.5; }
.tp-label { font-size: 0.8rem; text-align: center; color: var(--st-text-color); }
.tp-file { font-size: 0.7rem; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  color: var(--st-primary-color); }
"""

# Turned pictures are shown turned (CSS), so the picture of a page is drawn once whatever its turn.
_JS = """
export default function ({ parentElement, data, setTriggerValue }) {
  const grid = parentElement.querySelector(".tp-organizer");
  const [tilesData, pickedData] = data;
  const picked = new Set(pickedData);
  const host = parentElement.host || parentElement;
  grid.replaceChildren();
  // A trigger, not a state: the page changes what is picked too (a move keeps the moved pages
  // picked), so the same list sent again must still reach it.
  const send = () => setTriggerValue("pick", [...picked].sort((a, b) => a - b));
  const tiles = new Map();
  const paint = () => tiles.forEach((el, pos) => {
    el.classList.toggle("picked", picked.has(pos));
    el.setAttribute("aria-selected", picked.has(pos) ? "true" : "false");
  });
  for (const tile of tilesData) {
    const el = document.createElement("div");
    el.className = "tp-tile";
    el.tabIndex = 0;
    el.setAttribute("role", "option");
    el.dataset.pos = tile.pos;
    el.draggable = tile.move;
    el.title = tile.title;
    const file = document.createElement("div");
    file.className = "tp-file";
    file.textContent = tile.file || "\\u00a0";
    const frame = document.createElement("div");
    frame.className = "tp-frame";
    let picture;
    if (tile.img) {
      picture = document.createElement("img");
      picture.src = tile.img;
      picture.alt = tile.title;
      picture.draggable = false;
      picture.style.transform = `rotate(${tile.turn}deg)`;
    } else {
      picture = document.createElement("div");
      picture.className = { blank: "tp-blank", failed: "tp-failed" }[tile.state] || "tp-wait";
      picture.textContent = { blank: "blank page", failed: "no picture" }[tile.state] || "drawing…";
    }
    frame.append(picture);
    const label = document.createElement("div");
    label.className = "tp-label";
    label.textContent = tile.label;
    el.append(file, frame, label);
    const toggle = (ev) => {
      const pos = tile.pos;
      const anchor = Number(host.dataset.tpAnchor ?? NaN);
      if (ev.shiftKey && !Number.isNaN(anchor)) {
        const [a, b] = anchor < pos ? [anchor, pos] : [pos, anchor];
        for (let p = a; p <= b; p++) if (tiles.has(p)) picked.add(p);
      } else if (picked.has(pos)) {
        picked.delete(pos);
      } else {
        picked.add(pos);
      }
      host.dataset.tpAnchor = pos;
      paint();
      send();
    };
    el.addEventListener("click", toggle);
    el.addEventListener("keydown", (ev) => {
      if (ev.key === " " || ev.key === "Enter") { ev.preventDefault(); toggle(ev); }
    });
    if (tile.move) {
      el.addEventListener("dragstart", (ev) => {
        const moving = picked.has(tile.pos) ? [...picked].sort((a, b) => a - b) : [tile.pos];
        ev.dataTransfer.setData("text/plain", JSON.stringify(moving));
        ev.dataTransfer.effectAllowed = "move";
      });
      const side = (ev) => (ev.offsetX < el.clientWidth / 2 ? "before" : "after");
      el.addEventListener("dragover", (ev) => {
        ev.preventDefault();
        el.classList.toggle("drop-before", side(ev) === "before");
        el.classList.toggle("drop-after", side(ev) === "after");
      });
      el.addEventListener("dragleave", () => el.classList.remove("drop-before", "drop-after"));
      el.addEventListener("drop", (ev) => {
        ev.preventDefault();
        el.classList.remove("drop-before", "drop-after");
        let moving;
        try { moving = JSON.parse(ev.dataTransfer.getData("text/plain")); } catch { return; }
        const before = side(ev) === "before" ? tile.pos : tile.pos + 1;
        setTriggerValue("drop", { moving, before });
      });
    }
    tiles.set(tile.pos, el);
    grid.append(el);
  }
  paint();
}
"""

_COMPONENT = st.components.v2.component("tp_page_organizer", html=_HTML, css=_CSS, js=_JS)


def _global(sources: Sequence[Source]) -> list[tuple[int, int]]:
    """Each page of the sources taken together: (source, page)."""
    return [(k, page) for k, source in enumerate(sources) for page in range(source.pages)]


def _arrangement(text: str, total: int) -> tuple[Placed, ...] | None:
    """The arrangement the page list says (every page as it is when empty), None when it cannot be read."""
    if not text.strip():
        return edit.every_page(total)
    try:
        return tuple(parse_arrangement(text, total, "the selection"))
    except TeacherPrinterError:
        return None


def page_organizer(config: Config, prefix: str, sources: Sequence[Source], text_key: str) -> None:
    """Draw the organizer of `sources`' pages, editing the page list in `st.session_state[text_key]`."""
    pages = _global(sources)
    total = len(pages)
    if not total:
        return
    arranged = _arrangement(str(st.session_state.get(text_key, "")), total)
    if arranged is None:
        st.info("The pictures follow the page list once it can be read (see the message below it).")
        return
    picked_key, undo_key = f"{prefix}_picked", f"{prefix}_undo"
    picked = _picked(str(st.session_state.get(picked_key, "")), len(arranged))

    def change(operation: Callable[..., tuple[tuple[Placed, ...], list[int]]], *args: object) -> None:
        now = _arrangement(str(st.session_state.get(text_key, "")), total)
        if now is None:
            return
        chosen = _picked(str(st.session_state.get(picked_key, "")), len(now))
        new, still = operation(now, chosen, *args)
        if new == now:
            return
        undo = st.session_state.setdefault(undo_key, [])
        undo.append(str(st.session_state.get(text_key, "")))
        del undo[:-UNDO_KEPT]
        st.session_state[text_key] = "" if new == edit.every_page(total) else format_arrangement(new)
        st.session_state[picked_key] = format_ranges(still)

    def back() -> None:
        if undo := st.session_state.get(undo_key):
            st.session_state[text_key] = undo.pop()
            st.session_state[picked_key] = ""

    # -- what to do with the pages picked ---------------------------------------------------
    left, right = st.columns([3, 2])
    left.text_input(
        "Pages picked (click pictures, shift-click for a range; or type places: 2, 5-7)",
        key=picked_key, placeholder="none",
    )  # fmt: skip
    where = right.number_input("Move to place", 1, len(arranged) + 1, 1, key=f"{prefix}_move_to")
    none = not picked
    row = st.container(horizontal=True, wrap=True)
    row.button("Turn left", key=f"{prefix}_turn_left", icon=":material/rotate_left:", disabled=none,
               on_click=change, args=(edit.turn, -90))  # fmt: skip
    row.button("Turn right", key=f"{prefix}_turn_right", icon=":material/rotate_right:", disabled=none,
               on_click=change, args=(edit.turn, 90))  # fmt: skip
    row.button("Remove", key=f"{prefix}_remove", icon=":material/delete:", disabled=none,
               on_click=change, args=(edit.remove,))  # fmt: skip
    row.button("Duplicate", key=f"{prefix}_duplicate", icon=":material/content_copy:", disabled=none,
               on_click=change, args=(edit.duplicate,))  # fmt: skip
    row.button("Blank after", key=f"{prefix}_blank", icon=":material/note_add:", disabled=none,
               on_click=change, args=(edit.blank_after,))  # fmt: skip
    row.button("Move", key=f"{prefix}_move", icon=":material/move_down:", disabled=none,
               on_click=change, args=(edit.move, int(where) - 1))  # fmt: skip
    row.button("Undo", key=f"{prefix}_undo_button", icon=":material/undo:",
               disabled=not st.session_state.get(undo_key), on_click=back)  # fmt: skip
    missing = edit.left_out(arranged, total)
    row.button("Put back", key=f"{prefix}_put_back", icon=":material/restore_page:", disabled=not missing,
               help="Add the pages left out at the end", on_click=change,
               args=(edit.put_back, total))  # fmt: skip

    # -- the pictures, a window at a time ----------------------------------------------------
    _grid(config, prefix, sources, arranged, picked, lambda: _picked_from_component(prefix),
          lambda: _dropped(prefix, change))  # fmt: skip
    listed = str(st.session_state.get(text_key, "")).strip()
    st.caption(
        f"Page list the job will use: **{listed or 'every page, as it is'}** (the same as in Pages, below)."
    )
    if missing:
        st.caption(
            f"Left out: pages {format_ranges(missing)} of {total} (**Put back** adds them at the end)."
        )


def page_picker(config: Config, prefix: str, sources: Sequence[Source], text_key: str) -> None:
    """Pictures of every page of `sources` to pick pages by clicking them (shift-click for a range):
    the picks are the page list in `st.session_state[text_key]` ("Which pages"), both ways."""
    total = sum(s.pages for s in sources)
    if not total:
        return
    typed = str(st.session_state.get(text_key, ""))
    try:
        chosen = parse_ranges(typed, total) if typed.strip() else []
    except TeacherPrinterError:
        st.info("The pictures follow the page list once it can be read (see the message under it).")
        return

    def picked_here() -> None:
        st.session_state[text_key] = format_ranges(_pick(prefix))

    _grid(config, prefix, sources, edit.every_page(total), sorted(set(chosen)), picked_here, None)
    st.caption(
        f"Pages picked: **{format_ranges(chosen) if chosen else 'none: every page is used'}** "
        "(click a picture to pick it or leave it out; shift-click picks a range)."
    )


def _grid(
    config: Config,
    prefix: str,
    sources: Sequence[Source],
    arranged: Sequence[Placed],
    picked: list[int],
    on_pick: Callable[[], None],
    on_drop: Callable[[], None] | None,
) -> None:
    """The pictures of `arranged` (places over `sources`' pages taken together), a window at a time,
    with `picked` marked; `on_pick` and `on_drop` (None: pictures are not moved) take what the
    teacher did."""
    pages = _global(sources)
    window_key = f"{prefix}_window"
    windows = max(1, -(-len(arranged) // WINDOW))
    shown = min(int(st.session_state.get(window_key, 0)), windows - 1)
    if windows > 1:
        shown = st.selectbox(
            "Show", range(windows), index=shown, key=window_key,
            format_func=lambda w: f"Pages {w * WINDOW + 1}–{min((w + 1) * WINDOW, len(arranged))} of {len(arranged)}",
        )  # fmt: skip
    first = shown * WINDOW
    window = list(enumerate(arranged))[first : first + WINDOW]
    needed: dict[int, set[int]] = {}
    for _, place in window:
        if place.index is not None:
            source, page = pages[place.index]
            needed.setdefault(source, set()).add(page)
    looks = looks_for(config)
    drawn: dict[tuple[int, int], bytes | None] = {}
    keys: list[str] = []
    for source, wanted in needed.items():
        got = PagePictures(looks, sources[source].pdf, sources[source].pages, sources[source].member).read(
            wanted
        )
        drawn.update({(source, page): data for page, data in got.pages.items()})
        keys += got.keys
    # The next screen is asked for after this one: its pictures are drawn while this one is looked at.
    ahead: dict[int, set[int]] = {}
    for place in arranged[first + WINDOW : first + 2 * WINDOW]:
        if place.index is not None:
            source, page = pages[place.index]
            ahead.setdefault(source, set()).add(page)
    for source, wanted in ahead.items():
        PagePictures(looks, sources[source].pdf, sources[source].pages, sources[source].member).ahead(wanted)
    tiles = []
    starts = {sum(s.pages for s in sources[:k]) for k in range(len(sources))}
    for position, place in window:
        tile = {"pos": position, "label": f"{position + 1}", "file": "", "turn": place.turn, "img": "",
                "state": "blank", "title": f"Place {position + 1}: a blank page", "move": on_drop is not None}  # fmt: skip
        if place.index is not None:
            source, page = pages[place.index]
            name = sources[source].name
            turned = {90: ", turned right", 180: ", upside down", 270: ", turned left"}.get(place.turn, "")
            tile["label"] = f"{position + 1} · p. {page + 1}" if len(sources) > 1 else f"{position + 1}"
            tile["title"] = f"Place {position + 1}: page {page + 1} of {name}{turned}"
            tile["file"] = name if place.index in starts else ""
            data = drawn.get((source, page), b"")
            tile["state"] = "ready" if data else ("failed" if data is None else "drawing")
            if data:
                tile["img"] = "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
        tiles.append(tile)
    _COMPONENT(
        # A list, not a dict: Streamlit looks for data frames in a dict's values, which loads pandas
        # (about 110 MB) into the web process.
        data=[tiles, picked],
        key=f"{prefix}_organizer",
        on_pick_change=on_pick,
        on_drop_change=on_drop or (lambda: None),
    )
    if keys:
        waiting(config, "Drawing the pages…", keys)


def _picked(text: str, count: int) -> list[int]:
    """The places picked, 0-based, from the box's text (nothing when it cannot be read)."""
    if not text.strip() or not count:
        return []
    try:
        return sorted(set(parse_ranges(text, count, "the pages shown")))
    except TeacherPrinterError:
        return []


def _pick(prefix: str) -> list[int]:
    """The pictures the teacher has picked in the grid, as it just said (places, 0-based)."""
    state = st.session_state.get(f"{prefix}_organizer") or {}
    try:
        return sorted({int(p) for p in state.get("pick") or []})
    except (TypeError, ValueError):  # not a pick of our grid
        return []


def _picked_from_component(prefix: str) -> None:
    st.session_state[f"{prefix}_picked"] = format_ranges(_pick(prefix))


def _dropped(prefix: str, change: Callable[..., None]) -> None:
    state = st.session_state.get(f"{prefix}_organizer") or {}
    drop = state.get("drop")
    if not drop:
        return
    try:
        moving = sorted({int(p) for p in drop.get("moving", [])})
        before = int(drop.get("before", 0))
    except (TypeError, ValueError, AttributeError):  # not a drop of our pictures
        return
    st.session_state[f"{prefix}_picked"] = format_ranges(moving)
    change(edit.move, before)
