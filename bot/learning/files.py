"""Library files: CSV (a header row, themes separated by `;`) or YAML (a list of mappings), read
in full and checked row by row, so one bad row refuses the whole file with every problem listed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from bot.free_text import clean
from bot.learning.entries import (
    MATERIALS,
    REVIEW_TYPES,
    Review,
    import_key,
    published_problem,
    review_type,
    themes,
    themes_problem,
    title_problem,
)
from bot.learning.links import link_problem

COLUMNS = ("title", "type", "date", "themes", *MATERIALS)
CSV_THEME_SEPARATOR = ";"
MAX_FILE_CHARACTERS = 5_000_000


class LibraryFileError(Exception):
    """The file cannot be loaded; `problems` name each bad line and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class _Row:
    line: int
    fields: dict[str, Any]


def read(text: str, file_format: str, today: date) -> list[Review]:
    if len(text) > MAX_FILE_CHARACTERS:
        raise LibraryFileError([f"the file is larger than {MAX_FILE_CHARACTERS} characters"])
    rows = list(_csv_rows(text) if file_format == "csv" else _yaml_rows(text))
    problems: list[str] = []
    reviews: list[Review] = []
    seen: dict[str, int] = {}
    for row in rows:
        review = _review(row, today, problems)
        if review is None:
            continue
        key = import_key(review.title, review.review_type)
        if key in seen:
            problems.append(f"line {row.line}, title: the same {review.review_type} is on line {seen[key]}")
        else:
            seen[key] = row.line
            reviews.append(review)
    if problems:
        raise LibraryFileError(problems)
    return reviews


def _review(row: _Row, today: date, problems: list[str]) -> Review | None:
    def bad(field: str, message: str) -> None:
        problems.append(f"line {row.line}, {field}: {message}")

    before = len(problems)
    values = row.fields
    title = " ".join(clean(_text(values.get("title"))).split())
    if problem := title_problem(title):
        bad("title", problem)
    kind = review_type(_text(values.get("type")))
    if kind is None:
        bad("type", f"{_text(values.get('type'))!r} is not one of {', '.join(REVIEW_TYPES)}")
    published = _text(values.get("date")).strip() or None
    if published and (problem := published_problem(published, today)):
        bad("date", problem)
    given = values.get("themes")
    found = (
        themes(CSV_THEME_SEPARATOR.join(_text(theme) for theme in given), CSV_THEME_SEPARATOR)
        if isinstance(given, list)
        else themes(_text(given), CSV_THEME_SEPARATOR)
    )
    if problem := themes_problem(found):
        bad("themes", problem)
    links = {}
    for material in MATERIALS:
        link = _text(values.get(material)).strip()
        if link and (problem := link_problem(link)):
            bad(material, problem)
        elif link:
            links[material] = link
    if len(problems) > before:
        return None
    assert kind is not None
    return Review(title=title, review_type=kind, published=published, themes=found, links=links)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _csv_rows(text: str) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        raise LibraryFileError(["line 1: the file is empty; the first row names the columns"])
    names = [name.strip() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown:
        parts = ([f"missing columns {', '.join(missing)}"] if missing else []) + (
            [f"unknown columns {', '.join(unknown)}"] if unknown else []
        )
        raise LibraryFileError([f"line 1: {'; '.join(parts)} (the columns are {', '.join(COLUMNS)})"])
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        line = reader.line_num
        if len(values) != len(names):
            raise LibraryFileError([f"line {line}: {len(values)} values where the header has {len(names)} columns"])
        yield _Row(line, dict(zip(names, values, strict=True)))


def _yaml_rows(text: str) -> Iterator[_Row]:
    """The raw text of each scalar, read from the node tree: YAML would otherwise turn 2019 into a
    number and 2019-06-14 into a date, and the line of each entry is needed for its problems."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise LibraryFileError([f"{where}not valid YAML"]) from None
    if root is None:
        return
    if not isinstance(root, yaml.SequenceNode):
        raise LibraryFileError([f"line {root.start_mark.line + 1}: the file should be a list of reviews"])
    for item in root.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            raise LibraryFileError([f"line {line}: each review should be a mapping of {', '.join(COLUMNS)}"])
        fields: dict[str, Any] = {}
        for key_node, value_node in item.value:
            name = str(key_node.value)
            if name not in COLUMNS:
                raise LibraryFileError([f"line {key_node.start_mark.line + 1}, {name}: unknown field"])
            if isinstance(value_node, yaml.SequenceNode):
                fields[name] = [str(child.value) for child in value_node.value if isinstance(child, yaml.ScalarNode)]
            elif isinstance(value_node, yaml.ScalarNode):
                fields[name] = "" if value_node.tag.endswith(":null") else str(value_node.value)
        yield _Row(line, fields)


def write(reviews: list[Review], file_format: str) -> str:
    """The library as a file that reads back to the same reviews (and writes back the same)."""
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for review in reviews:
            writer.writerow(
                [
                    review.title,
                    review.review_type,
                    review.published or "",
                    f"{CSV_THEME_SEPARATOR} ".join(review.themes),
                    *(review.links.get(material, "") for material in MATERIALS),
                ]
            )
        return out.getvalue()
    documents = []
    for review in reviews:
        document: dict[str, Any] = {"title": review.title, "type": review.review_type}
        if review.published:
            document["date"] = review.published
        if review.themes:
            document["themes"] = list(review.themes)
        document.update({material: review.links[material] for material in MATERIALS if material in review.links})
        documents.append(document)
    return yaml.safe_dump(documents, sort_keys=False, allow_unicode=True, width=1000) if documents else "[]\n"
