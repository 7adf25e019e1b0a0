"""Getting notices and cards to the chat platform: the outbox, cards, the worker, the Slack client."""
