"""One Alembic chain for every table: the migrations and the models agree on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.database import alembic_config, upgrade
from migrations.metadata import target_metadata

MODELLED_TABLES = {name for metadata in target_metadata for name in metadata.tables}


def _modelled_tables_only(name, type_, _parent_names) -> bool:
    """The text-search index (and SQLite's FTS5 shadow tables) is made by the migration alone."""
    return type_ != "table" or name in MODELLED_TABLES


def test_autogenerate_finds_no_difference_between_migrations_and_models(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _modelled_tables_only}
        )
        assert compare_metadata(context, target_metadata) == []


def test_the_chain_covers_the_deals_the_bot_and_the_slack_installation_tables():
    assert {"stores", "products", "deals", "runs", "run_attempts"} <= MODELLED_TABLES
    assert {"watches", "watch_slots", "program_cache"} <= MODELLED_TABLES
    assert {"slack_bots", "slack_installations", "slack_oauth_states"} <= MODELLED_TABLES


def test_the_workspaces_migration_can_be_undone_and_redone(migrated_engine):
    config = alembic_config(migrated_engine)
    with migrated_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_runs")
    tables = inspect(migrated_engine).get_table_names()
    indexes = {index["name"] for index in inspect(migrated_engine).get_indexes("runs")}

    assert "slack_bots" not in tables and "ix_runs_user_created" in indexes
    upgrade(migrated_engine)
    assert "slack_bots" in inspect(migrated_engine).get_table_names()


def test_the_watches_migration_can_be_undone_and_redone(migrated_engine):
    config = alembic_config(migrated_engine)
    with migrated_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003_workspaces")
    columns = {column["name"] for column in inspect(migrated_engine).get_columns("runs")}

    assert "watches" not in inspect(migrated_engine).get_table_names()
    assert "reused_from" not in columns
    upgrade(migrated_engine)
    tables = set(inspect(migrated_engine).get_table_names())
    assert {"watches", "watch_slots", "program_cache"} <= tables
