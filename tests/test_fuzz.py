"""Fuzzing what people can send: `/cspr` arguments and hand-built form submissions. Whatever
arrives, the answer is a usage message, a refusal, field errors or a clean close with the right
effect; never a 5xx, "Something went wrong", an error in the log or a half-written record.

One running bot serves every example of a test (examples share its database)."""

from __future__ import annotations

import copy
import itertools
import json
import logging
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.free_text import clean
from bot.review.stages import OUTCOMES
from bot.standin.validation import Invalid, check_blocks
from storage.models import Case, Decision, SignOff
from tests.conftest import GENERAL, RunningBot
from tests.test_attacks import FAILURE, refer, sign, start, state_of
from tests.test_rapid_review_story import REFERRAL

# No shrinking: each example is a few real HTTP requests, and a failure is reported as found.
FUZZ = dict(
    deadline=None,
    database=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
TODAY = date(2026, 1, 5)  # the simulated clock's date in London
AGENCIES = ("police", "csc", "health", "education")
HOSTILE = (
    "<!channel>",
    "<@U0EVIL>",
    "<https://x.example|y>",
    "`",
    "```",
    "&lt;",
    "\n",
    "\x00",
    "\u202e",
    "😀",
    "2026-001",
    "2026-001\x00",
    "status",
    "add-agency",
    "-" * 50,
)


def rows(bot: RunningBot, model) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def errors_logged(caplog, since: int) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records[since:] if r.levelno >= logging.ERROR]


def slack_refuses(blocks: Any) -> str | None:
    try:
        check_blocks(blocks)
    except Invalid as problem:
        return str(problem)
    return None


def submit(bot: RunningBot, user_id: str, view: dict, values: dict, metadata: str, view_id: str):
    """A view_submission of `view` with raw `state.values` and private metadata, as `user_id`."""
    sent = copy.deepcopy(view)
    sent.update(id=view_id, private_metadata=metadata, state={"values": values})
    return bot.standin.user(user_id).send_submission(sent)


class Form(dict):
    """A modal as the bot opened it, shown briefly in a failing example."""

    def __repr__(self) -> str:
        return f"<{self.get('callback_id')} form {self.get('id')} metadata={self.get('private_metadata')!r}>"


def input_blocks(view: dict) -> set[str]:
    return {b["block_id"] for b in view["blocks"] if b.get("type") == "input"}


def check_answer(bot: RunningBot, caplog, since: int, view: dict, answer) -> dict | None:
    """The common oracle for a submission; returns the field errors, or None if the form closed."""
    bot.settle()
    assert answer.status == 200, f"HTTP {answer.status}"
    assert FAILURE not in answer.body
    assert not errors_logged(caplog, since)
    told = json.dumps([[e.text, e.blocks] for e in bot.standin.ephemerals])
    assert FAILURE not in told
    if answer.json is None:
        return None
    assert answer.json.get("response_action") == "errors", answer.json
    errors = answer.json["errors"]
    assert errors and set(errors) <= input_blocks(view), f"errors {sorted(errors)} are not inputs of the form"
    return errors


# --- /cspr ----------------------------------------------------------------------------------

words = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.sampled_from(["status", "list", "add-agency", "help", "STATUS", "Add-Agency", "refer"]),
)
arguments = st.one_of(
    st.text(max_size=200),
    st.lists(words, max_size=6).map(" ".join),
    st.lists(words, max_size=4).map("\n".join),
    st.text(min_size=2000, max_size=4000),
    st.builds(lambda n, tail: f"status 2026-{'9' * n}{tail}", st.integers(1, 4000), st.sampled_from(["", " x"])),
    st.builds(
        lambda agency: f"add-agency {agency}",
        st.one_of(st.sampled_from(AGENCIES + ("POLICE", "fire")), st.text(max_size=40)),
    ),
)


@pytest.fixture
def case_channel(bot: RunningBot) -> str:
    refer(bot)
    return start(bot, "2026-001")


@settings(max_examples=100, **FUZZ)
@given(
    text=arguments,
    who=st.sampled_from(["U01CHAIR", "U01POLICE", "U01EDU", "U0OUTSIDER"]),
    in_case_channel=st.booleans(),
)
@example(text="status 2026-" + "1" * 3100, who="U01CHAIR", in_case_channel=False)
@example(text="invalid_payload \n STATUS", who="U01CHAIR", in_case_channel=False)  # Bolt read it as a click
def test_any_cspr_arguments_get_a_clean_answer(bot: RunningBot, case_channel: str, caplog, text, who, in_case_channel):
    channel = case_channel if in_case_channel else GENERAL
    with bot.standin.workspace.cond:
        bot.standin.workspace.channels[case_channel].members.add(who)  # everyone may type there
    since = len(caplog.records)
    answer = bot.user(who).command("/cspr", text, channel_id=channel)
    bot.settle()
    assert answer.status == 200, f"HTTP {answer.status}"
    assert FAILURE not in answer.body
    assert not errors_logged(caplog, since)
    if answer.json is None:  # /cspr refer: the form opens instead
        assert text.split()[0].lower() == "refer"
        return
    assert answer.json.get("text") and answer.json.get("blocks"), answer.json
    assert (problem := slack_refuses(answer.json["blocks"])) is None, problem
    assert rows(bot, Case) == 1  # a command never makes or removes a case


