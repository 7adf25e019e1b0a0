"""The learning library: links, search by stems with title and themes first, and loading and writing
library files with the real `cspr-bot library` command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.learning import files, search
from bot.learning.links import link_problem
from tests.test_cli import run
from tests.test_local_review_story import SAMPLE, SAMPLE_FILE

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("https://www.example.org/reviews/child-k.pdf", None),
        ("https://example.org/a?b=1&c=2#top", None),
        ("http://example.org/report.pdf", "starts with https://"),
        ("javascript:alert(1)", "starts with https://"),
        ("https://user:secret@example.org/report", "passwords"),
        ("https://example.org:443@evil.example/", "passwords"),
        ("https://exa mple.org/", "spaces"),
        ("https://<!channel>", "characters a link cannot have"),
        ("https://example.org/|click", "characters a link cannot have"),
        ("https://example", "give the whole address"),
        ("https://", "give the whole address"),
        ("https://example.org:port/", "port is not a number"),
        ("https://example.org/" + "a" * 500, "within 500 characters"),
    ],
)
def test_links_are_https_well_formed_and_without_credentials(link, problem):
    found = link_problem(link)
    assert (found is None) if problem is None else (problem in found), found


def ranked(query: str) -> list[str]:
    entries = [search.Searchable(n, search.terms(r.title, r.themes, r.review_type, r.published), r.published)
               for n, r in enumerate(SAMPLE)]  # fmt: skip
    return [SAMPLE[n].title for n in search.rank(entries, query)]


def test_search_matches_stems_ignores_case_and_puts_title_and_theme_matches_first():
    assert ranked("neglected") == ["SCR Family M", "CSPR Bella and Ben"]  # both by a theme: the newer first
    assert ranked("FATHERS") == ["SCR Child L"]
    assert ranked("babies")[:2] == ["SCR Child L", "LCSPR Baby Eva"]  # "baby" and "babies" share a stem
    # Two words: the review matching both ranks above those matching one.
    assert ranked("sexual abuse of children in care")[0] == "LCSPR Long-term sexual abuse of children in care"
    # A year and a type count, below title and theme words.
    assert ranked("2019") == ["SCR Child K", "SCR Child L"] or ranked("2019") == ["SCR Child L", "SCR Child K"]
    assert set(ranked("scr")) == {"SCR Family M", "SCR Child K", "SCR Child L"}
    assert ranked("zebra") == []


def test_no_words_lists_the_newest_first():
    newest = ranked("")
    assert newest[:3] == ["LCSPR Family N", "SCR Child L", "SCR Child K"] or newest[:3] == [
        "LCSPR Family N",
        "SCR Child K",
        "SCR Child L",
    ]
    assert len(newest) == len(SAMPLE)


def test_a_file_with_any_bad_row_loads_nothing_and_names_every_problem():
    text = (
        "title,type,date,themes,full_report,executive_summary,seven_minute_briefing,learning_briefing,slides,video\n"
        "SCR Child K,SCR,2019-06,neglect,https://example.org/k,,,,,\n"
        ",SCR,2019,,,,,,,\n"
        "Child L,review,2019-13,,,,,,,\n"
        "Child M,LCSPR,2030,,http://example.org/m,,,,,\n"
        "scr child k,scr,2020,,,,,,,\n"
    )
    with pytest.raises(files.LibraryFileError) as refused:
        files.read(text, "csv", TODAY)
    assert refused.value.problems == [
        "line 3, title: Give the review's title, as it is published (never a child's name).",
        "line 4, type: 'review' is not one of SCR, LCSPR, CSPR, thematic, learning review, national",
        "line 4, date: '2019-13' is not a real date.",
        "line 5, date: '2030' is in the future.",
        "line 5, full_report: Use a link that starts with https://.",
        "line 6, title: the same SCR is on line 2",
    ]
    with pytest.raises(files.LibraryFileError, match="missing columns video"):
        files.read("title,type,date,themes,full_report,executive_summary,seven_minute_briefing,learning_briefing,slides\n", "csv", TODAY)  # fmt: skip
    with pytest.raises(files.LibraryFileError, match=r"line 3, date: 'June' is not a date"):
        files.read("- title: SCR Child K\n  type: SCR\n- {title: SCR Child J, type: SCR, date: June}\n", "yaml", TODAY)


def test_import_twice_changes_nothing_and_export_gives_the_same_file(tmp_path: Path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cspr.db'}", "CSPR_CONFIG": str(Path(__file__).parent / "data" / "partnership.yaml")}  # fmt: skip
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    first = run(["library", "import", str(SAMPLE_FILE)], env, tmp_path)
    assert first.returncode == 0 and f"{len(SAMPLE)} added, 0 updated, 0 already in the library" in first.stdout
    again = run(["library", "import", str(SAMPLE_FILE)], env, tmp_path)
    assert f"0 added, 0 updated, {len(SAMPLE)} already in the library" in again.stdout
    exported = run(["library", "export", "--format", "csv"], env, tmp_path)
    assert exported.stdout == SAMPLE_FILE.read_text(encoding="utf-8")

    as_yaml = tmp_path / "library.yaml"
    assert run(["library", "export", "--format", "yaml", "--output", str(as_yaml)], env, tmp_path).returncode == 0
    fresh = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    run(["db", "upgrade"], fresh, tmp_path)
    assert f"{len(SAMPLE)} added" in run(["library", "import", str(as_yaml)], fresh, tmp_path).stdout
    assert run(["library", "export", "--format", "yaml"], fresh, tmp_path).stdout == as_yaml.read_text(encoding="utf-8")

    bad = tmp_path / "bad.csv"
    bad.write_text(SAMPLE_FILE.read_text(encoding="utf-8").replace(",SCR,2019-06,", ",SCR,June 2019,", 1))
    refused = run(["library", "import", str(bad)], env, tmp_path)
    assert refused.returncode == 2
    assert [line for line in refused.stderr.splitlines() if line.startswith("cspr-bot:")] == [
        f"cspr-bot: {bad}: line 8, date: 'June 2019' is not a date like 2019, 2019-06 or 2019-06-14.",
        f"cspr-bot: nothing was loaded from {bad}",
    ]
    missing = run(["library", "export", "--output", str(tmp_path / "no" / "such" / "folder.csv")], env, tmp_path)
    assert missing.returncode == 2 and "there is no folder" in missing.stderr and missing.stdout == ""
