"""The schema comes from the migrations alone, and two instances starting together migrate once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from storage import migrate
from storage.db import Database
from storage.models import Base

CSPR_BOT = str(Path(sys.executable).with_name("cspr-bot"))


def test_the_migrations_build_exactly_the_models(database_url):
    database = Database(database_url)
    migrate.upgrade(database)
    with database.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    database.dispose()
    assert differences == []


def test_two_instances_upgrading_at_once_migrate_once(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url}
    processes = [
        subprocess.Popen(
            [CSPR_BOT, "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [process.communicate(timeout=120) + (process.returncode,) for process in processes]
    assert [code for _, _, code in results] == [0, 0], [err for _, err, _ in results]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    head = ScriptDirectory.from_config(migrate.alembic_config(database_url)).get_current_head()
    assert versions == [head]
