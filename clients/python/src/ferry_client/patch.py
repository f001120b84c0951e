"""JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7386) on plain Python JSON values, for state replicas (§4.6).

Both return a new document and leave their input untouched.
"""
import copy
from typing import Any, List


class PatchError(ValueError):
    """A patch that is malformed or does not apply; ``index`` is the failing operation's position."""

    def __init__(self, message: str, index: int = -1):
        super().__init__(message)
        self.index = index


def parse_pointer(pointer: str) -> List[str]:
    """The reference tokens of an RFC 6901 JSON Pointer (``~1`` is ``/``, ``~0`` is ``~``)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"pointer {pointer!r} does not start with /")
    tokens = []
    for raw in pointer[1:].split("/"):
        if "~" in raw.replace("~0", "").replace("~1", ""):
            raise PatchError(f"pointer {pointer!r} has a bad ~ escape")
        tokens.append(raw.replace("~1", "/").replace("~0", "~"))
    return tokens


def _index(token: str, length: int, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return length
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise PatchError(f"{token!r} is not an array index")
    i = int(token)
    if i > length or (i == length and not allow_end):
        raise PatchError(f"index {i} is out of bounds")
    return i


def _parent(doc: Any, tokens: List[str]) -> Any:
    target = doc
    for token in tokens[:-1]:
        target = _child(target, token)
    return target


def _child(target: Any, token: str) -> Any:
    if isinstance(target, dict):
        if token not in target:
            raise PatchError(f"no member {token!r}")
        return target[token]
    if isinstance(target, list):
        return target[_index(token, len(target), False)]
    raise PatchError(f"cannot step into a {type(target).__name__} with {token!r}")


def _get(doc: Any, tokens: List[str]) -> Any:
    target = doc
    for token in tokens:
        target = _child(target, token)
    return target


def _add(doc: Any, tokens: List[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), True), value)
    else:
        raise PatchError(f"cannot add into a {type(parent).__name__}")
    return doc


def _remove(doc: Any, tokens: List[str]) -> Any:
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"no member {last!r}")
        del parent[last]
    elif isinstance(parent, list):
        del parent[_index(last, len(parent), False)]
    else:
        raise PatchError(f"cannot remove from a {type(parent).__name__}")
    return doc


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0), but booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def apply_patch(doc: Any, patch: List[dict]) -> Any:
    """Applies an RFC 6902 JSON Patch as a whole, or raises :class:`PatchError` naming the failing operation."""
    if not isinstance(patch, list):
        raise PatchError("a JSON Patch is an array of operations")
    result = copy.deepcopy(doc)
    for i, op in enumerate(patch):
        try:
            if not isinstance(op, dict) or "path" not in op:
                raise PatchError("an operation needs op and path")
            kind = op.get("op")
            path = parse_pointer(op["path"])
            if kind in ("add", "replace", "test") and "value" not in op:
                raise PatchError(f"{kind} needs a value")
            if kind == "add":
                result = _add(result, path, copy.deepcopy(op["value"]))
            elif kind == "remove":
                result = _remove(result, path)
            elif kind == "replace":
                _get(result, path)
                result = _add(_remove(result, path), path, copy.deepcopy(op["value"])) if path else copy.deepcopy(op["value"])
            elif kind in ("move", "copy"):
                if "from" not in op:
                    raise PatchError(f"{kind} needs from")
                source = parse_pointer(op["from"])
                if kind == "move" and path[:len(source)] == source and len(path) > len(source):
                    raise PatchError("cannot move a value into itself")
                value = copy.deepcopy(_get(result, source))
                if kind == "move":
                    result = _remove(result, source)
                result = _add(result, path, value)
            elif kind == "test":
                if not json_equal(_get(result, path), op["value"]):
                    raise PatchError(f"test failed at {op['path']}")
            else:
                raise PatchError(f"unknown op {kind!r}")
        except PatchError as e:
            raise PatchError(f"operation {i}: {e}", i) from None
    return result


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """Applies an RFC 7386 JSON Merge Patch: an object merges member by member, ``None`` members delete."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result
