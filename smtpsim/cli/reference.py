"""``--reference VARIANT``: the variant every other one is compared with, checked against the
run's variants before anything is simulated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smtpsim.cli.errors import UserError, user_errors

__all__ = ["case_variants", "reference_variant"]


def reference_variant(given: str, variants: Sequence[str]) -> str:
    """The run's variant that ``given`` names: its label as written, or the same expression
    in its canonical form (``Baseline`` for ``baseline``, as choices are case-insensitive);
    else ``--reference: bad value ...; allowed: one of the run's variants: ...``."""
    if given in variants:
        return given
    from smtpsim.scenarios.errors import InvalidValueError
    from smtpsim.scenarios.variants import canonical_name

    try:
        canonical = canonical_name(given)
    except ValueError:
        canonical = given
    for v in variants:
        if v.lower() == given.lower() or v == canonical:
            return v
    raise UserError(str(InvalidValueError(
        "reference", given, "one of the run's variants: " + ", ".join(variants))))


def case_variants(case: dict[str, Any]) -> list[str]:
    """The variant labels of the run that single-case options describe (validated as
    ``smtpsim.api.simulate`` validates them)."""
    from smtpsim.scenarios.options import scenario

    with user_errors():
        return [v.label for v in scenario(**case).variant]
