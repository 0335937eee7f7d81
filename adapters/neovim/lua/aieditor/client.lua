---@mod aieditor.client The server process and its JSON-RPC channel.
---
--- The server speaks JSON-RPC 2.0 framed like LSP (`Content-Length: N\r\n\r\n`)
--- over stdio, with LSP's lifecycle: initialize → initialized → … → shutdown →
--- exit. This module spawns it with libuv, frames and parses messages, and
--- routes replies to callbacks and notifications to one handler. It uses only
--- libuv and vim.json, whose APIs are the same in Neovim 0.7 and 0.11, rather
--- than vim.lsp.rpc, whose signature changed in 0.10 and which hides
--- cancellation replies.
---
--- Every callback runs on the main loop (never in a fast event).

local log = require("aieditor.log")

local uv = vim.uv or vim.loop

local M = {}

---JSON-RPC and LSP error codes used by the protocol.
M.codes = {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  StorageFailed = -32001,
  RequestCancelled = -32800,
  -- Not sent by the server: used locally when the process is gone or slow.
  ServerExited = -32099,
  Timeout = -32098,
}

---@class aieditor.RpcError
---@field code integer
---@field message string
---@field data any

---@alias aieditor.ResponseHandler fun(err: aieditor.RpcError|nil, result: any)

---@class aieditor.RequestOptions
---@field raw boolean|nil Keep JSON nulls as vim.NIL (for lossless documents).

---@class aieditor.ClientHandlers
---@field notification fun(method: string, params: table)|nil
---@field keep_nulls table<string, boolean>|nil Notifications whose params keep JSON nulls as vim.NIL.
---@field exit fun(client: aieditor.Client, code: integer, signal: integer)|nil

---@class aieditor.Client
---@field cmd string[]
---@field pid integer|nil
---@field state "starting"|"running"|"stopping"|"exited"
---@field server_info table|nil serverInfo from the initialize result
---@field capabilities table|nil capabilities from the initialize result
---@field stopping boolean|nil Set when the plugin stops it on purpose.
---@field exit_code integer|nil
---@field stderr_tail string[] Last lines the server wrote to stderr.
---@field private handle userdata|nil
---@field private stdin userdata
---@field private stdout userdata
---@field private stderr userdata
---@field private next_id integer
---@field private pending table<integer, {cb: aieditor.ResponseHandler, method: string, raw: boolean|nil}>
---@field private queue string[] Frames held until initialize has answered.
---@field private handlers aieditor.ClientHandlers
local Client = {}
Client.__index = Client

---Drops JSON nulls (vim.NIL) from objects so that absent and null read the same.
---@param v any
---@return any
local function strip_nulls(v)
  if type(v) ~= "table" then
    return v
  end
  for k, x in pairs(v) do
    if x == vim.NIL and type(k) == "string" then
      v[k] = nil
    elseif type(x) == "table" then
      strip_nulls(x)
    end
  end
  return v
end

M.strip_nulls = strip_nulls

