"""Funnel plot control limits: is a unit's fraction different from the landelijk value beyond chance?

Spiegelhalter, *Funnel plots for comparing institutional performance*, Statistics in Medicine 24 (2005) 1185–1202.
For a proportion with target p0 (the landelijk pooled value) and a unit with denominator n, the limits are the
normal approximation to the binomial, p0 ± z·sqrt(p0(1−p0)/n), clipped to [0, 1], with z = 1.959964 (95 %) and
z = 3.090232 (99.8 %). A unit is *outside* when its value lies strictly beyond a limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054
Z_998 = 3.090232306167813


@dataclass(frozen=True)
class Limits:
    lower: float
    upper: float


def control_limits(p0: float, n: float, z: float) -> Limits:
    """The limits p0 ± z·sqrt(p0(1−p0)/n), clipped to [0, 1]; ValueError for n ≤ 0 or p0 outside [0, 1]."""
    if n <= 0:
        raise ValueError("a control limit needs a denominator of at least 1")
    if not 0 <= p0 <= 1:
        raise ValueError("the target of a funnel plot is a fraction between 0 and 1")
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return Limits(max(0.0, p0 - half), min(1.0, p0 + half))


def position(value: float, p0: float, n: float) -> str:
    """Where a unit lies: ``binnen``, ``boven_95``/``onder_95`` (outside 95 %, inside 99.8 %), or
    ``boven_998``/``onder_998`` (outside 99.8 %)."""
    for z, label in ((Z_998, "998"), (Z_95, "95")):
        limits = control_limits(p0, n, z)
        if value > limits.upper:
            return f"boven_{label}"
        if value < limits.lower:
            return f"onder_{label}"
    return "binnen"


POSITION_TEXT = {
    "binnen": "ligt binnen de 95%-grenzen: het verschil met landelijk past bij toeval",
    "boven_95": "ligt boven de 95%-grens (binnen 99,8%): mogelijk een echt verschil, let op",
    "onder_95": "ligt onder de 95%-grens (binnen 99,8%): mogelijk een echt verschil, let op",
    "boven_998": "ligt boven de 99,8%-grens: een verschil met landelijk dat niet door toeval komt",
    "onder_998": "ligt onder de 99,8%-grens: een verschil met landelijk dat niet door toeval komt",
}
