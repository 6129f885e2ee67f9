"""Geometry of the demo district: a jittered lattice whose cells are the grids.

One lattice per county. Every lattice vertex, and a wobble point in the middle of every
lattice edge, is computed once, so neighbouring cells share their edges exactly: grids tile
their community, communities tile their town and towns tile the county, with no gaps and no
overlaps. Towns are rectangular blocks of cells, communities are rectangular blocks inside a
town (column groups cut into bands), and grids are single cells. Interior vertices are jittered
by at most 15 % of the neighbouring cell sizes and edge midpoints by at most 8 %, which keeps
every cell a simple (valid) polygon.

Everything is drawn from one seeded :class:`random.Random` in a fixed order, so the same
arguments always give the same coordinates.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Cell = tuple[int, int]  # (column, row); row 0 is the southernmost

# Cell sizes in degrees (at 38.5° N one degree of longitude ≈ 87 km, of latitude ≈ 111 km).
COLUMN_WIDTH = 0.0055
STREET_ROW_HEIGHT = 0.0035
RURAL_ROW_HEIGHT = 0.0070
VERTEX_JITTER = 0.15
EDGE_JITTER = 0.08
DECIMALS = 6


@dataclass(frozen=True)
class TownShape:
    """Town (block) dimensions in cells and the typical number of grids per community."""

    width: int
    height: int
    community_size: float

    @property
    def cells(self) -> int:
        return self.width * self.height


def town_shape_for(total_grids: int) -> TownShape:
    if total_grids <= 200:
        return TownShape(5, 4, 20 / 3)
    if total_grids <= 3000:
        return TownShape(8, 6, 8.0)
    return TownShape(10, 15, 8.0)


def split_columns(width: int, rng: random.Random) -> list[int]:
    """Cut ``width`` columns into groups of 2 or 3 (a single column only if width is 1)."""
    parts: list[int] = []
    left = width
    while left > 0:
        if left <= 3:
            parts.append(left)
            break
        take = rng.choice((2, 3))
        if left - take == 1:
            take = 5 - take
        parts.append(take)
        left -= take
    return parts


def split_even(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` cut into ``parts`` near-equal positive integers, the larger ones at random."""
    parts = max(1, min(parts, total))
    base, extra = divmod(total, parts)
    sizes = [base] * parts
    for i in rng.sample(range(parts), extra):
        sizes[i] += 1
    return sizes


def partition_town(shape: TownShape, rng: random.Random) -> list[list[Cell]]:
    """Communities of one town block, each a list of cells in the town's own coordinates,
    ordered north-west first; cells inside a community in rows from the north, west to east."""
    communities: list[list[Cell]] = []
    x = 0
    for w in split_columns(shape.width, rng):
        bands = max(1, round(w * shape.height / shape.community_size))
        top = shape.height
        for h in split_even(shape.height, bands, rng):
            cells = [(x + i, row) for row in range(top - 1, top - h - 1, -1) for i in range(w)]
            communities.append(cells)
            top -= h
        x += w
    return communities


