"""One fixed colour per variant, the same in every figure.

The built-in presets (``smtpsim/scenarios/data/variants.toml``) have fixed colours: the eight
plotted most take Okabe and Ito's palette, which stays distinguishable under the common
colour-vision deficiencies (M. Okabe, K. Ito, "Color Universal Design", 2008, the colours
as listed there: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish
purple); ``baseline``, the usual reference, is black. No qualitative palette keeps more than
about eight colours apart for every viewer, so the four protocol-only or rarer presets and
the other variants take Paul Tol's "muted" scheme (P. Tol, "Colour Schemes", SRON technical
note SRON/EPS/TN/09-002, 2021: rose, indigo, sand, green, cyan, wine, teal, olive,
purple), which is also designed for colour-blind readers.

A variant that is not a preset (``baseline+chunking``, a scenario's own name) takes one of
``EXTRA`` chosen by the SHA-256 of its name, so it keeps its colour from one figure to the
next whatever other variants are drawn; when two such variants of one figure draw the same
colour, the later in name order takes the next free one (``variant_colors``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["EXTRA", "OKABE_ITO", "PRESET_COLORS", "TOL_MUTED", "variant_color",
           "variant_colors"]

#: Okabe and Ito's eight colours, in their order.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}

#: Paul Tol's muted scheme, in his order.
TOL_MUTED: dict[str, str] = {
    "rose": "#CC6677", "indigo": "#332288", "sand": "#DDCC77", "green": "#117733",
    "cyan": "#88CCEE", "wine": "#882255", "teal": "#44AA99", "olive": "#999933",
    "purple": "#AA4499",
}

#: The built-in presets' colours.
PRESET_COLORS: dict[str, str] = {
    "baseline": OKABE_ITO["black"],
    "config-token": OKABE_ITO["orange"],
    "tfo": OKABE_ITO["sky blue"],
    "implicit-tls": OKABE_ITO["bluish green"],
    "quickstart-full": OKABE_ITO["yellow"],
    "streamlined": OKABE_ITO["blue"],
    "burl": OKABE_ITO["vermillion"],
    "streamlined-2006": OKABE_ITO["reddish purple"],
    "quickstart-basic": TOL_MUTED["indigo"],
    "rfc5321": TOL_MUTED["olive"],
    "pipelining": TOL_MUTED["wine"],
    "chunking": TOL_MUTED["teal"],
}

#: The colours of variants that are not presets, in the order they are tried.
EXTRA: tuple[str, ...] = tuple(
    TOL_MUTED[name] for name in ("rose", "sand", "green", "cyan", "purple"))


def _extra_index(name: str) -> int:
    """The index into ``EXTRA`` of a variant that is not a preset: the first 8 bytes of
    the SHA-256 of its name, modulo the number of colours (the same in every process)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big") % len(EXTRA)


def variant_color(name: str) -> str:
    """The colour of one variant on its own: the preset's, or its ``EXTRA`` colour."""
    return PRESET_COLORS.get(name) or EXTRA[_extra_index(name)]


def variant_colors(variants: Iterable[str]) -> dict[str, str]:
    """A colour per variant (``#RRGGBB``), in the order given: a preset its fixed colour;
    any other variant its ``variant_color``, unless an earlier (in name order) non-preset
    variant of ``variants`` took it, then the next ``EXTRA`` colour not taken (and when all
    are, its own again: colours repeat only beyond ``len(EXTRA)`` such variants)."""
    names = list(dict.fromkeys(str(v) for v in variants))
    colors = {name: PRESET_COLORS[name] for name in names if name in PRESET_COLORS}
    taken: set[str] = set()
    for name in sorted(n for n in names if n not in PRESET_COLORS):
        start = _extra_index(name)
        options = [EXTRA[(start + k) % len(EXTRA)] for k in range(len(EXTRA))]
        color = next((c for c in options if c not in taken), options[0])
        taken.add(color)
        colors[name] = color
    return {name: colors[name] for name in names}
