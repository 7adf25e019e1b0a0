"""Microsoft Teams: the bot as a Teams app (the SDK's App on FastAPI), Bot Connector and Graph."""
