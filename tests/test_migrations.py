"""The schema comes from the migrations alone, and two instances starting together migrate once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
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


def test_head_names_the_newest_migration():
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert scripts.get_heads() == [migrate.HEAD]


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


def test_local_reviews_already_under_way_are_carried_into_the_new_schema(database_url):
    database = Database(database_url)
    config = migrate.alembic_config(database_url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with database.engine.begin() as connection:
        for number, stage in ((1, "local_review"), (2, "closed")):
            connection.execute(
                text(
                    "INSERT INTO cases (id, ref, ref_year, ref_seq, referral_key, stage, referring_agency, referred_by,"
                    " referred_at, age_band, harm, abuse_types, incident_on, aware_on, criteria_view, notification_due)"
                    " VALUES (:id, :ref, 2026, :id, :key, :stage, 'police', 'U01POLICE', '2026-01-05 09:30:00',"
                    " 'under_1', 'serious_harm', '[]', '2026-01-01', '2026-01-02', 'yes', '2026-01-09')"
                ),
                {"id": number, "ref": f"2026-00{number}", "key": f"V{number}", "stage": stage},
            )
            connection.execute(
                text(
                    "INSERT INTO decisions (case_id, outcome, decided_by, decided_at, final_at) VALUES"
                    " (:id, 'local_cspr', 'U01CHAIR', '2026-01-20 10:00:00', '2026-01-21 23:30:00')"
                ),
                {"id": number},
            )
    migrate.upgrade(database)
    with database.engine.connect() as connection:
        reviews = connection.execute(text("SELECT case_id, decided_on, requested_by FROM local_reviews")).all()
    database.dispose()
    assert [(case_id, str(decided_on), by) for case_id, decided_on, by in reviews] == [(1, "2026-01-21", "partners")]
