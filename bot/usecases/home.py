"""The App Home: what each person is, and what is waiting for them."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.delivery import cards
from bot.desk import read_only
from bot.outcomes import Done, Outcome
from bot.partnership import Partnership
from bot.review import permissions
from bot.review.outstanding import waiting_on
from bot.review.stages import OPEN_STAGES
from bot.usecases.queries import countdown
from bot.work import Work
from storage import repositories
from storage.models import Action


def opened(work: Work, actor: str) -> Outcome:
    """Someone opened their App Home: it is (re)built, and kept up to date from now on."""
    repositories.open_home_tab(work.session, actor)
    return Done()


@read_only
def home(work: Work, actor: str) -> Outcome:
    """What this person is, and what is waiting for them, for the App Home tab."""
    partnership = work.partnership
    roles = permissions.roles_of(actor, partnership)
    scrutineer = permissions.is_scrutineer(actor, partnership)
    todo: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    for case in repositories.cases_in(work.session, tuple(s.value for s in OPEN_STAGES)):
        clock = countdown(case, work.calendar, work.today)
        for waiting in waiting_on(case, partnership):
            if actor in waiting.people:
                todo.append({"ref": case.ref, "channel": case.channel_id, "what": waiting.task, **clock})
        involved = [link.agency_key for link in case.agencies]
        if case.local_review is not None and (
            permissions.may_manage(actor, partnership)
            or permissions.leads_any(actor, partnership, involved)
            or scrutineer
        ):
            facts = cards.case_facts(case, partnership, work.calendar, work.today)
            reviews.append(
                {
                    "ref": case.ref,
                    "channel": None if scrutineer else case.channel_id,
                    "target": facts["target"],
                    "left": clock["left"],
                    "next": facts["next_milestone"],
                    "publication": facts["publication_label"],
                }
            )
    mine = [
        _action_line(action, partnership, work.today)
        for action in repositories.actions_in(work.session, ("open", "completed"), owner=actor)
    ]
    to_sign = (
        [
            _action_line(action, partnership, work.today)
            for action in repositories.actions_in(work.session, ("completed",))
        ]
        if permissions.may_manage(actor, partnership)
        else []
    )
    return Done(
        changed=False, data={"roles": roles, "todo": todo, "reviews": reviews, "actions": mine, "to_sign_off": to_sign}
    )


def _action_line(action: Action, partnership: Partnership, today: date) -> dict[str, Any]:
    facts = cards.plan_facts(action.recommendation, partnership, today)
    line = next(line for line in facts["actions"] if line["action"].id == action.id)
    return {**line, "label": cards.action_label(action)}
