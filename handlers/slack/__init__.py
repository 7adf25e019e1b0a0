"""The Bolt app's listeners: every command, button and form the desk has, and Slack's events."""

import re

from slack_bolt import App

from handlers import actions, commands, views
from handlers.slack import events
from handlers.slack.incoming import guarded


def register_listeners(app: App) -> None:
    app.command("/cspr")(guarded(commands.cspr))
    for action_id, listener in actions.BUTTONS.items():
        app.action(action_id)(guarded(listener))
    for prefix, listener in actions.BUTTON_PREFIXES.items():
        app.action(re.compile(rf"^{re.escape(prefix)}[a-z_]+$"))(guarded(listener))
    for callback_id, listener in views.FORMS.items():
        app.view(callback_id)(guarded(listener))
    events.register(app)