---@param body string
---@return string
local function frame(body)
  return ("Content-Length: %d\r\n\r\n%s"):format(#body, body)
end

---@private
---@param payload table
---@param hold boolean Queue the frame until the server is initialized.
function Client:_send(payload, hold)
  if self.state == "exited" or not self.handle then
    return false
  end
  local data = frame(vim.json.encode(payload))
  if hold then
    table.insert(self.queue, data)
  else
    self.stdin:write(data)
  end
  return true
end

---An empty Lua table encodes as `[]`; params must be an object.
---@param params table|nil
---@return table|nil
local function object_params(params)
  if type(params) == "table" and next(params) == nil then
    return vim.empty_dict()
  end
  return params
end

---Sends a request. Requests made before `initialize` has answered are held
---and sent right after `initialized`.
---@param method string
---@param params table|nil
---@param callback aieditor.ResponseHandler
---@param opts aieditor.RequestOptions|nil
---@return integer|nil id The request id, for cancel(); nil if the server is gone.
function Client:request(method, params, callback, opts)
  self.next_id = self.next_id + 1
  local id = self.next_id
  local hold = self.state == "starting" and method ~= "initialize"
  local payload = { jsonrpc = "2.0", id = id, method = method, params = object_params(params) }
  if not self:_send(payload, hold) then
    vim.schedule(function()
      callback({ code = M.codes.ServerExited, message = "the aieditor server is not running" }, nil)
    end)
    return nil
  end
  self.pending[id] = { cb = callback, method = method, raw = opts and opts.raw }
  return id
end

---Sends a request and waits for its reply on the main loop (vim.wait).
---@param method string
---@param params table|nil
---@param timeout_ms integer
---@param opts aieditor.RequestOptions|nil
---@return any result, aieditor.RpcError|nil err
function Client:request_sync(method, params, timeout_ms, opts)
  local done, result, err = false, nil, nil
  local id = self:request(method, params, function(e, r)
    done, err, result = true, e, r
  end, opts)
  if not vim.wait(timeout_ms, function()
    return done
  end, 10) then
    if id then
      self.pending[id] = nil
      self:cancel(id)
    end
    return nil, { code = M.codes.Timeout, message = method .. " timed out after " .. timeout_ms .. " ms" }
  end
  return result, err
end

---@param method string
---@param params table|nil
function Client:notify(method, params)
  return self:_send({ jsonrpc = "2.0", method = method, params = object_params(params) }, self.state == "starting")
end

---Asks the server to cancel a request (`$/cancelRequest`). Its reply, an
---error -32800 or the result if it won the race, still reaches the callback.
---@param id integer
function Client:cancel(id)
  return self:notify("$/cancelRequest", { id = id })
end

---@return boolean
function Client:is_running()
  return self.state == "starting" or self.state == "running"
end

---Runs the LSP shutdown sequence, then makes sure the process is gone.
---@param timeout_ms integer
function Client:stop(timeout_ms)
  if self.state == "exited" then
    return
  end
  if self.state == "running" then
    self.state = "stopping"
    self:request_sync("shutdown", nil, timeout_ms)
    self:_send({ jsonrpc = "2.0", method = "exit" }, false)
  end
  self.state = "stopping"
  if self.stdin and not self.stdin:is_closing() then
    self.stdin:shutdown()
  end
  if not vim.wait(timeout_ms, function()
    return self.state == "exited"
  end, 10) then
    if self.handle and not self.handle:is_closing() then
      self.handle:kill("sigkill")
    end
    vim.wait(timeout_ms, function()
      return self.state == "exited"
    end, 10)
  end
end

---@private
---@param body string
function Client:_dispatch(body)
  local ok, msg = pcall(vim.json.decode, body)
  if not ok or type(msg) ~= "table" then
    log.write(vim.log.levels.ERROR, "invalid JSON from server: " .. tostring(msg))
    return
  end
  local id = msg.id
  if msg.method == nil and id ~= nil and id ~= vim.NIL then
    local p = self.pending[id]
    if not p then
      log.write(vim.log.levels.DEBUG, "reply to unknown request " .. tostring(id))
      return
    end
    self.pending[id] = nil
    local err = msg.error
    if err == vim.NIL then
      err = nil
    end
    local result = msg.result
    if not p.raw then
      strip_nulls(err)
      result = strip_nulls(result)
    end
    if result == vim.NIL then
      result = nil
    end
    local cb_ok, cb_err = pcall(p.cb, err, result)
    if not cb_ok then
      log.error(("internal error: handling the reply to %s failed: %s"):format(p.method, cb_err))
    end
  elseif msg.method ~= nil and id ~= nil and id ~= vim.NIL then
    -- The protocol has no server→client requests; answer politely.
    self:_send({
      jsonrpc = "2.0",
      id = id,
      error = { code = M.codes.MethodNotFound, message = "method not found: " .. tostring(msg.method) },
    }, false)
  elseif type(msg.method) == "string" then
    local handler = self.handlers.notification
    if handler then
      local params = msg.params
      if not (self.handlers.keep_nulls and self.handlers.keep_nulls[msg.method]) then
        params = strip_nulls(params)
      end
      local h_ok, h_err = pcall(handler, msg.method, type(params) == "table" and params or {})
      if not h_ok then
        log.error(("internal error: handling %s failed: %s"):format(msg.method, h_err))
      end
    end
  else
    -- An error without id (parse error) or a reply with id null.
    if msg.error and msg.error ~= vim.NIL then
      log.write(vim.log.levels.ERROR, "server error without id: " .. vim.json.encode(msg.error))
    end
  end
end

---@private
function Client:_on_exit(code, signal)
  self.state = "exited"
  self.exit_code = code
  for _, pipe in ipairs({ self.stdin, self.stdout, self.stderr }) do
    if not pipe:is_closing() then
      pipe:close()
    end
  end
  if self.handle and not self.handle:is_closing() then
    self.handle:close()
  end
  local pending = self.pending
  self.pending = {}
  local tail = table.concat(self.stderr_tail, "\n")
  local message = ("the aieditor server exited (code %d%s)"):format(
    code,
    signal ~= 0 and (", signal " .. signal) or ""
  )
  if tail ~= "" then
    message = message .. ": " .. tail
  end
  for _, p in pairs(pending) do
    pcall(p.cb, { code = M.codes.ServerExited, message = message }, nil)
  end
  if self.handlers.exit then
    self.handlers.exit(self, code, signal)
  end
end

local server_levels = {
  error = vim.log.levels.ERROR,
  warn = vim.log.levels.WARN,
  info = vim.log.levels.INFO,
  debug = vim.log.levels.DEBUG,
}

---The level of a line of the server's log ("aieditor warn: ..."), so the
---log file says ERROR only for errors; INFO for anything else.
---@param line string
---@return integer
function M.server_log_level(line)
  return server_levels[line:match("^aieditor (%a+):") or ""] or vim.log.levels.INFO
end

---Spawns the server.
---@param cmd string[]
---@param env table<string,string>|nil Extra environment variables.
---@param handlers aieditor.ClientHandlers
---@return aieditor.Client|nil client, string|nil err
function M.spawn(cmd, env, handlers)
  log.path() -- resolve on the main loop, before any libuv callback writes
  local self = setmetatable({
    cmd = cmd,
    state = "starting",
    next_id = 0,
    pending = {},
    queue = {},
    handlers = handlers or {},
    stderr_tail = {},
    stdin = uv.new_pipe(false),
    stdout = uv.new_pipe(false),
    stderr = uv.new_pipe(false),
  }, Client)

  local spawn_env
  if env and next(env) then
    local merged = vim.fn.environ()
    for k, v in pairs(env) do
      merged[k] = v
    end
    spawn_env = {}
    for k, v in pairs(merged) do
      table.insert(spawn_env, k .. "=" .. tostring(v))
    end
  end

  local args = {}
  for i = 2, #cmd do
    args[#args + 1] = cmd[i]
  end
  local handle, pid_or_err = uv.spawn(cmd[1], {
    args = args,
    stdio = { self.stdin, self.stdout, self.stderr },
    env = spawn_env,
  }, function(code, signal)
    vim.schedule(function()
      self:_on_exit(code, signal)
    end)
  end)
  if not handle then
    for _, pipe in ipairs({ self.stdin, self.stdout, self.stderr }) do
      pipe:close()
    end
    return nil, ("cannot start %s: %s"):format(cmd[1], tostring(pid_or_err))
  end
  self.handle = handle
  self.pid = pid_or_err

  local buffer = ""
  self.stdout:read_start(function(err, chunk)
    if err or not chunk then
      return
    end
    buffer = buffer .. chunk
    while true do
      local header_end = buffer:find("\r\n\r\n", 1, true)
      if not header_end then
        break
      end
      local header = buffer:sub(1, header_end - 1):lower()
      local length = tonumber(header:match("content%-length:%s*(%d+)"))
      if not length then
        log.write(vim.log.levels.ERROR, "frame without Content-Length from server: " .. header)
        buffer = buffer:sub(header_end + 4)
      else
        local body_start = header_end + 4
        if #buffer < body_start + length - 1 then
          break
        end
        local body = buffer:sub(body_start, body_start + length - 1)
        buffer = buffer:sub(body_start + length)
        vim.schedule(function()
          self:_dispatch(body)
        end)
      end
    end
  end)

  -- The server's log, one line at a time: to the log file, and the last
  -- lines kept for the message shown if it dies.
  local partial = ""
  self.stderr:read_start(function(err, chunk)
    if err or not chunk then
      if partial ~= "" then
        log.write(M.server_log_level(partial), "server: " .. partial)
        partial = ""
      end
      return
    end
    partial = partial .. chunk
    for line in partial:gmatch("([^\n]*)\n") do
      line = line:gsub("\r$", "")
      if line ~= "" then
        table.insert(self.stderr_tail, line)
        if #self.stderr_tail > 10 then
          table.remove(self.stderr_tail, 1)
        end
        log.write(M.server_log_level(line), "server: " .. line)
      end
    end
    partial = partial:match("[^\n]*$")
  end)

  return self
end

---Runs `initialize` and, on success, `initialized`, then sends the requests
---that were held meanwhile.
---@param init_options table initializationOptions
---@param on_ready fun(err: aieditor.RpcError|nil)
function Client:initialize(init_options, on_ready)
  local v = vim.version()
  self:request("initialize", {
    processId = vim.fn.getpid(),
    clientInfo = { name = "Neovim", version = ("%d.%d.%d"):format(v.major, v.minor, v.patch) },
    rootUri = vim.NIL,
    capabilities = vim.empty_dict(),
    initializationOptions = init_options,
  }, function(err, result)
    if err then
      local queued = self.pending
      self.pending = {}
      self.queue = {}
      for _, p in pairs(queued) do
        pcall(p.cb, err, nil)
      end
      on_ready(err)
      return
    end
    self.server_info = result and result.serverInfo
    self.capabilities = result and result.capabilities
    self.state = "running"
    self:_send({ jsonrpc = "2.0", method = "initialized", params = vim.empty_dict() }, false)
    local queue = self.queue
    self.queue = {}
    for _, data in ipairs(queue) do
      self.stdin:write(data)
    end
    on_ready(nil)
  end)
end

return M
