"""Demo municipality: generated, deterministic data to try FleetOptimiser with."""
