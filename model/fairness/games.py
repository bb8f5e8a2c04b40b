"""Cooperative cost games: who pays what for a shared service, and would any group do better alone?

A :class:`CostGame` gives, for every coalition ``S`` of members (players), the cost ``c(S)`` in pounds per year of
running the service for ``S`` alone (or, for ``kind="profit"``, the gain ``v(S)`` of cooperating). An *allocation*
splits the grand coalition's value ``c(N)`` among the players. This module computes the classical allocations and
checks them against the *core* -- the allocations no coalition can improve on by walking away.

Conventions (used everywhere below)
-----------------------------------
- Players are strings; coalitions are ``frozenset`` of player names at the API. Internally coalition ``S`` is the
  bitmask ``sum(1 << i for i in S)`` over the player order of ``game.players``, and a game with ``n`` players is a
  numpy array of length ``2**n`` indexed by bitmask (``table[0] = 0`` for the empty coalition).
- Cost game core: ``{x : sum_i x_i = c(N), x(S) <= c(S) for all S}``. The *excess* of ``S`` under ``x`` is
  ``e(S) = x(S) - c(S)``: a positive excess means ``S`` pays more than it would alone, so it would walk away.
- Profit games (values are gains ``v(S)``) are converted to the cost game ``c(S) = -v(S)``; every allocation is
  computed on that cost game and negated back, so allocations of a profit game are shares of the gain ``v(N)``.
  The excess is the same number in both readings (``x(S) - c(S) = v(S) - y(S)`` with ``y = -x``): positive means
  ``S`` could gain more on its own than it is given.
- Every allocation is *exactly* budget balanced: ``math.fsum(shares) == game.grand_value`` in floating point. The
  algorithms are accurate to about 1e-9 relative; the last rounding residual is then added to the largest share (in
  absolute value), which changes it by a few units in the last place.
- Linear programmes are solved with HiGHS (``highspy``) in the scaled unit ``costs / max|c(S)|``, and scaled back.

Methods and references
----------------------
- ``shapley`` -- exact: ``phi_i = sum_{S not containing i} |S|! (n-|S|-1)! / n! * (c(S+i) - c(S))``, vectorised over
  all ``2**n`` bitmasks (Shapley 1953). ``shapley_sampled`` -- mean marginal contribution over random orders of
  arrival (Castro, Gomez & Tejada 2009), with a standard error.
- ``nucleolus`` / ``prenucleolus`` / ``per_capita_nucleolus`` -- lexicographic minimisation of the sorted excesses
  (Schmeidler 1969) by sequential LPs (Maschler, Peleg & Shapley 1979), fixing only coalitions with a strictly
  positive dual (Guajardo & Jornsten 2015, "Common mistakes in computing the nucleolus", EJOR 241). The per-capita
  variant divides each excess by ``|S|`` (Grotte 1970).
- ``least_core`` -- the smallest ``epsilon`` with ``x(S) - c(S) <= epsilon`` for all proper ``S`` (Maschler, Peleg &
  Shapley 1979); the core is non-empty iff ``epsilon <= 0``.
- ``scrb`` -- separable costs remaining benefits (Young, Okada & Hashimoto 1982; Tennessee Valley Authority 1930s).
- ``proportional`` (per-capita when the weights are headcounts) and ``equal_split``.
- ``closest_core_allocation`` -- the core allocation nearest to a reference allocation (e.g. today's per-capita
  split) in the largest absolute deviation, made unique by lexicographic refinement; least core if the core is empty.

Nothing here depends on the rest of the model: it is pure numpy + HiGHS, usable by ``model.fairness.tariffs``.


This module holds the game (:class:`CostGame`), its errors, coalition keys and the example games; the solution
concepts (Shapley value, nucleolus, least core, core check, ...) are in ``model.fairness.solutions``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

#: Largest number of players for which a full table of ``2**n`` values is built (exact Shapley, core checks).
MAX_TABLE_PLAYERS = 20


#: Largest number of players for the LP methods (nucleolus family, least core, closest core): ``2**n - 2`` rows.
MAX_LP_PLAYERS = 18


#: Largest absolute value of a coalition's cost (or gain) or a weight: sums over 2**20 coalitions stay far from
#: floating-point overflow (1e308) and amounts to the penny stay exact enough.
MAX_GAME_VALUE = 1e15


#: The keys a game file (``CostGame.from_json``) may have.
GAME_FILE_KEYS = ("players", "costs", "type", "weights")


#: Relative tolerance: excesses, core membership and budget balance are judged to ``REL_TOL * max|c(S)|``.
REL_TOL = 1e-9


#: A dual value above this (the duals of the excess rows sum to 1) marks a coalition as fixed at a nucleolus stage.
DUAL_TOL = 1e-9


GameKind = Literal["cost", "profit"]


CoalitionLike = str | Iterable[str]


class GameError(ValueError):
    """Bad game data or an impossible request; the message says what to change."""


class UnknownPlayerError(GameError):
    """A coalition names a player that is not in the player list."""


class MissingCoalitionError(GameError):
    """A coalition's value is missing (the message names one) and no completion rule was requested."""


