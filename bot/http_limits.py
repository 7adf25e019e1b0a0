"""What waitress accepts and how long it waits, chosen for what Slack sends; kept apart from the
server so that anything served the same way imports only these."""

# Slack's requests carry the bot's own messages and forms back: the largest possible is a click on
# a case card for 45 agencies (Slack's 50-block limit), every sign-off comment shown at its full
# 300 characters of emoji, about 230 kB once escaped and form-encoded; a referral form filled to
# every limit is about 55 kB, an ordinary click or command 1 to 15 kB (tests/test_http_limits.py).
MAX_BODY = 256 * 1024

LIMITS = {
    # waitress refuses a body of this size or more with 413 as soon as the headers name its
    # length, without reading it (and a chunked one once that much has come).
    "max_request_body_size": MAX_BODY + 1,
    "max_request_header_size": 16 * 1024,  # Slack's headers come to under 2 kB
    # Slack sends a request whole and wants its answer within 3 s: a connection silent for 10 s is
    # not Slack, and closing it frees its place (checked every 5 s, so it goes within 15 s).
    "channel_timeout": 10,
    "cleanup_interval": 5,
    # Room for hundreds of stalled connections besides Slack's; each costs a file descriptor and at
    # most 16 kB of headers and 256 kB of body, so 500 stay within 140 MB and `ulimit -n` 1024.
    "connection_limit": 500,
    "asyncore_use_poll": True,  # select() cannot watch descriptors numbered over 1023
    # Threads only run complete requests (waitress reads them first), each holding one database
    # connection while it does: 8, beside delivery, the scheduler and health checks, stay within
    # the PostgreSQL pool of 10 (+10 overflow).
    "threads": 8,
    "ident": "cspr-bot",
}
