-- The wrk script of `make bench` (tools/bench/load.py runs it).
-- Arguments after `--`: mode, users file, password.
--   users file: one "id username token" line per seeded user; each request picks one at random.
--   id:    GET /users/<id>, headers from wrk's -H (the service token, or none)
--   self:  GET /users/<id> with that user's own bearer token
--   page:  GET /users?limit=50&offset=<random>, headers from -H (an admin token)
--   login: POST /auth/token, a form with that user's username and the password
-- done() prints one line, "BENCH_RESULT {json}", that load.py reads.

local ids, names, tokens = {}, {}, {}
local mode, password
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

function init(args)
   mode, password = args[1], args[3]
   for line in io.lines(args[2]) do
      local id, name, token = line:match("^(%d+) (%S+) (%S+)$")
      ids[#ids + 1], names[#names + 1], tokens[#tokens + 1] = id, name, token
   end
   math.randomseed(os.time() * 1000 + (thread_number or 0))
end

function request()
   local i = math.random(#ids)
   if mode == "id" then
      return wrk.format("GET", "/users/" .. ids[i])
   elseif mode == "self" then
      return wrk.format("GET", "/users/" .. ids[i], { Authorization = "Bearer " .. tokens[i] })
   elseif mode == "page" then
      local offset = math.random(0, math.max(0, #ids - 50))
      return wrk.format("GET", "/users?limit=50&offset=" .. offset)
   elseif mode == "login" then
      return wrk.format("POST", "/auth/token", form, "username=" .. names[i] .. "&password=" .. password)
   end
   error("unknown mode " .. tostring(mode))
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, '
         .. '"p50_us": %.1f, "p99_us": %.1f}\n',
      summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
      latency:percentile(50), latency:percentile(99)
   ))
end
