"""A name -> entry table that activations, init schemes and losses each keep, so that new
ones can join by name and an unknown name is refused with the list of known ones."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(dict[str, T], Generic[T]):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def add(self, name: str, entry: T, *, overwrite: bool = False) -> T:
        if name in self and not overwrite:
            raise ValueError(f"{self.kind} {name!r} is already registered (pass overwrite=True)")
        self[name] = entry
        return entry

    def lookup(self, name: str) -> T:
        try:
            return self[name]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self))
            raise ValueError(f"unknown {self.kind} {name!r}; known: {known}") from None
