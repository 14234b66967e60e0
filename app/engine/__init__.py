"""FleetOptimiser's engine: exact fleet simulation and optimisation (Pyomo + HiGHS).

No Flask and no database here: callers build a `Problem` from plain dataclasses and call
`baseline`, `simulate` or `optimise`, each returning a `Result`.

With several pools (and `solver.threads` >= 2) the pools are solved side by side in worker
processes started with "spawn": a script that calls the engine at top level should do so
under `if __name__ == "__main__":` (otherwise the engine falls back to one pool at a time).
"""

from app.engine.errors import Cancelled, EngineError
from app.engine.operations import baseline, optimise, simulate
from app.engine.parameters import Parameters
from app.engine.types import (
    Alternative,
    CandidateModel,
    FleetCount,
    FleetLine,
    Fuel,
    PeakUse,
    Problem,
    Result,
    TargetOutcome,
    Totals,
    Trip,
    Vehicle,
    VehicleType,
    VehicleUsage,
)

__all__ = [
    "Alternative",
    "Cancelled",
    "CandidateModel",
    "EngineError",
    "FleetCount",
    "FleetLine",
    "Fuel",
    "Parameters",
    "PeakUse",
    "Problem",
    "Result",
    "TargetOutcome",
    "Totals",
    "Trip",
    "Vehicle",
    "VehicleType",
    "VehicleUsage",
    "baseline",
    "optimise",
    "simulate",
]
