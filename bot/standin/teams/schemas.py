"""Microsoft's published schemas: Adaptive Cards 1.5 for what the bot sends, and the Teams app
manifest v1.25 for the package it is installed from.

The schema files live beside the repository (`../shared/teams/`); where they are absent the
checks that need them are skipped, so a checkout without them still runs.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parents[4] / "shared" / "teams"
ADAPTIVE_CARD_SCHEMA = SCHEMA_DIR / "adaptive-card.schema.1.5.json"
MANIFEST_SCHEMA = SCHEMA_DIR / "manifest.schema.1.25.json"
# Teams renders Adaptive Cards up to 1.5.
CARD_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")


class SchemaError(ValueError):
    """A document the schema refuses; the message says where and why."""


@functools.cache
def _validator(path: Path, kind: str) -> Any:
    import jsonschema

    schema = json.loads(path.read_text())
    if kind == "card":
        return jsonschema.Draft6Validator(schema)
    # The manifest schema declares draft-04 but uses draft-06's `const` for manifestVersion, so it
    # is read as draft-07; and one of its patterns uses `\p{L}`, which only the `regex` module knows.
    import regex

    def pattern(validator: Any, expected: str, instance: Any, schema: dict) -> Any:
        if validator.is_type(instance, "string") and not regex.search(expected, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {expected!r}")

    return jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})(schema)


def _check(document: object, path: Path, kind: str) -> None:
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator(path, kind).iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise SchemaError(f"{where}: {error.message[:300]}")


def check_card(card: object, schema: Path | None = ADAPTIVE_CARD_SCHEMA) -> None:
    """Refuse what Teams would not render: a card outside Adaptive Cards 1.5, checked against
    the schema when it is stored; `msteams` (Teams' own extension) is checked here instead."""
    if not isinstance(card, dict):
        raise SchemaError("(top): an Adaptive Card is a JSON object")
    if card.get("type") != "AdaptiveCard":
        raise SchemaError("type: must be 'AdaptiveCard'")
    if card.get("version") not in CARD_VERSIONS:
        raise SchemaError(f"version: {card.get('version')!r} is not one Teams renders ({', '.join(CARD_VERSIONS)})")
    msteams = card.get("msteams", {})
    if not isinstance(msteams, dict) or not set(msteams) <= {"width", "entities"}:
        raise SchemaError("msteams: only 'width' and 'entities' are understood")
    if not isinstance(msteams.get("entities", []), list):
        raise SchemaError("msteams/entities: must be an array")
    if schema is not None and schema.exists():
        _check({k: v for k, v in card.items() if k != "msteams"}, schema, "card")


def check_manifest(manifest: object, schema: Path = MANIFEST_SCHEMA) -> None:
    """Check a Teams app manifest against the v1.25 schema; raises `SchemaError`, or
    `FileNotFoundError` when the schema is not stored (tests skip on `MANIFEST_SCHEMA.exists()`)."""
    if not schema.exists():
        raise FileNotFoundError(schema)
    _check(manifest, schema, "manifest")
