-- A small test harness for headless Neovim: T.test() runs a function and
-- records PASS/FAIL in $AIEDITOR_TEST_RESULTS; T.finish() exits non-zero if
-- anything failed. Synchronisation is always vim.wait on a condition.
local M = { passed = 0, failed = 0, internal_errors = {} }

local results = os.getenv("AIEDITOR_TEST_RESULTS")
local spec_name = vim.fn.fnamemodify(os.getenv("AIEDITOR_SPEC") or "?", ":t:r")

M.root = os.getenv("AIEDITOR_TEST_ROOT") or vim.fn.tempname()

---@param ok boolean
---@param name string
---@param err string|nil
function M.record(ok, name, err)
  local line
  if ok then
    M.passed = M.passed + 1
    line = ("PASS %s: %s"):format(spec_name, name)
  else
    M.failed = M.failed + 1
    line = ("FAIL %s: %s\n%s"):format(spec_name, name, tostring(err):gsub("\n", "\n    "))
  end
  io.stderr:write(line, "\n")
  if results then
    local f = io.open(results, "a")
    if f then
      f:write(line, "\n")
      f:close()
    end
  end
end

---@param name string
---@param fn fun()
function M.test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  M.record(ok, name, err)
  return ok
end

---@param v any
---@param msg string|nil
function M.ok(v, msg)
  if not v then
    error("assertion failed: " .. (msg or "expected a true value"), 2)
  end
  return v
end

---@param actual any
---@param expected any
---@param msg string|nil
function M.eq(actual, expected, msg)
  if not vim.deep_equal(actual, expected) then
    error(("%s\nexpected: %s\n  actual: %s"):format(msg or "values differ", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

---Waits (processing events) until cond() is true; fails after timeout_ms.
---@param cond fun(): any
---@param what string
---@param timeout_ms integer|nil
function M.wait_for(cond, what, timeout_ms)
  if not vim.wait(timeout_ms or 15000, cond, 5) then
    error("timed out waiting for " .. what, 2)
  end
end

---Replaces vim.notify and collects what it is called with.
---@return {msg: string, level: integer}[]
function M.capture_notifications()
  local seen = {}
  vim.notify = function(msg, level)
    table.insert(seen, { msg = msg, level = level or vim.log.levels.INFO })
    if msg:find("internal error:", 1, true) then
      table.insert(M.internal_errors, msg)
    end
  end
  return seen
end

---@param seen {msg: string, level: integer}[]
---@param pattern string Lua pattern
---@param level integer|nil
---@return {msg: string, level: integer}|nil
function M.find_notification(seen, pattern, level)
  for _, n in ipairs(seen) do
    if n.msg:find(pattern) and (level == nil or n.level == level) then
      return n
    end
  end
  return nil
end

---@param path string
---@param value any
function M.write_json(path, value)
  local f = assert(io.open(path, "w"))
  f:write(vim.json.encode(value))
  f:close()
end

---@param path string
---@return any
function M.read_json(path)
  local f = assert(io.open(path, "r"), "missing " .. path .. " (did the earlier spec run?)")
  local data = f:read("*a")
  f:close()
  return vim.json.decode(data)
end

---@param buf integer|nil
---@return string[]
function M.lines(buf)
  return vim.api.nvim_buf_get_lines(buf or 0, 0, -1, false)
end

---@param s string
---@return string[]
function M.split(s)
  return vim.split(s, "\n", { plain = true })
end

function M.finish()
  pcall(function()
    if package.loaded["aieditor"] then
      require("aieditor").stop()
    end
  end)
  -- A Lua error in a callback (vim.schedule, autocmd, libuv) does not reach
  -- any test's pcall; Neovim only adds it to the message history.
  local messages = vim.fn.execute("messages") .. table.concat(M.internal_errors, "\n")
  for _, marker in ipairs({ "E5108", "E5560", "Error executing", "stack traceback", "internal error:" }) do
    if messages:find(marker, 1, true) then
      M.record(false, "no Lua error outside the tests", messages)
      break
    end
  end
  io.stderr:write(("%s: %d passed, %d failed\n"):format(spec_name, M.passed, M.failed))
  if M.failed > 0 then
    vim.cmd("cquit 1")
  else
    vim.cmd("qall!")
  end
end

return M
