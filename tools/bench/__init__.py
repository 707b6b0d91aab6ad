"""`make bench`: the real stack under load from wrk, next to a bare FastAPI app as the yardstick.

Modules: `run` (the command and its settings), `stack` (database, seed, servers),
`load` (wrk), `report` (medians, ratios against the targets, table, JSON) and `reference`
(the bare app and the seeds' new-client-per-request app, which exist only to be measured).
"""
