"""asyncio client of Ferry's ferry.v1 protocol (docs/protocol.md): pub/sub with recovery, RPC both ways,
resumable sessions and durable subscriptions, JWT, presence and state channels."""
from .client import (
    SUBPROTOCOL,
    Delivery,
    Ferry,
    FerryError,
    Invocation,
    Published,
    StateReplica,
    Subscription,
    decode,
    encode,
    new_pub_id,
)
from .patch import PatchError, apply_merge_patch, apply_patch, json_equal, parse_pointer
from .topics import has_wildcard, matches

__all__ = [
    "SUBPROTOCOL",
    "Delivery",
    "Ferry",
    "FerryError",
    "Invocation",
    "PatchError",
    "Published",
    "StateReplica",
    "Subscription",
    "apply_merge_patch",
    "apply_patch",
    "decode",
    "encode",
    "has_wildcard",
    "json_equal",
    "matches",
    "new_pub_id",
    "parse_pointer",
]
__version__ = "0.1.0"
