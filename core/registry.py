"""One registry per kind of plug-in: registered by decorator under a versioned name.

Duplicates are refused; a failed lookup lists what exists.

    ocr_engines = Registry("OCR engine")

    @ocr_engines.register("tesseract", version="1")
    class Tesseract: ...

    ocr_engines.get("tesseract")      # newest version
    ocr_engines.get("tesseract@1")    # that version
"""
from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

from core.errors import RegistryError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[tuple[str, str], T] = {}

    def register(self, name: str, *, version: str = "1") -> Callable[[T], T]:
        def decorate(obj: T) -> T:
            key = (name, version)
            if key in self._entries:
                raise RegistryError(f"{self.kind} {name}@{version} is registered twice")
            self._entries[key] = obj
            return obj

        return decorate

    def names(self) -> list[str]:
        return sorted(f"{n}@{v}" for n, v in self._entries)

    def get(self, spec: str) -> T:
        name, _, version = spec.partition("@")
        candidates = {v: obj for (n, v), obj in self._entries.items() if n == name}
        if version:
            if version in candidates:
                return candidates[version]
        elif candidates:
            return candidates[max(candidates, key=_version_key)]
        raise RegistryError(
            f"no {self.kind} named {spec!r}; known: {', '.join(self.names()) or 'none'}"
        )

    def items(self) -> list[tuple[str, Any]]:
        return [(f"{n}@{v}", obj) for (n, v), obj in sorted(self._entries.items())]


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.split("."))
