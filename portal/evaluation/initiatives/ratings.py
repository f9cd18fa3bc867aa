"""Rating summaries for the spider chart: per criterion average, spread and count, in SQL."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.evaluation.models import Rating
from portal.extensions import db
from portal.reference.models import Criterion


@dataclass(frozen=True)
class Arm:
    criterion: Criterion
    average: float | None  # None: nobody has rated this criterion yet
    lowest: int | None
    highest: int | None
    count: int


@dataclass(frozen=True)
class RatingSummary:
    arms: list[Arm]
    experts: int  # how many experts have rated (at least one criterion)
    overall: float | None = field(default=None)

    @property
    def empty(self) -> bool:
        return self.experts == 0


def criteria() -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).order_by(Criterion.position)))


def summarise(initiative_ids: list[int]) -> dict[int, RatingSummary]:
    """A summary per initiative, in two queries whatever the number of initiatives."""
    arms_of = criteria()
    rows = db.session.execute(
        select(
            Rating.initiative_id,
            Rating.criterion_id,
            func.avg(Rating.score),
            func.min(Rating.score),
            func.max(Rating.score),
            func.count(Rating.id),
        )
        .where(Rating.initiative_id.in_(initiative_ids))
        .group_by(Rating.initiative_id, Rating.criterion_id)
    ).all()
    experts = dict(
        db.session.execute(
            select(Rating.initiative_id, func.count(func.distinct(Rating.expert_id)))
            .where(Rating.initiative_id.in_(initiative_ids))
            .group_by(Rating.initiative_id)
        ).all()
    )
    stats = {(r[0], r[1]): r[2:] for r in rows}
    result = {}
    for initiative_id in initiative_ids:
        arms = []
        for criterion in arms_of:
            avg, low, high, count = stats.get((initiative_id, criterion.id), (None, None, None, 0))
            arms.append(Arm(criterion, float(avg) if avg is not None else None, low, high, count))
        rated = [a.average for a in arms if a.average is not None]
        overall = sum(rated) / len(rated) if rated else None
        result[initiative_id] = RatingSummary(arms, experts.get(initiative_id, 0), overall)
    return result


def radar_points(values: list[float | None], *, radius: float = 100.0, scale: int = 5) -> str:
    """SVG polygon points for values 0–scale on len(values) arms, starting straight up."""
    n = len(values)
    points = []
    for i, value in enumerate(values):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * (value or 0) / scale
        points.append(f"{r * math.cos(angle):.1f},{r * math.sin(angle):.1f}")
    return " ".join(points)


def axis_end(i: int, n: int, *, radius: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * i / n
    return round(radius * math.cos(angle), 1), round(radius * math.sin(angle), 1)


def label_lines(name: str, width: int = 16) -> list[str]:
    """A criterion's name on one or two lines, split at the space nearest the middle."""
    if len(name) <= width or " " not in name:
        return [name]
    middle = len(name) // 2
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return [name[:cut], name[cut + 1 :]]
