"""Who may do what. Every rule about people is here, so each can be read in one place."""

from __future__ import annotations

from collections.abc import Collection

from bot.partnership import PARTNER_NAMES, Partnership


def may_manage(user: str, partnership: Partnership) -> bool:
    """The PPRG chair or business manager, who run the process: triage, mark sent to the Panel,
    record the Panel's answer and a local review's milestones, publish its material."""
    return user in partnership.chairs or user in partnership.business_managers


def may_decide(user: str, partnership: Partnership) -> bool:
    """Only a PPRG chair makes the recommendation on next steps."""
    return user in partnership.chairs


def agencies_to_sign(
    user: str, partnership: Partnership, involved: Collection[str], signed: Collection[str]
) -> list[str]:
    """The involved agencies this user leads that have not signed off yet, in file order."""
    return [
        agency.key
        for agency in partnership.agencies
        if agency.key in involved and agency.key not in signed and user in agency.leads
    ]


def leads(user: str, partnership: Partnership, agency_key: str) -> bool:
    agency = partnership.agency(agency_key)
    return agency is not None and user in agency.leads


def leads_any(user: str, partnership: Partnership, agencies: Collection[str]) -> bool:
    return any(user in agency.leads for agency in partnership.agencies if agency.key in agencies)


def may_add_agency(user: str, partnership: Partnership, involved: Collection[str]) -> bool:
    return may_manage(user, partnership) or leads_any(user, partnership, involved)


def partner_roles(user: str, partnership: Partnership) -> list[str]:
    """The safeguarding partners this user is the delegate for (usually one, possibly none)."""
    return [role for role, delegate in partnership.partners.items() if delegate == user]


def may_see_case(user: str, partnership: Partnership, involved: Collection[str]) -> bool:
    return (
        may_manage(user, partnership)
        or bool(partner_roles(user, partnership))
        or leads_any(user, partnership, involved)
        or is_scrutineer(user, partnership)
    )


def is_scrutineer(user: str, partnership: Partnership) -> bool:
    """Read-only: figures, stages and dates; never a case channel, free text or a button."""
    return user in partnership.scrutineers


def may_list_cases(user: str, partnership: Partnership) -> bool:
    return user in partnership.everyone()


def case_channel_members(partnership: Partnership, involved: Collection[str]) -> list[str]:
    """Who is invited when a case channel opens: chairs, business managers, involved leads."""
    members = [*partnership.chairs, *partnership.business_managers]
    for agency in partnership.agencies:
        if agency.key in involved:
            members.extend(agency.leads)
    return list(dict.fromkeys(members))


def stakeholders(partnership: Partnership, involved: Collection[str]) -> list[str]:
    """Everyone a change to a case may concern: its channel's members and the partners' delegates."""
    return list(dict.fromkeys([*case_channel_members(partnership, involved), *partnership.partners.values()]))


def roles_of(user: str, partnership: Partnership) -> list[str]:
    """What the partnership file makes this person, in words."""
    roles = []
    if user in partnership.chairs:
        roles.append("PPRG chair")
    if user in partnership.business_managers:
        roles.append("PPRG business manager")
    roles += [f"delegated safeguarding partner for the {PARTNER_NAMES[r]}" for r in partner_roles(user, partnership)]
    roles += [f"lead for {agency.name}" for agency in partnership.agencies if user in agency.leads]
    if is_scrutineer(user, partnership):
        roles.append("independent scrutineer")
    return roles


def may_see_reports(user: str, partnership: Partnership) -> bool:
    """The partnership's figures: the PPRG chair and business managers, the safeguarding partners'
    delegates and the scrutineers. Agency leads see their own cases, not the partnership's."""
    return may_manage(user, partnership) or bool(partner_roles(user, partnership)) or is_scrutineer(user, partnership)
