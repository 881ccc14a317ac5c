"""Which object: the satellites a store holds, by catalog number or name.

Every command and endpoint follows the ISS (catalog number 25544) unless
told ``norad`` (a NORAD catalog number) or ``name`` (a name to search).
``load_object_store`` reads the element sources once (the shipped sets plus
the user's history, or the user's ``--tle`` file alone, as
``tle.store.load_store`` does), resolves the object among every satellite
those sources hold, and returns that satellite's ``ElementStore``.

Names are matched without regard to case or repeated blanks: an exact name
("ISS (ZARYA)", "CSS (TIANHE-1)", "HST") wins; else a few common names
(``ALIASES``: "hubble", "tiangong", ...) map to their catalog numbers; else
every object whose name contains the text is a candidate, and more than one
is an ``UnknownObjectError`` listing them (the user picks one by number).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

from tle.elements import ElementSet
from tle.errors import NoElementSetError, UnknownObjectError
from tle.store import (ISS_SATNUM, ElementStore, history_path, read_element_file,
                       read_history_file, shipped_sets)

# Common names that are not the catalog's own (NORAD names: "HST", "CSS (TIANHE-1)").
ALIASES = {
    "iss": 25544, "zarya": 25544, "international space station": 25544,
    "hubble": 20580, "hubble space telescope": 20580,
    "css": 48274, "tiangong": 48274, "tianhe": 48274, "chinese space station": 48274,
}
MAX_CANDIDATES = 8          # an ambiguous name lists at most this many objects


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class ObjectSets:
    """Every element set of the sources, with what ``ElementStore`` needs to
    say where they came from (``description``) and which records it left
    out (``skipped``)."""

    sets: tuple[ElementSet, ...]
    description: str
    skipped: tuple[str, ...] = ()

    def names(self) -> dict[int, str | None]:
        """{catalog number: the name of its newest set that has one}."""
        out: dict[int, str | None] = {}
        for es in sorted(self.sets, key=lambda s: s.epoch_unix_s):
            if es.name or es.satnum not in out:
                out[es.satnum] = es.name or out.get(es.satnum)
        return out

    def resolve(self, *, norad: int | None = None, name: str | None = None) -> int:
        """The catalog number asked for (default: the ISS). ``norad`` must
        be held by the sources (``NoElementSetError`` otherwise); ``name``
        must pick exactly one object (``UnknownObjectError`` otherwise)."""
        if norad is not None and name is not None:
            raise UnknownObjectError("give a catalog number or a name, not both", parameter="name",
                                     misuse=True)
        names = self.names()
        if name is None:
            satnum = ISS_SATNUM if norad is None else int(norad)
            if satnum not in names:
                raise NoElementSetError(f"no element set for catalog number {satnum} in "
                                        f"{self.description}", satnum=satnum)
            return satnum
        want = _norm(name)
        if not want:
            raise UnknownObjectError("name: empty; give part of an object's name", parameter="name",
                                     misuse=True)
        exact = sorted(n for n, v in names.items() if v and _norm(v) == want)
        if len(exact) == 1:
            return exact[0]
        alias = ALIASES.get(want)
        if not exact and alias in names:
            return alias
        found = exact or sorted(n for n, v in names.items()
                                if v and re.search(r"(?<![a-z0-9])" + re.escape(want), _norm(v)))
        if len(found) == 1:
            return found[0]
        if not found:
            raise UnknownObjectError(f"no object named like {name!r} in {self.description} "
                                     f"({len(names)} objects)", parameter="name")
        listed = ", ".join(f"{names[n]} ({n})" for n in found[:MAX_CANDIDATES])
        more = f" and {len(found) - MAX_CANDIDATES} more" if len(found) > MAX_CANDIDATES else ""
        raise UnknownObjectError(f"{name!r} matches {len(found)} objects: {listed}{more}; "
                                 "give the catalog number", parameter="name",
                                 candidates=tuple((n, names[n]) for n in found[:MAX_CANDIDATES]))

    def store(self, satnum: int) -> ElementStore:
        return ElementStore(self.sets, satnum=satnum, description=self.description,
                            skipped=list(self.skipped))


def object_sets(data_dir: str | os.PathLike | None = None,
                tle_file: str | os.PathLike | None = None) -> ObjectSets:
    """The sets a command may use, read once: ``tle_file`` alone when given,
    else the shipped sets plus the history in ``data_dir`` (if any)."""
    if tle_file is not None:
        return ObjectSets(tuple(read_element_file(tle_file)), str(tle_file))
    sets = list(shipped_sets())
    description = "the shipped element sets"
    skipped: list[str] = []
    if data_dir is not None:
        history = history_path(data_dir)
        if history.exists():
            mine, skipped = read_history_file(history)
            sets.extend(mine)
            description += f" and {history.name}"
    return ObjectSets(tuple(sets), description, tuple(skipped))


def load_object_store(data_dir=None, tle_file=None, *, norad: int | None = None,
                      name: str | None = None) -> ElementStore:
    """The store of the object asked for (default: the ISS)."""
    sources = object_sets(data_dir, tle_file)
    return sources.store(sources.resolve(norad=norad, name=name))
