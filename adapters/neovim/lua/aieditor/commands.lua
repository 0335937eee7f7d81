---@mod aieditor.commands The `:AiEditor {subcommand}` command and its completion.

local M = {}

---@class aieditor.CommandArgs
---@field args string Everything after the subcommand, unsplit.
---@field fargs string[] The words after the subcommand.
---@field bang boolean `:AiEditor!`
---@field range aieditor.Range

---@class aieditor.Subcommand
---@field run fun(a: aieditor.CommandArgs)
---@field complete (fun(arglead: string): string[])|nil
---@field usage string

local function ai()
  return require("aieditor")
end

local function kinds(arglead)
  return vim.tbl_filter(function(k)
    return vim.startswith(k, arglead)
  end, { "jsx", "css" })
end

local function files(arglead)
  return vim.fn.getcompletion(arglead, "file")
end

---Session ids for completion: asks the running server, briefly. Completion
---never starts the server.
---@param arglead string
---@return string[]
local function session_ids(arglead)
  local ids = {}
  local c = package.loaded["aieditor"] and ai().client_if_running and ai().client_if_running()
  if c then
    local result = c:request_sync("session/list", {}, require("aieditor.config").options.request_timeout_ms)
    for _, s in ipairs(result and result.sessions or {}) do
      if vim.startswith(s.id, arglead) then
        table.insert(ids, s.id)
      end
    end
  end
  return ids
end

---@type table<string, aieditor.Subcommand>
M.subcommands = {
  open = {
    usage = "open [sessionId]",
    run = function(a)
      ai().open(a.fargs[1])
    end,
    complete = session_ids,
  },
  chat = {
    usage = "chat",
    run = function()
      ai().chat()
    end,
  },
  send = {
    usage = "[range]send {text}",
    run = function(a)
      -- With a range (a selection, or % for the file) its code goes along.
      local buf = vim.api.nvim_get_current_buf()
      local region = a.range.range > 0 and require("aieditor.components").region(buf, a.range)
      local text = a.args
      if region and not text:match("^%s*$") then
        text = text .. "\n\n" .. require("aieditor.edit").context(buf, region)
      end
      ai().send(text)
    end,
  },
  edit = {
    usage = "[range]edit [instruction]",
    run = function(a)
      require("aieditor.edit").edit(a.args, a.range)
    end,
  },
  insert = {
    usage = "insert jsx|css",
    run = function(a)
      ai().insert(a.fargs[1], a.range)
    end,
    complete = kinds,
  },
  save = {
    usage = "save [jsx|css]",
    run = function(a)
      ai().save(a.fargs[1], a.range)
    end,
    complete = kinds,
  },
  apply = {
    usage = "apply[!] [dir]",
    run = function(a)
      ai().apply(a.args, a.bang)
    end,
    complete = function(arglead)
      return vim.fn.getcompletion(arglead, "dir")
    end,
  },
  history = {
    usage = "history",
    run = function()
      ai().history()
    end,
  },
  new = {
    usage = "new",
    run = function()
      ai().new_session()
    end,
  },
  retry = {
    usage = "retry",
    run = function()
      ai().retry()
    end,
  },
  sessions = {
    usage = "sessions",
    run = function()
      ai().sessions()
    end,
  },
  search = {
    usage = "search {query}",
    run = function(a)
      ai().search(a.args)
    end,
  },
  rename = {
    usage = "rename {title}",
    run = function(a)
      ai().rename(a.args)
    end,
  },
  export = {
    usage = "export {file}",
    run = function(a)
      ai().export(a.args)
    end,
    complete = files,
  },
  import = {
    usage = "import {file}",
    run = function(a)
      ai().import(a.args)
    end,
    complete = files,
  },
  cancel = {
    usage = "cancel",
    run = function()
      ai().cancel()
    end,
  },
  sync = {
    usage = "sync [now|login|logout|rejected|retry]",
    run = function(a)
      ai().sync(a.fargs)
    end,
    complete = function(arglead)
      return require("aieditor.sync").names(arglead)
    end,
  },
}

---@return string[]
function M.names()
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return names
end

---The callback of `:AiEditor`.
---@param opts table The table given to nvim_create_user_command callbacks.
function M.run(opts)
  local name, rest = opts.args:match("^%s*(%S+)%s*(.-)%s*$")
  -- `:AiEditor apply!` (the bang on the subcommand) as well as `:AiEditor! apply`.
  local bang = opts.bang == true
  if name and name:sub(-1) == "!" then
    name, bang = name:sub(1, -2), true
  end
  local sub = name and M.subcommands[name]
  if not sub then
    local usages = {}
    for _, n in ipairs(M.names()) do
      table.insert(usages, ":AiEditor " .. M.subcommands[n].usage)
    end
    require("aieditor.log").error(
      (name and ("unknown subcommand %q. "):format(name) or "") .. "Usage:\n" .. table.concat(usages, "\n")
    )
    return
  end
  local fargs = vim.split(rest, "%s+", { trimempty = true })
  sub.run({
    args = rest,
    fargs = fargs,
    bang = bang,
    range = { range = opts.range or 0, line1 = opts.line1, line2 = opts.line2 },
  })
end

---The completion function of `:AiEditor`.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline:gsub("^%s*%S*AiEditor!?", ""), "%s+", { trimempty = true })
  local completing_first = #words == 0 or (#words == 1 and arglead ~= "")
  if completing_first then
    return vim.tbl_filter(function(n)
      return vim.startswith(n, arglead)
    end, M.names())
  end
  local sub = M.subcommands[(words[1]:gsub("!$", ""))]
  local argn = #words - (arglead ~= "" and 1 or 0)
  if sub and sub.complete and argn == 1 then
    return sub.complete(arglead)
  end
  return {}
end

return M
