"""Alembic environment: runs migrations on the app's database connection."""

import logging

from alembic import context
from flask import current_app

from laurel.extensions import db

log = logging.getLogger("alembic.env")


def run_migrations_offline() -> None:
    context.configure(
        url=str(db.engine.url).replace("%", "%%"),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            **{
                "render_as_batch": True,
                **current_app.extensions["migrate"].configure_args,
            },
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