# --- the referral form, well-typed values ---------------------------------------------------


def field(valid: st.SearchStrategy, invalid: st.SearchStrategy, unknown: st.SearchStrategy | None = None):
    """((good value, True), (other value, verdict)): the verdict is False for a value the form
    must refuse, None when the test does not decide (arbitrary text)."""
    other = [invalid.map(lambda v: (v, False))]
    if unknown is not None:
        other.append(unknown.map(lambda v: (v, None)))
    return st.tuples(valid.map(lambda v: (v, True)), st.one_of(*other))


def not_in(options):
    return st.text(max_size=30).filter(lambda v: v not in options)


def date_text(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


ABUSE = ("physical", "emotional", "sexual", "neglect", "exploitation")
any_date = st.one_of(
    st.dates(date(2025, 6, 1), date(2026, 2, 1)).map(date.isoformat),
    st.text(max_size=12),
    st.sampled_from(["2026-02-30", "2026-13-01", "05/01/2026", "", "2026-1-5", "20260101"]),
)
# The two dates are judged together (by date_verdicts), so both variants are "undecided" here.
incident_then_aware = st.dates(date(2025, 6, 1), TODAY).flatmap(lambda d: st.tuples(st.just(d), st.dates(d, TODAY)))
referral_fields = st.fixed_dictionaries(
    {
        "referring_agency": field(st.sampled_from(AGENCIES), st.one_of(not_in(AGENCIES), st.none())),
        "child_identifier": field(
            st.sampled_from(["AB", "Child K", "Kzq<!here>", "J-P", "Élodie X", "Baby Q 😀"]),
            st.sampled_from(["", "   ", "AB 12/03/2019", "K" * 21, "2019", "123456", "<@U0EVIL>" * 3]),
            st.text(max_size=25),
        ),
        "age_band": field(
            st.sampled_from(["under_1", "1_4", "5_9", "10_15", "16_17"]),
            st.one_of(not_in(["under_1", "1_4", "5_9", "10_15", "16_17"]), st.none()),
        ),
        "harm": field(
            st.sampled_from(["death", "serious_harm"]), st.one_of(not_in(["death", "serious_harm"]), st.none())
        ),
        "abuse_types": field(
            st.one_of(st.lists(st.sampled_from(ABUSE), min_size=1, max_size=5), st.just(["not_known"])),
            st.one_of(
                st.just([]),
                st.just(["not_known", "neglect"]),
                st.lists(not_in(ABUSE + ("not_known",)), min_size=1, max_size=3),
            ),
        ),
        "agencies": field(
            st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=4),
            st.one_of(st.just([]), st.lists(not_in(AGENCIES), min_size=1, max_size=3)),
        ),
        "summary": field(
            st.sampled_from(["Bruising found.", "<!channel> ping & <@U0EVIL>", "x" * 1500, "Line\n\n\n\nline"]),
            st.sampled_from(["", "   \n\t", "\u202e\x07", "y" * 1501, "z" * 20000]),
            st.text(max_size=300),
        ),
        "criteria_view": field(
            st.sampled_from(["yes", "no", "unsure"]), st.one_of(not_in(["yes", "no", "unsure"]), st.none())
        ),
    }
)
metadata = st.one_of(
    st.just('{"channel": "C0GENERAL"}'),
    st.text(max_size=60),
    st.dictionaries(
        st.sampled_from(["channel", "ref", "agency", "outcome"]),
        st.one_of(
            st.text(max_size=20),
            st.integers(),
            st.lists(st.integers(), max_size=2),
            st.none(),
            st.sampled_from(HOSTILE),
        ),
    ).map(json.dumps),
)


def date_verdicts(incident: Any, aware: Any) -> tuple[bool, bool]:
    """The form's date rules: neither date in the future, aware no earlier than the incident."""
    incident_on, aware_on = date_text(incident), date_text(aware)
    incident_ok = incident_on is not None and incident_on <= TODAY
    aware_ok = aware_on is not None and aware_on <= TODAY and not (incident_ok and aware_on < incident_on)
    return incident_ok, aware_ok


