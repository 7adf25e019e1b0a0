"""The Teams app package: manifest v1.25 with the bot and its commands, and its two icons."""

from __future__ import annotations

import json
import zipfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

ICONS = Path(__file__).with_name("package")
SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"
# What people type to the bot, shown in the compose box (Teams lists at most ten a scope).
COMMANDS = {
    "refer": "Refer a case to the PPRG (opens the referral form)",
    "status": "A case's card: status 2026-004, or in a case chat",
    "list": "Every open case, its stage and deadline",
    "library": "Search the published reviews: library neglect",
    "milestone": "In a local CSPR's chat: list or record its milestones",
    "publish": "In a case chat: attach the published report and briefings",
    "recommend": "In a case chat: record a recommendation and its first action",
    "report": "The yearly report's headline figures: report 2026",
    "home": "What is waiting for you, and your actions",
    "help": "Everything the bot understands",
}
SCOPES = ["personal", "team", "groupChat"]
# Resource-specific consent: reading the chats and channels the app is installed in, so that a
# message whose sending went unanswered is looked for before it is sent again.
RESOURCE_SPECIFIC = ["ChatMessage.Read.Chat", "ChannelMessage.Read.Group"]


def manifest(app_id: str, domain: str, partnership: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "manifestVersion": "1.25",
        "version": version("cspr-bot"),
        "id": app_id,
        "developer": {
            "name": partnership[:32],
            "websiteUrl": f"https://{domain}/",
            "privacyUrl": f"https://{domain}/privacy",
            "termsOfUseUrl": f"https://{domain}/terms",
        },
        "name": {"short": "cspr-bot", "full": "cspr-bot: rapid reviews and case reviews"},
        "description": {
            "short": "Rapid reviews and child safeguarding practice reviews, run in Teams.",
            "full": (
                "cspr-bot runs a safeguarding children partnership's statutory case reviews in Teams: referrals "
                "and triage, a private chat per rapid review, working-day countdowns, agency sign-offs, the "
                "decision with the safeguarding partners' endorsement, the Panel's answer, local reviews to "
                "publication, a learning library and action plans. It carries case references only: no names, "
                "initials or dates of birth ever leave its database."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#1D4F5C",
        "bots": [
            {
                "botId": app_id,
                "scopes": SCOPES,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": SCOPES,
                        "commands": [{"title": title, "description": text} for title, text in COMMANDS.items()],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain],
        "webApplicationInfo": {"id": app_id, "resource": f"api://{domain}/{app_id}"},
        "authorization": {
            "permissions": {"resourceSpecific": [{"name": name, "type": "Application"} for name in RESOURCE_SPECIFIC]}
        },
    }


def write_package(out: Path, app_id: str, domain: str, partnership: str) -> dict[str, Any]:
    """The zip Teams admins upload: manifest.json and the icons it names, at the top level."""
    built = manifest(app_id, domain, partnership)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(built, indent=2, ensure_ascii=False) + "\n")
        for icon in ("color.png", "outline.png"):
            package.write(ICONS / icon, icon)
    return built
