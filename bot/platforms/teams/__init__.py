"""Microsoft Teams: the bot's web app for Teams' activities, its calls to the Bot Connector and
Graph, the messenger that adapts the platform port, and the app package."""
