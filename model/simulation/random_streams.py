"""Named, reproducible random streams for common random numbers (CRN) across scenarios and replications.

Every source of randomness in a replication draws from its own stream, identified by a NAME such as
``arrivals|Luton CCG|recruitment`` or ``sickness|host|hr_advisor|1``. The stream of replication ``r`` is

    numpy.random.SeedSequence(seed, spawn_key=(r, key(name)))

where ``key(name)`` is the first 4 bytes (big-endian unsigned 32-bit integer) of SHA-256 of the UTF-8 name. This is
exactly the child ``SeedSequence(seed).spawn(n)[r].spawn(key + 1)[key]`` would give (spawn keys extend the parent's
key), so replication ``r`` is the same on every backend (serial, processes, Dask) and independent of how many
replications are run.

Why names and not positions: the key depends only on the name, never on the order of members, services or roles in
the scenario. Adding a member, changing staffing or one role's FTE therefore leaves every other stream, and so every
other member's arrivals and case attributes, bit-for-bit identical: differences between scenarios are then due to the
change, not to noise (common random numbers). Two different names collide with probability 2**-32 per pair.
"""

from __future__ import annotations

import hashlib

import numpy as np

SEPARATOR = "|"


def stream_key(name: str) -> int:
    """Stable 32-bit integer for a stream name (first 4 bytes of SHA-256, big-endian)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")


def stream_name(*parts: str | int) -> str:
    """Join name parts with ``|``: ``stream_name("arrivals", "Luton CCG", "recruitment")``."""
    return SEPARATOR.join(str(part) for part in parts)


def seed_sequence(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` in replication ``replication`` of a run seeded ``seed``."""
    if replication < 0:
        raise ValueError(f"replication must be >= 0, got {replication}")
    return np.random.SeedSequence(seed, spawn_key=(replication, stream_key(name)))


def generator(seed: int, replication: int, *parts: str | int) -> np.random.Generator:
    """A fresh numpy Generator (PCG64) for the stream named by ``parts`` joined with ``|``."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, replication, stream_name(*parts))))


def replication_seed_sequence(seed: int, replication: int) -> np.random.SeedSequence:
    """``SeedSequence(seed).spawn(n)[replication]`` without spawning n children (for callers that need one)."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def child_sequence(parent: np.random.SeedSequence, *path: int) -> np.random.SeedSequence:
    """The child of ``parent`` at ``path``: ``SeedSequence(parent.entropy, spawn_key=parent.spawn_key + path)``.

    This is what ``parent.spawn`` would give as its ``path[0]``-th child (and so on down the path), but without
    ``spawn``'s counter: the child depends only on ``path``, never on how many children were taken before. Used to
    split one named stream into independent sub-streams (for example a post's sickness stream into one stream per
    person in post and per kind of variate), so that the k-th number of each sub-stream is the same whatever the
    scenario's parameters (common random numbers across parameter values).
    """
    if any(part < 0 for part in path):
        raise ValueError(f"child path parts must be >= 0, got {path}")
    return np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, *path), pool_size=parent.pool_size)


def child_generator(parent: np.random.SeedSequence, *path: int) -> np.random.Generator:
    """A fresh numpy Generator (PCG64) for :func:`child_sequence` ``(parent, *path)``."""
    return np.random.Generator(np.random.PCG64(child_sequence(parent, *path)))