class InvalidValueError(GameError):
    """A value is not a finite number (NaN, infinity, text, ...) or is inconsistent (non-zero empty coalition)."""


class TooManyPlayersError(GameError):
    """The game has too many players for an exact method; the message names the method to use instead."""


class EmptyImputationSetError(GameError):
    """No allocation gives every player at most its stand-alone cost (c(N) > sum of c({i}))."""


def _popcount(n: int) -> np.ndarray:
    """Number of players in each of the ``2**n`` coalitions (uint8, indexed by bitmask)."""
    counts = np.zeros(1 << n, dtype=np.uint8)
    for i in range(n):
        counts[1 << i : 2 << i] = counts[: 1 << i] + 1
    return counts


def _subset_sums(x: np.ndarray) -> np.ndarray:
    """``x(S) = sum_{i in S} x_i`` for every bitmask ``S`` (length ``2**len(x)``), built bit by bit."""
    n = len(x)
    sums = np.zeros(1 << n, dtype=np.float64)
    for i in range(n):
        sums[1 << i : 2 << i] = sums[: 1 << i] + x[i]
    return sums


def _membership(masks: np.ndarray, n: int) -> np.ndarray:
    """Boolean matrix ``(len(masks), n)``: entry ``[k, i]`` is True if player ``i`` is in coalition ``masks[k]``."""
    return ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)


def _require_players(n: int, limit: int, method: str, instead: str) -> None:
    if n > limit:
        raise TooManyPlayersError(
            f"{method} needs at most {limit} players (2**n coalitions), this game has {n}; use {instead} instead"
        )


def parse_coalition(key: CoalitionLike, players: Sequence[str]) -> frozenset[str]:
    """A coalition from ``"A+B"`` (names joined by ``+``, any order, spaces ignored) or an iterable of names.

    Raises :class:`UnknownPlayerError` for a name not in ``players`` and :class:`GameError` for a name given twice.
    ``""`` is the empty coalition.
    """
    names = list(key) if not isinstance(key, str) else [part.strip() for part in key.split("+")]
    if names == [""]:
        names = []
    known = set(players)
    for name in names:
        if name not in known:
            raise UnknownPlayerError(
                f"unknown player {name!r} in coalition {_show(key)}; players are {', '.join(players)}"
            )
    coalition = frozenset(names)
    if len(coalition) != len(names):
        raise GameError(f"coalition {_show(key)} names a player twice")
    return coalition


def coalition_key(coalition: Iterable[str], players: Sequence[str]) -> str:
    """The canonical ``"A+B"`` key of a coalition, names in the order of ``players`` (``""`` for the empty one)."""
    members = set(coalition)
    return "+".join(p for p in players if p in members)


