"""The runtime's fixtures: a fresh, migrated database per test, of the kind it asks for."""

from __future__ import annotations

import shutil
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import create_engine
from tests.bot.runtime.processes import migrated
from tests.conftest import POSTGRES_URL


@pytest.fixture
async def fresh_url(request, tmp_path, migrated_sqlite):
    """A new, migrated database of the kind the test asks for ("sqlite" or "postgres")."""
    if request.param == "sqlite":
        shutil.copyfile(migrated_sqlite, tmp_path / "run.db")
        yield f"sqlite:///{tmp_path / 'run.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ENTRAIDE_TEST_POSTGRES_URL")
    name = f"entraide_run_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield await migrated(
            make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
