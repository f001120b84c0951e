"""Topic patterns of docs/protocol.md §3: words separated by dots, ``*`` one word, ``#`` zero or more words."""


def has_wildcard(pattern: str) -> bool:
    """True when ``pattern`` holds ``*`` or ``#`` as a word (it then names many topics)."""
    return any(word in ("*", "#") for word in pattern.split("."))


def matches(pattern: str, topic: str) -> bool:
    """True when the concrete ``topic`` is one of those ``pattern`` names, as an AMQP topic exchange decides."""
    p = pattern.split(".")
    t = topic.split(".")
    # positions (i, j) still possible: pattern word i against topic word j; '#' may swallow any number of words
    states = {(0, 0)}
    seen = set()
    while states:
        i, j = states.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(p):
            if j == len(t):
                return True
            continue
        if p[i] == "#":
            states.add((i + 1, j))
            if j < len(t):
                states.add((i, j + 1))
        elif j < len(t) and p[i] in ("*", t[j]):
            states.add((i + 1, j + 1))
    return False
