"""What the bot reports from its records: read-only, references and dates, never a child's
identity unless asked for."""
