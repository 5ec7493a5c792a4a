"""The one exception the config engine raises for a bad labeling config.

A config is written by hand, so every error says *where* (1-based line and column in the
config text) and, when there is one, *how to fix it* (the hint), in one readable line:
``line 3:5: unknown tag <Choise> — did you mean <Choice>?``.

A config with several mistakes raises *one* ``ConfigError`` that lists every mistake in line
order (``errors``), so a user fixes them all in one go; its own message, line, col and hint are
the first mistake's.
"""

from __future__ import annotations

from collections.abc import Sequence


class ConfigError(ValueError):
    """A labeling config that nblabel cannot use.

    Attributes:
        message: what is wrong, without position or hint.
        line, col: 1-based position in the config text, or ``None`` when not tied to a place.
        hint: how to fix it (may be ``None``).
        errors: every mistake found, in line order (``[self]`` when there is one); ``str()``
            shows one per line.
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
        self.errors: list[ConfigError] = [self]
        super().__init__(self._render())

    @classmethod
    def collect(cls, errors: Sequence[ConfigError]) -> ConfigError:
        """One error for several: sorted by position (unplaced ones last), duplicates dropped."""
        unique: list[ConfigError] = []
        for err in errors:
            for one in err.errors:
                if all(str(one) != str(u) for u in unique):
                    unique.append(one)
        unique.sort(key=lambda e: (e.line is None, e.line or 0, e.col or 0))
        if not unique:
            raise ValueError("ConfigError.collect needs at least one error")
        first = unique[0]
        out = cls(first.message, line=first.line, col=first.col, hint=first.hint)
        out.errors = [out, *unique[1:]]
        out.args = (str(out),)
        return out

    def _render(self) -> str:
        where = ""
        if self.line is not None:
            where = f"line {self.line}:{self.col}: " if self.col is not None else f"line {self.line}: "
        tail = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{tail}"

    @property
    def summary(self) -> str:
        """This one mistake in one line (``str()`` lists all of ``errors``)."""
        return self._render()

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return self._render()
        return "\n".join([self._render(), *(e._render() for e in self.errors[1:])])

    def __reduce__(self):  # keep line/col/hint (and the other errors) across pickling
        rest = [(e.message, e.line, e.col, e.hint) for e in self.errors[1:]]
        return (_rebuild, (self.message, self.line, self.col, self.hint, rest))


def _rebuild(
    message: str, line: int | None, col: int | None, hint: str | None, rest: Sequence[tuple] = ()
) -> ConfigError:
    first = ConfigError(message, line=line, col=col, hint=hint)
    if not rest:
        return first
    return ConfigError.collect([first, *(ConfigError(m, line=ln, col=c, hint=h) for m, ln, c, h in rest)])