def _show(key: CoalitionLike) -> str:
    return repr(key) if isinstance(key, str) else "{" + ", ".join(sorted(map(str, key))) + "}"


def _check_number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidValueError(f"{what} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidValueError(f"{what} must be finite, got {value!r}")
    if abs(number) > MAX_GAME_VALUE:
        raise InvalidValueError(
            f"{what} is too large ({number:.3g}); the limit is {MAX_GAME_VALUE:.0e} in absolute value"
        )
    return number


def parse_weights(weights: Mapping[str, Any], players: Sequence[str]) -> dict[str, float]:
    """Validate weights (e.g. headcounts) for :func:`proportional`: one finite number >= 0 per player, sum > 0."""
    if not isinstance(weights, Mapping):
        raise InvalidValueError(f"weights must be a mapping player -> number, got {type(weights).__name__}")
    for name in weights:
        if name not in players:
            raise UnknownPlayerError(f"unknown player {name!r} in weights; players are {', '.join(players)}")
    missing = [p for p in players if p not in weights]
    if missing:
        raise GameError(f"weights missing for player {missing[0]!r}")
    parsed = {p: _check_number(weights[p], f"weight of {p!r}") for p in players}
    negative = [p for p, w in parsed.items() if w < 0]
    if negative:
        raise InvalidValueError(f"weight of {negative[0]!r} is negative ({parsed[negative[0]]})")
    if math.fsum(parsed.values()) <= 0:
        raise InvalidValueError("weights sum to zero; at least one must be positive")
    return parsed


class CostGame:
    """A transferable-utility game on named players, stored as costs (or gains) per coalition.

    Build it with :meth:`from_table` (a ``{coalition: value}`` mapping), :meth:`from_function` (a Python function of
    a ``frozenset`` of names), :meth:`from_vectorized` (a numpy function of a membership matrix, for large ``n``),
    :meth:`from_json` (the CLI file format), or directly ``CostGame(players, table)`` from a bitmask-indexed array.

    ``kind="cost"`` (default): values are costs ``c(S)`` in pounds per year. ``kind="profit"``: values are gains
    ``v(S)``; methods then return shares of the gain ``v(N)``. Table-based games keep every value; function-based
    games evaluate on demand and build a table (``n <= MAX_TABLE_PLAYERS``) only for methods that need every
    coalition.
    """

    def __init__(self, players: Sequence[str], table: Sequence[float] | np.ndarray, *, kind: GameKind = "cost"):
        self._init_players(players, kind)
        values = np.array(table, dtype=np.float64)
        if values.shape != (1 << self.n,):
            raise GameError(f"table must have 2**n = {1 << self.n} values, got shape {values.shape}")
        self._table: np.ndarray | None = self._checked_table(values)
        self._scalar: Callable[[frozenset[str]], float] | None = None
        self._vector: Callable[[np.ndarray], np.ndarray] | None = None
        self._prefix: Callable[[np.ndarray], np.ndarray] | None = None

    def _init_players(self, players: Sequence[str], kind: str) -> None:
        names = tuple(players)
        if not names:
            raise GameError("a game needs at least one player")
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise GameError(f"player names must be non-empty strings, got {name!r}")
            if "+" in name:
                raise GameError(f"player name {name!r} contains '+', which separates names in coalition keys")
        if len(set(names)) != len(names):
            dup = next(p for p in names if names.count(p) > 1)
            raise GameError(f"player {dup!r} is listed twice")
        if kind not in ("cost", "profit"):
            raise GameError(f"kind must be 'cost' or 'profit', got {kind!r}")
        self.players: tuple[str, ...] = names
        self.n: int = len(names)
        self.kind: GameKind = kind  # type: ignore[assignment]
        #: +1 for a cost game, -1 for a profit game: the internal cost game is ``sign * value``.
        self.sign: float = 1.0 if kind == "cost" else -1.0
        self._index = {p: i for i, p in enumerate(names)}
        self._cost_cache: np.ndarray | None = None

    # -- constructors ------------------------------------------------------------------------------------------

    @classmethod
    def from_table(
        cls,
        table: Mapping[Any, Any],
        players: Sequence[str] | None = None,
        *,
        kind: GameKind = "cost",
        complete: Literal["subadditive"] | None = None,
    ) -> CostGame:
        """A game from ``{coalition: value}``; keys are ``"A+B"`` strings or iterables (e.g. frozensets) of names.

        ``players`` defaults to the names in the keys, in order of first appearance (names inside a non-string
        key are taken in sorted order). The empty coalition may be
        omitted (value 0). The grand coalition is required. Any other missing coalition raises
        :class:`MissingCoalitionError` naming it, unless ``complete="subadditive"``: then it gets the cost of its
        cheapest partition into given coalitions (for a profit game: the largest total gain of a partition).
        """
        if players is None:
            seen: dict[str, None] = {}
            for key in table:
                names = key.split("+") if isinstance(key, str) else sorted(key, key=str)
                for name in names:
                    if isinstance(name, str) and name.strip():
                        seen.setdefault(name.strip(), None)
            players = list(seen)
        game = cls.__new__(cls)
        game._init_players(players, kind)
        n = game.n
        _require_players(n, MAX_TABLE_PLAYERS, "a coalition table", "CostGame.from_vectorized")
        values = np.full(1 << n, np.nan)
        values[0] = 0.0
        given = np.zeros(1 << n, dtype=bool)
        given[0] = True
        for key, raw in table.items():
            coalition = parse_coalition(key, game.players)
            mask = game.mask(coalition)
            number = _check_number(raw, f"value of coalition {_show(key)}")
            if mask == 0:
                if number != 0.0:
                    raise InvalidValueError(f"the empty coalition must have value 0, got {raw!r}")
                continue
            if given[mask]:
                raise GameError(f"coalition {game._key(mask)!r} is given twice (keys may list names in any order)")
            values[mask] = number
            given[mask] = True
        full = (1 << n) - 1
        if not given[full]:
            raise MissingCoalitionError(
                f"the grand coalition {game._key(full)!r} is missing: its value is what is being shared"
            )
        if not given.all():
            if complete is None:
                missing = int(np.flatnonzero(~given)[0])
                count = int((~given).sum())
                raise MissingCoalitionError(
                    f"coalition {game._key(missing)!r} is missing ({count} missing in all); give every coalition "
                    "or complete the table by cheapest partition (complete='subadditive', CLI --complete subadditive)"
                )
            if complete != "subadditive":
                raise GameError(f"unknown completion rule {complete!r}; the only one is 'subadditive'")
            _require_players(n, MAX_LP_PLAYERS, "completion by cheapest partition", "a complete table")
            sign = game.sign
            cheapest = _cheapest_partition(n, np.flatnonzero(given)[1:], sign * values[given][1:])
            fill = ~given
            if not np.all(np.isfinite(cheapest[fill])):
                bad = int(np.flatnonzero(fill & ~np.isfinite(cheapest))[0])
                raise MissingCoalitionError(
                    f"coalition {game._key(bad)!r} is missing and has no partition into given coalitions "
                    "(give at least every single player)"
                )
            values[fill] = sign * cheapest[fill]
        return cls(game.players, values, kind=kind)

    @classmethod
    def from_function(
        cls, players: Sequence[str], cost: Callable[[frozenset[str]], float], *, kind: GameKind = "cost"
    ) -> CostGame:
        """A game whose value is ``cost(frozenset_of_names)``, evaluated on demand (``cost(frozenset()) == 0``).

        Sampled Shapley, SCRB, proportional and equal split work for any ``n``; the other methods tabulate all
        ``2**n`` coalitions (``n <= MAX_TABLE_PLAYERS``), calling ``cost`` once per coalition.
        """
        game = cls.__new__(cls)
        game._init_players(players, kind)
        game._table, game._scalar, game._vector, game._prefix = None, cost, None, None
        return game

    @classmethod
    def from_vectorized(
        cls,
        players: Sequence[str],
        cost: Callable[[np.ndarray], np.ndarray],
        *,
        kind: GameKind = "cost",
        prefix_cost: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> CostGame:
        """A game from a vectorised value function: ``cost(members)`` takes a boolean matrix ``(m, n)`` (row ``k``
        marks the members of coalition ``k``, columns in ``players`` order) and returns ``m`` values.

        Optional ``prefix_cost(orders)``: given an int matrix ``(b, n)`` of orders of arrival (player indices), the
        ``(b, n + 1)`` values of every prefix of every order (first column 0), e.g. a running maximum or a running
        sum pushed through a concave function. :func:`shapley_sampled` then costs O(n) per order instead of
        O(n**2). It must agree with ``cost``.
        """
        game = cls.__new__(cls)
        game._init_players(players, kind)
        game._table, game._scalar, game._vector, game._prefix = None, None, cost, prefix_cost
        return game

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, complete: Literal["subadditive"] | None = None) -> CostGame:
        """A game from the CLI format ``{"players": [...], "costs": {"A": 10, "A+B": 15, ...}, "type": "cost"}``.

        ``"type": "profit"`` reads the values as gains. An optional ``"weights"`` entry is not read here (see
        :func:`parse_weights`).
        """
        if not isinstance(data, Mapping):
            raise GameError("the game must be a JSON object with 'players' and 'costs'")
        unknown = [str(key) for key in data if key not in GAME_FILE_KEYS]
        if unknown:
            raise GameError(f"unknown key {unknown[0]!r} in the game; the keys are {', '.join(GAME_FILE_KEYS)}")
        players = data.get("players")
        if not isinstance(players, list) or not all(isinstance(p, str) for p in players):
            raise GameError("'players' must be a list of player names")
        if len(players) > MAX_TABLE_PLAYERS:
            raise TooManyPlayersError(
                f"the game has {len(players)} players; a game table lists every coalition, so it can have at most "
                f"{MAX_TABLE_PLAYERS} players (2**{MAX_TABLE_PLAYERS} = {1 << MAX_TABLE_PLAYERS:,} coalitions)"
            )
        costs = data.get("costs")
        if not isinstance(costs, Mapping):
            raise GameError("'costs' must be an object mapping 'A+B' keys to numbers")
        kind = data.get("type", "cost")
        if kind not in ("cost", "profit"):
            raise GameError(f"'type' must be 'cost' or 'profit', got {kind!r}")
        return cls.from_table(costs, players, kind=kind, complete=complete)

    # -- accessors ---------------------------------------------------------------------------------------------

    def _checked_table(self, values: np.ndarray) -> np.ndarray:
        """``values`` (all ``2**n`` coalitions by bitmask) made read-only after checking every value is finite and the
        empty coalition is worth 0; the error names the first offending coalition."""
        if not np.all(np.isfinite(values)):
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise InvalidValueError(f"value of coalition {self._key(bad)!r} is not finite ({values[bad]})")
        if values[0] != 0.0:
            raise InvalidValueError(f"the empty coalition must have value 0, got {values[0]}")
        values.setflags(write=False)
        return values

    def mask(self, coalition: CoalitionLike) -> int:
        """The bitmask of a coalition (names or ``"A+B"``); raises :class:`UnknownPlayerError` for unknown names."""
        if isinstance(coalition, str) or not isinstance(coalition, frozenset | set):
            coalition = parse_coalition(coalition, self.players)
        mask = 0
        for name in coalition:
            index = self._index.get(name)
            if index is None:
                raise UnknownPlayerError(f"unknown player {name!r}; players are {', '.join(self.players)}")
            mask |= 1 << index
        return mask

    def coalition(self, mask: int) -> frozenset[str]:
        """The coalition (frozenset of names) of a bitmask."""
        return frozenset(p for i, p in enumerate(self.players) if (int(mask) >> i) & 1)

    def _key(self, mask: int) -> str:
        return "+".join(p for i, p in enumerate(self.players) if (int(mask) >> i) & 1)

    def value(self, coalition: CoalitionLike) -> float:
        """``c(S)`` (cost game) or ``v(S)`` (profit game) of a coalition, as given."""
        if self._table is not None:
            return float(self._table[self.mask(coalition)])
        if isinstance(coalition, str) or not isinstance(coalition, frozenset | set):
            coalition = parse_coalition(coalition, self.players)
        members = np.zeros((1, self.n), dtype=bool)
        for name in coalition:
            if name not in self._index:
                raise UnknownPlayerError(f"unknown player {name!r}; players are {', '.join(self.players)}")
            members[0, self._index[name]] = True
        return float(self._evaluate_members(members)[0])

    @property
    def grand_value(self) -> float:
        """Value of the grand coalition: the total every allocation shares out (pounds per year)."""
        return self.value(frozenset(self.players))

    @property
    def has_table(self) -> bool:
        """True if every coalition's value is stored (table-based game or already tabulated)."""
        return self._table is not None

    @property
    def table(self) -> np.ndarray:
        """All ``2**n`` values as given (read-only), indexed by bitmask; tabulated on first use for function games."""
        if self._table is None:
            _require_players(self.n, MAX_TABLE_PLAYERS, "tabulating every coalition", "shapley_sampled")
            self._table = self._checked_table(self._evaluate_masks(np.arange(1 << self.n, dtype=np.int64)))
        return self._table

    def _evaluate_masks(self, masks: np.ndarray) -> np.ndarray:
        """Values (as given) of coalitions given by bitmask, via the table or the value function."""
        if self._table is not None:
            return self._table[masks]
        if self._vector is not None:
            out = np.empty(len(masks))
            chunk = max(1, (1 << 22) // max(self.n, 1))
            for start in range(0, len(masks), chunk):
                part = masks[start : start + chunk]
                out[start : start + chunk] = np.asarray(self._vector(_membership(part, self.n)), dtype=float)
            return out
        assert self._scalar is not None
        return np.array([float(self._scalar(self.coalition(m))) for m in masks], dtype=np.float64)

    def _evaluate_members(self, members: np.ndarray) -> np.ndarray:
        """Values (as given) of coalitions given as a boolean membership matrix ``(m, n)``."""
        if self._vector is not None:
            return np.asarray(self._vector(members), dtype=np.float64)
        if self._table is not None:
            weights = np.left_shift(np.int64(1), np.arange(self.n, dtype=np.int64))
            return self._table[members.astype(np.int64) @ weights]
        assert self._scalar is not None
        names = np.array(self.players, dtype=object)
        return np.array([float(self._scalar(frozenset(names[row]))) for row in members], dtype=np.float64)

    def _costs(self) -> np.ndarray:
        """The internal cost table ``sign * table`` (costs for a cost game, minus gains for a profit game)."""
        if self._cost_cache is None:
            self._cost_cache = self.sign * self.table
        return self._cost_cache

    def _scale(self) -> float:
        """Positive unit for tolerances and LP scaling: the largest absolute value in the table (1 if all zero)."""
        peak = float(np.max(np.abs(self.table)))
        return peak if peak > 0 else 1.0

    def is_subadditive(self, tol: float = REL_TOL) -> bool:
        """True if ``c(S | T) <= c(S) + c(T)`` for all disjoint ``S, T`` (cost) / ``v(S|T) >= v(S)+v(T)`` (profit).

        Checks all pairs by enumeration (3**n); intended for small games.
        """
        costs = self._costs()
        slack = tol * self._scale()
        for s in range(1, 1 << self.n):
            sub = (s - 1) & s
            while sub:
                if costs[s] > costs[sub] + costs[s ^ sub] + slack:
                    return False
                sub = (sub - 1) & s
        return True

    def __add__(self, other: CostGame) -> CostGame:
        """The sum game ``c1 + c2`` on the same players and kind (used to test additivity of Shapley)."""
        if not isinstance(other, CostGame):
            return NotImplemented
        if other.players != self.players or other.kind != self.kind:
            raise GameError("games can only be added if they have the same players (same order) and kind")
        return CostGame(self.players, self.table + other.table, kind=self.kind)

    def __repr__(self) -> str:
        source = "table" if self._table is not None else "function"
        return f"CostGame(players={list(self.players)!r}, kind={self.kind!r}, {source})"


def _cheapest_partition(n: int, pieces: np.ndarray, piece_costs: np.ndarray) -> np.ndarray:
    """For every bitmask ``S``: the least total cost of a partition of ``S`` into the given pieces (inf if none).

    Dynamic programme over ``S`` in increasing order: the piece holding the lowest member of ``S`` is one of the
    given pieces inside ``S``, and the rest is a smaller coalition already solved.
    """
    best = np.full(1 << n, np.inf)
    best[0] = 0.0
    lowest = np.zeros(len(pieces), dtype=np.int64)
    for i in range(n - 1, -1, -1):
        lowest[(pieces >> i) & 1 == 1] = i
    groups = [(pieces[lowest == i], piece_costs[lowest == i]) for i in range(n)]
    for s in range(1, 1 << n):
        low = (s & -s).bit_length() - 1
        masks, costs = groups[low]
        inside = (masks & ~s) == 0
        if inside.any():
            best[s] = np.min(costs[inside] + best[s ^ masks[inside]])
    return best


def airport_game(requirements: Mapping[str, float]) -> CostGame:
    """Airport game (Littlechild & Owen 1973): ``c(S) = max_{i in S} requirement_i``.

    Think of a shared platform sized for its most demanding member. Vectorised, so it works for hundreds of
    players with :func:`shapley_sampled` (and tabulates for ``n <= MAX_TABLE_PLAYERS``).
    """
    players = list(requirements)
    need = np.array([_check_number(requirements[p], f"requirement of {p!r}") for p in players])

    def cost(members: np.ndarray) -> np.ndarray:
        return np.max(np.where(members, need[None, :], 0.0), axis=1, initial=0.0)

    def prefix_cost(orders: np.ndarray) -> np.ndarray:
        running = np.maximum.accumulate(need[orders], axis=1)
        return np.concatenate([np.zeros((len(orders), 1)), running], axis=1)

    return CostGame.from_vectorized(players, cost, prefix_cost=prefix_cost)


def random_subadditive_game(n: int, seed: int = 0) -> CostGame:
    """A random subadditive cost game on players ``P1..Pn`` (for tests and benchmarks), tabulated.

    ``c(S) = a * sqrt(w1(S)) + b * ceil(w2(S) / capacity) + sum_{k} f_k [S meets group k]`` with random positive
    member loads ``w1, w2`` and random groups with fixed costs ``f_k``: a concave economy of scale, a capacity
    (bin-packing) term that often empties the core, and shared set-up costs. Each term is subadditive, so the sum is.
    """
    if n < 1 or n > MAX_TABLE_PLAYERS:
        raise GameError(f"n must be 1..{MAX_TABLE_PLAYERS}, got {n}")
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(1.0, 10.0, n)
    w2 = rng.uniform(1.0, 10.0, n)
    capacity = float(rng.uniform(1.5, 3.5)) * float(np.mean(w2))
    table = rng.uniform(5.0, 15.0) * np.sqrt(_subset_sums(w1))
    table += rng.uniform(5.0, 15.0) * np.ceil(_subset_sums(w2) / capacity - 1e-12)
    masks = np.arange(1 << n, dtype=np.int64)
    for _ in range(max(1, n // 3)):
        group = int(rng.integers(1, 1 << n))
        table += rng.uniform(5.0, 30.0) * ((masks & group) != 0)
    table[0] = 0.0
    return CostGame([f"P{i + 1}" for i in range(n)], table)
