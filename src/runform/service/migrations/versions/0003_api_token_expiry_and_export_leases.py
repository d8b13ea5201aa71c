"""API tokens: name, expiry, last use, revocation; export leases

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 22:10:00.000000

Existing tokens are named "(made before token names)" and expire 90 days from the
migration (the default of ``RUNFORM_API_TOKEN_DAYS``; the migration does not read the
settings, so that it runs the same wherever it runs).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TOKEN_NAME = "(made before token names)"
OLD_TOKEN_DAYS = 90


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.alter_column(
            "last_used", new_column_name="last_used_at", existing_type=sa.DateTime()
        )
    expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=OLD_TOKEN_DAYS)
    op.execute(
        sa.text("UPDATE api_tokens SET name = :name, expires_at = :expires").bindparams(
            sa.bindparam("name", OLD_TOKEN_NAME, type_=sa.String()),
            sa.bindparam("expires", expires, type_=sa.DateTime()),
        )
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)

    op.create_table(
        "export_leases",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("export_leases")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "last_used_at", new_column_name="last_used", existing_type=sa.DateTime()
        )
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("name")
