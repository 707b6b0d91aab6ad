"""`make bench`: the real stack under load from wrk, next to a bare FastAPI app as the yardstick,
then concurrent journeys through the business API that must lose nothing.

Modules: `run` (the command and its settings), `stack` (database, seed, servers),
`load` (wrk), `report` (medians, ratios against the targets, table, JSON), `reference`
(the bare app and the seeds' new-client-per-request app, which exist only to be measured),
`journeys` (the journey driver and the event tap, which tests/faults/test_load.py shares)
and `losses` (the journeys phase and its checks).
"""
