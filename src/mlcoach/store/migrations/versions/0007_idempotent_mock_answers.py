"""mock interviews: an idempotency key per answer so a resent answer form is stored once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mock_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(
            "uq_mock_answers_round_key", ["round_id", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("mock_answers", schema=None) as batch_op:
        batch_op.drop_constraint("uq_mock_answers_round_key", type_="unique")
        batch_op.drop_column("idempotency_key")
