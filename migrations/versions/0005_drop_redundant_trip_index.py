"""drop the redundant round-trip index on (vehicle, start)

The natural key's unique index (vehicle_id, start_time, end_time) already serves every
query by vehicle and start time; the extra index cost a sixth of PostgreSQL's import work.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("round_trip", schema=None) as batch_op:
        batch_op.drop_index("ix_round_trip_vehicle_start")


def downgrade():
    with op.batch_alter_table("round_trip", schema=None) as batch_op:
        batch_op.create_index(
            "ix_round_trip_vehicle_start", ["vehicle_id", "start_time"], unique=False
        )