class Lattice:
    """A county's jittered lattice of ``nx`` × ``ny`` cells starting at ``origin`` (lon, lat)."""

    def __init__(
        self,
        *,
        origin: tuple[float, float],
        widths: Sequence[float],
        heights: Sequence[float],
        rng: random.Random,
    ) -> None:
        self.nx, self.ny = len(widths), len(heights)
        xs = [origin[0]]
        for w in widths:
            xs.append(xs[-1] + w)
        ys = [origin[1]]
        for h in heights:
            ys.append(ys[-1] + h)
        self.bounds = (xs[0], ys[0], xs[-1], ys[-1])

        def near(sizes: Sequence[float], i: int) -> float:
            return min(sizes[max(i - 1, 0)], sizes[min(i, len(sizes) - 1)])

        # Vertices: jittered in both directions (the outline too, for a natural border).
        self.vertex: list[list[tuple[float, float]]] = []
        for i in range(self.nx + 1):
            column = []
            dx = VERTEX_JITTER * near(widths, i)
            for j in range(self.ny + 1):
                dy = VERTEX_JITTER * near(heights, j)
                column.append((xs[i] + rng.uniform(-dx, dx), ys[j] + rng.uniform(-dy, dy)))
            self.vertex.append(column)
        # Wobble points in the middle of each edge, moved across the edge.
        self.h_mid: dict[Cell, tuple[float, float]] = {}  # edge (i, j) → (i + 1, j)
        for j in range(self.ny + 1):
            for i in range(self.nx):
                (x0, y0), (x1, y1) = self.vertex[i][j], self.vertex[i + 1][j]
                d = EDGE_JITTER * near(heights, j)
                self.h_mid[(i, j)] = ((x0 + x1) / 2, (y0 + y1) / 2 + rng.uniform(-d, d))
        self.v_mid: dict[Cell, tuple[float, float]] = {}  # edge (i, j) → (i, j + 1)
        for i in range(self.nx + 1):
            for j in range(self.ny):
                (x0, y0), (x1, y1) = self.vertex[i][j], self.vertex[i][j + 1]
                d = EDGE_JITTER * near(widths, i)
                self.v_mid[(i, j)] = ((x0 + x1) / 2 + rng.uniform(-d, d), (y0 + y1) / 2)

    def ring(self, cell: Cell) -> list[list[float]]:
        """The closed, counter-clockwise ring of one cell (8 distinct points)."""
        i, j = cell
        pts = [
            self.vertex[i][j],
            self.h_mid[(i, j)],
            self.vertex[i + 1][j],
            self.v_mid[(i + 1, j)],
            self.vertex[i + 1][j + 1],
            self.h_mid[(i, j + 1)],
            self.vertex[i][j + 1],
            self.v_mid[(i, j)],
        ]
        ring = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in pts]
        return [*ring, ring[0]]

    def cell_polygon(self, cell: Cell) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [self.ring(cell)]}


def union_geojson(polygons: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The union of edge-sharing polygons as GeoJSON (a Polygon when they are contiguous)."""
    import shapely
    from shapely.geometry import mapping, shape

    merged = shapely.union_all([shape(p) for p in polygons])
    merged = shapely.normalize(merged)
    data = mapping(merged)
    return _lists(data)


def _lists(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _lists(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_lists(v) for v in data]
    if isinstance(data, float):
        return round(data, DECIMALS)
    return data


def county_lattice(
    *,
    towns: int,
    shape: TownShape,
    street_towns: int,
    center: tuple[float, float],
    rng: random.Random,
) -> tuple[Lattice, list[tuple[int, int]]]:
    """A lattice for ``towns`` town blocks laid out row by row from the north-west, the first
    ``street_towns`` of them urban (shorter rows). Returns the lattice and each town block's
    lower-left cell."""
    cols = max(1, math.ceil(math.sqrt(towns)))
    rows = math.ceil(towns / cols)
    widths = [COLUMN_WIDTH * rng.uniform(0.85, 1.15) for _ in range(cols * shape.width)]
    heights: list[float] = []
    for block_row in range(rows - 1, -1, -1):  # from the south
        first = block_row * cols
        urban = first < street_towns
        base = STREET_ROW_HEIGHT if urban else RURAL_ROW_HEIGHT
        heights.extend(base * rng.uniform(0.85, 1.15) for _ in range(shape.height))
    total_w, total_h = sum(widths), sum(heights)
    origin = (center[0] - total_w / 2, center[1] - total_h / 2)
    lattice = Lattice(origin=origin, widths=widths, heights=heights, rng=rng)
    corners = []
    for t in range(towns):
        block_row, block_col = divmod(t, cols)
        corners.append((block_col * shape.width, (rows - 1 - block_row) * shape.height))
    return lattice, corners
