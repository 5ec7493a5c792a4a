"""The one exception the config engine raises for a bad labeling config.

A config is written by hand, so every error says *where* (1-based line and column in the
config text) and, when there is one, *how to fix it* (the hint), in one readable line:
``line 3:5: unknown tag <Choise> — did you mean <Choice>?``.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A labeling config that nblabel cannot use.

    Attributes:
        message: what is wrong, without position or hint.
        line, col: 1-based position in the config text, or ``None`` when not tied to a place.
        hint: how to fix it (may be ``None``).
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.line = line
        self.col = col
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.line is not None:
            where = f"line {self.line}:{self.col}: " if self.col is not None else f"line {self.line}: "
        tail = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{tail}"

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self):  # keep line/col/hint across pickling (multiprocessing, ipyparallel)
        return (_rebuild, (self.message, self.line, self.col, self.hint))


def _rebuild(message: str, line: int | None, col: int | None, hint: str | None) -> ConfigError:
    return ConfigError(message, line=line, col=col, hint=hint)
