-- One wrk script for every row of bench/served.py, configured by environment variables:
--   BENCH_METHOD  GET or POST (default GET)
--   BENCH_PATH    the path; {key} becomes a random line of BENCH_KEYS, {unique} a new value per request
--   BENCH_BODY    the form body of a POST (application/x-www-form-urlencoded), with the same placeholders
--   BENCH_KEYS    a file of keys, one a line: real plates, card numbers, misses or card tokens
--   BENCH_COOKIE, BENCH_AUTH, BENCH_HTMX  the Cookie and Authorization headers, and HX-Request: true when "1"
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local keys = {}
local counter = 0
local prefix = ""

local file = os.getenv("BENCH_KEYS")
if file and file ~= "" then
  for line in io.lines(file) do
    if line ~= "" then keys[#keys + 1] = line end
  end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- Per thread: its own random sequence and its own prefix for {unique} (idempotency keys: 16-64 characters).
  math.randomseed(os.time() * 1000 + (thread_number or 0))
  prefix = string.format("wrk%02d%08x%06d", thread_number or 0, os.time(), math.random(0, 999999))
  wrk.method = method
  if body then wrk.headers["Content-Type"] = "application/x-www-form-urlencoded" end
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
  local auth = os.getenv("BENCH_AUTH")
  if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
  if os.getenv("BENCH_HTMX") == "1" then wrk.headers["HX-Request"] = "true" end
end

local function fill(template)
  local key = #keys > 0 and keys[math.random(#keys)] or ""
  counter = counter + 1
  local unique = prefix .. string.format("%010d", counter)
  return (template:gsub("{key}", function() return key end):gsub("{unique}", function() return unique end))
end

function request()
  return wrk.format(nil, fill(path), nil, body and fill(body) or nil)
end
