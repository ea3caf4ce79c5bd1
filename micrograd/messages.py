"""Error-message text: user input and reprs are quoted at a bounded length, so an error stays one readable line.

A 1 MB argument or a 30 KB model repr in a message would bury what went wrong.
"""

__all__ = ['brief', 'brief_repr', 'QUOTE_LIMIT', 'PATH_LIMIT']

# Characters of a quoted value shown in an error message.
QUOTE_LIMIT = 80
# Characters of a quoted file path: a path is cut only where it is longer than any a person types.
PATH_LIMIT = 200


def brief(text: object, limit: int = QUOTE_LIMIT) -> str:
    """str(text), or its first limit characters and '… (N characters)' when it is longer."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\N{HORIZONTAL ELLIPSIS} ({len(text):,} characters)"


def brief_repr(value: object, limit: int = QUOTE_LIMIT) -> str:
    """repr(value), cut like brief()."""
    return brief(repr(value), limit)