@pytest.fixture
def referral_form(bot: RunningBot) -> dict:
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    return Form(bot.form(police, "referral").view)


view_ids = itertools.count(1)


@settings(max_examples=80, **FUZZ)
@given(
    fields=referral_fields,
    dates=incident_then_aware,
    other_dates=st.tuples(any_date, any_date),
    changed=st.sets(st.sampled_from(sorted(REFERRAL)), max_size=4),
    dropped=st.sets(st.sampled_from(sorted(REFERRAL)), max_size=2),
    metadata=metadata,
)
def test_any_well_typed_referral_gets_field_errors_or_exactly_one_case(
    bot: RunningBot, referral_form, caplog, fields, dates, other_dates, changed, dropped, metadata
):
    # A good referral with some fields changed to bad or arbitrary values and some left out.
    chosen = {block: (other if block in changed else good) for block, (good, other) in fields.items()}
    for index, block in enumerate(("incident_on", "aware_on")):
        chosen[block] = (other_dates[index] if block in changed else dates[index].isoformat(), None)
    values = {block: value for block, (value, _) in chosen.items() if block not in dropped}
    verdicts = {block: verdict for block, (_, verdict) in chosen.items()}
    verdicts["incident_on"], verdicts["aware_on"] = date_verdicts(values.get("incident_on"), values.get("aware_on"))
    for block in dropped:
        verdicts[block] = False
    before, since = rows(bot, Case), len(caplog.records)
    answer = submit(
        bot, "U01POLICE", referral_form, state_of(referral_form, values), metadata, f"VFUZZREF{next(view_ids):05d}"
    )
    errors = check_answer(bot, caplog, since, referral_form, answer)
    must_fail = {block for block, verdict in verdicts.items() if verdict is False}
    if errors is not None:
        assert rows(bot, Case) == before
        assert must_fail <= set(errors), f"no error for {sorted(must_fail - set(errors))}"
        assert not {block for block in errors if verdicts[block] is True}, f"valid fields refused: {errors}"
        return
    assert not must_fail, f"accepted although {sorted(must_fail)} are invalid"
    assert rows(bot, Case) == before + 1
    with bot.services.database.transaction() as session:
        case = session.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
        assert case.referring_agency == values["referring_agency"] and case.harm == values["harm"]
        assert case.child_identifier == clean(values["child_identifier"])
        assert case.summary == clean(values["summary"])  # whole, never cut short
        assert sorted(link.agency_key for link in case.agencies) == sorted(set(values["agencies"]))


# --- the referral form, wrongly typed values ------------------------------------------------

# Never a plain string: that is a well-typed value, fuzzed above.
junk = st.one_of(
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
wrong_entry = st.one_of(
    st.builds(lambda v: {"type": "plain_text_input", "value": v}, junk),
    st.builds(lambda v: {"type": "datepicker", "selected_date": v}, junk),
    st.builds(lambda v: {"type": "static_select", "selected_option": v}, junk),
    st.builds(lambda v: {"type": "static_select", "selected_option": {"value": v}}, junk),
    st.builds(lambda v: {"type": "radio_buttons", "selected_option": {"value": v}}, junk),
    st.builds(lambda v: {"type": "multi_static_select", "selected_options": v}, junk),
    st.builds(lambda v: {"type": "multi_static_select", "selected_options": [{"value": v}]}, junk),
    st.builds(lambda v: {"type": "checkboxes", "selected_options": [v]}, junk),
    junk,
)


@settings(max_examples=40, **FUZZ)
@given(replaced=st.dictionaries(st.sampled_from(sorted(REFERRAL)), wrong_entry, min_size=1, max_size=4))
@example(replaced={"child_identifier": {"type": "plain_text_input", "value": ["AB"]}})
def test_wrongly_typed_referral_values_get_field_errors(bot: RunningBot, referral_form, caplog, replaced):
    values = state_of(referral_form, REFERRAL)
    for block, entry in replaced.items():
        values[block] = {"value": entry}
    before, since = rows(bot, Case), len(caplog.records)
    answer = submit(
        bot, "U01POLICE", referral_form, values, '{"channel": "C0GENERAL"}', f"VFUZZBAD{next(view_ids):05d}"
    )
    errors = check_answer(bot, caplog, since, referral_form, answer)
    assert errors is not None, "a referral Slack could never have sent was accepted"
    assert rows(bot, Case) == before


# --- sign-off and decision forms ------------------------------------------------------------

text_values = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.sampled_from(["", "Returned.", "<!channel> done", "c" * 500, "c" * 501, "d" * 10000]),
)


