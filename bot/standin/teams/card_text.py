"""Adaptive Cards flattened to the text a person would read on screen, for transcripts and asserts."""

from __future__ import annotations

CONTAINERS = ("Container", "Column", "TableCell")


def flatten(card: dict) -> str:
    """One line per piece of visible text; buttons appear as `[Title]`, inputs as `Label: [value]`."""
    return "\n".join(line for line in card_lines(card) if line)


def card_lines(card: dict) -> list[str]:
    lines: list[str] = []
    for element in card.get("body") or []:
        lines += _element_lines(element)
    if card.get("actions"):
        lines.append(_buttons(card["actions"]))
    return lines


def _element_lines(element: object) -> list[str]:
    if not isinstance(element, dict) or element.get("isVisible") is False:
        return []
    kind = element.get("type")
    if kind == "TextBlock":
        return [str(element.get("text") or "")]
    if kind == "RichTextBlock":
        return ["".join(_inline(i) for i in element.get("inlines") or [])]
    if kind == "FactSet":
        return [f"{fact.get('title', '')}: {fact.get('value', '')}" for fact in element.get("facts") or []]
    if kind in CONTAINERS:
        return [line for item in element.get("items") or [] for line in _element_lines(item)]
    if kind == "ColumnSet":
        return [line for column in element.get("columns") or [] for line in _element_lines(column)]
    if kind == "Table":
        return [_table_row(row) for row in element.get("rows") or []]
    if kind == "Image":
        return [f"[image: {element.get('altText', '')}]"]
    if kind == "ImageSet":
        return [" ".join(f"[image: {i.get('altText', '')}]" for i in element.get("images") or [])]
    if kind == "ActionSet":
        return [_buttons(element.get("actions") or [])]
    if kind == "Input.Toggle":
        ticked = "x" if element.get("value") == element.get("valueOn", "true") else " "
        return [f"{_label(element)}: [{ticked}] {element.get('title', '')}"]
    if isinstance(kind, str) and kind.startswith("Input."):
        return [f"{_label(element)}: [{_input_shown(element)}]"]
    return []


def _inline(inline: object) -> str:
    if isinstance(inline, str):
        return inline
    return str(inline.get("text") or "") if isinstance(inline, dict) else ""


def _table_row(row: dict) -> str:
    cells = [" ".join(_element_lines(cell)) for cell in row.get("cells") or []]
    return " | ".join(cells)


def _buttons(actions: list) -> str:
    return " ".join(
        f"[{a.get('title', '')}]" for a in actions if isinstance(a, dict) and a.get("isEnabled") is not False
    )


def _label(element: dict) -> str:
    return str(element.get("label") or element.get("id", ""))


def _input_shown(element: dict) -> str:
    """What an input shows before anyone types: its value, the chosen choices' titles, or the placeholder."""
    value = element.get("value")
    if element.get("type") == "Input.ChoiceSet" and value:
        titles = {c.get("value"): c.get("title") for c in element.get("choices") or []}
        return ", ".join(titles.get(v, v) for v in str(value).split(","))
    return str(value or element.get("placeholder") or " ")
