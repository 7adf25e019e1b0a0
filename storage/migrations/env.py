"""Alembic environment: run against the connection or URL that storage.migrate hands over."""

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

config = context.config


def run_on(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as new_connection:
        run_on(new_connection)
    engine.dispose()