@pytest.fixture
def sign_off_forms(bot: RunningBot) -> dict[str, dict]:
    """A rapid review with every agency involved: the police lead's form (one agency) and the CSC
    lead's (they also lead education, so the form asks which)."""
    refer(bot, {**REFERRAL, "agencies": list(AGENCIES)})
    channel = start(bot, "2026-001")
    forms = {}
    for user_id, pressed in (("U01POLICE", "police"), ("U01CSC", "police")):
        lead = bot.user(user_id)
        lead.click("signoff", channel_id=channel, value=f"2026-001|{pressed}")
        forms[user_id] = Form(bot.form(lead, "sign_off").view)
    assert "agency" in input_blocks(forms["U01CSC"]) and "agency" not in input_blocks(forms["U01POLICE"])
    return forms


@settings(max_examples=60, **FUZZ)
@given(
    who=st.sampled_from(["U01POLICE", "U01CSC"]),
    comment=text_values,
    agency=st.one_of(
        st.sampled_from(["csc", "education"]),
        st.none(),
        st.sampled_from(["police", "health", "fire", "CSC", ""]),
        st.text(max_size=10),
    ),
    metadata=st.one_of(st.none(), st.none(), metadata),
)  # mostly the form's own metadata
@example(
    who="U01POLICE",
    comment="Done.",
    agency=None,
    metadata=json.dumps({"channel": "C0GENERAL", "ref": "2026-001\x00", "agency": "police"}),
)
def test_any_sign_off_submission_is_refused_cleanly_or_signs_once(
    bot: RunningBot, sign_off_forms, caplog, who, comment, agency, metadata
):
    view = sign_off_forms[who]
    values = state_of(view, {"comment": comment, **({"agency": agency} if "agency" in input_blocks(view) else {})})
    with bot.services.database.transaction() as session:
        before = {s.agency_key for s in session.scalars(select(SignOff))}
    since = len(caplog.records)
    answer = submit(bot, who, view, values, view["private_metadata"] if metadata is None else metadata, view["id"])
    errors = check_answer(bot, caplog, since, view, answer)
    with bot.services.database.transaction() as session:
        after = {s.agency_key: (s.user_id, s.comment) for s in session.scalars(select(SignOff))}
    added = set(after) - before
    assert len(added) <= 1
    if errors is not None:
        assert not added
    for agency_key in added:
        leads = bot.services.partnership.agency(agency_key).leads
        user_id, stored_comment = after[agency_key]
        assert user_id == who and who in leads
        assert (stored_comment or "") == clean(comment or "") and len(stored_comment or "") <= 500


@pytest.fixture
def decide_form(bot: RunningBot) -> dict:
    refer(bot)
    channel = start(bot, "2026-001")
    for lead, agency in (("police.lead", "police"), ("csc.lead", "csc"), ("health.lead", "health")):
        sign(bot, channel, lead, agency)
    chair = bot.user("pprg.chair")
    chair.click("decide_local_cspr", channel_id=channel)
    return Form(bot.form(chair, "decide").view)


@settings(max_examples=60, **FUZZ)
@given(
    rationale=text_values,
    metadata=st.one_of(
        st.none(),
        metadata,
        st.builds(
            lambda ref, outcome: json.dumps({"channel": "C0GENERAL", "ref": ref, "outcome": outcome}),
            st.one_of(st.just("2026-001"), st.sampled_from(HOSTILE), st.text(max_size=20)),
            st.one_of(
                st.sampled_from(
                    ["local_cspr", "no_further_review", "other_learning_review", "possible_national_review"]
                ),
                st.text(max_size=20),
            ),
        ),
    ),
)
@example(
    rationale="Why.", metadata=json.dumps({"channel": "C0GENERAL", "ref": "2026-001\x00", "outcome": "local_cspr"})
)
def test_any_decision_submission_is_refused_cleanly_or_decides_once(
    bot: RunningBot, decide_form, caplog, rationale, metadata
):
    values = {"rationale": {"value": {"type": "plain_text_input", "value": rationale}}}
    sent_metadata = decide_form["private_metadata"] if metadata is None else metadata
    before, since = rows(bot, Decision), len(caplog.records)
    answer = submit(bot, "U01CHAIR", decide_form, values, sent_metadata, decide_form["id"])
    errors = check_answer(bot, caplog, since, decide_form, answer)
    with bot.services.database.transaction() as session:
        decisions = [(d.outcome, d.rationale) for d in session.scalars(select(Decision))]
    assert len(decisions) <= 1
    if errors is not None or before == len(decisions):
        assert len(decisions) == before
        return
    # This submission made the decision: exactly what was asked for, nothing cut short.
    outcome, stored_rationale = decisions[0]
    assert outcome == json.loads(sent_metadata)["outcome"] and outcome in OUTCOMES
    assert isinstance(rationale, str) and stored_rationale == clean(rationale) and 0 < len(stored_rationale) <= 2000
