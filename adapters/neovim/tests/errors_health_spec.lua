-- Errors reach the user through vim.notify; :checkhealth passes; the command
-- completes its subcommands.
local ai = require("aieditor")
local session = require("aieditor.session")

T.test("a server error shows its plain sentence; the field path goes to the log", function()
  local seen = T.capture_notifications()
  -- "/" is not allowed in a session id: the server answers -32602.
  vim.cmd("AiEditor open bad/id")
  T.wait_for(function()
    return T.find_notification(seen, ".", vim.log.levels.ERROR)
  end, "an error notification")
  local n = T.find_notification(seen, ".", vim.log.levels.ERROR)
  T.eq(n.msg, "aieditor: That session name cannot be used: it must be 1-128 characters from [A-Za-z0-9._:-].")
  local log = table.concat(vim.fn.readfile(require("aieditor.log").path()), "\n")
  T.ok(log:find("session/open failed (-32602): params.sessionId", 1, true), "the log has the details:\n" .. log)
  T.eq(session.current, nil, "no session was opened")
end)

T.test("restoring a version that does not exist shows an error", function()
  local seen = T.capture_notifications()
  vim.cmd("AiEditor open nvim-errors")
  T.wait_for(function()
    return session.current and session.current.id == "nvim-errors"
  end, "session/open")
  require("aieditor.history").restore("no-such-component", 42)
  T.wait_for(function()
    return T.find_notification(seen, ".", vim.log.levels.ERROR)
  end, "an error notification")
  local n = T.find_notification(seen, ".", vim.log.levels.ERROR)
  T.ok(not n.msg:find("params.", 1, true) and not n.msg:find("components/", 1, true), "in plain words: " .. n.msg)
end)

T.test("commands that need a session say so", function()
  session.current = nil
  local seen = T.capture_notifications()
  vim.cmd("AiEditor insert jsx")
  vim.cmd("AiEditor retry")
  T.eq(#vim.tbl_filter(function(n)
    return n.msg:find("no session is open", 1, true) and n.level == vim.log.levels.ERROR
  end, seen), 2, "two errors: " .. vim.inspect(seen))
  vim.cmd("AiEditor bogus")
  T.ok(T.find_notification(seen, 'unknown subcommand "bogus"', vim.log.levels.ERROR), "unknown subcommand")
end)

T.test("subcommands complete", function()
  T.eq(vim.fn.getcompletion("AiEditor ", "cmdline"), {
    "apply", "cancel", "chat", "edit", "export", "history", "import", "insert", "new", "open", "rename", "retry", "save", "search", "send", "sessions", "sync",
  })
  T.eq(vim.fn.getcompletion("AiEditor sync lo", "cmdline"), { "login", "logout" })
  T.eq(vim.fn.getcompletion("AIEditorSync re", "cmdline"), { "rejected", "retry" })
  T.eq(vim.fn.getcompletion("AIEditorSync now ", "cmdline"), {})
  T.eq(vim.fn.getcompletion("AiEditor se", "cmdline"), { "search", "send", "sessions" })
  T.eq(vim.fn.getcompletion("AiEditor insert ", "cmdline"), { "jsx", "css" })
  T.eq(vim.fn.getcompletion("AiEditor save c", "cmdline"), { "css" })
  -- Session ids come from the running server.
  local ids = vim.fn.getcompletion("AiEditor open nvim-", "cmdline")
  T.ok(vim.tbl_contains(ids, "nvim-errors"), "session ids complete: " .. vim.inspect(ids))
end)

T.test("<Plug> mappings exist and no default keys are mapped", function()
  for _, name in ipairs({ "AiEditorOpen", "AiEditorNew", "AiEditorChat", "AiEditorSend", "AiEditorRetry", "AiEditorApply", "AiEditorApplyWrite", "AiEditorInsertJsx", "AiEditorInsertCss", "AiEditorSave", "AiEditorHistory", "AiEditorSessions", "AiEditorCancel", "AiEditorSync" }) do
    T.ok(vim.fn.maparg("<Plug>(" .. name .. ")", "n") ~= "", name)
  end
  for _, name in ipairs({ "AiEditorInsertJsx", "AiEditorInsertCss", "AiEditorSave", "AiEditorEdit", "AiEditorSend" }) do
    T.ok(vim.fn.maparg("<Plug>(" .. name .. ")", "x") ~= "", name .. " in Visual mode")
  end
  for _, m in ipairs(vim.api.nvim_get_keymap("n")) do
    T.ok(not (m.rhs or ""):find("AiEditor") or m.lhs:find("^<Plug>"), "default mapping " .. m.lhs)
  end
end)

T.test("the suggested keys in :help aieditor-suggested-keys map to existing <Plug> mappings", function()
  local doc = vim.fn.readfile(vim.api.nvim_get_runtime_file("doc/aieditor.txt", false)[1])
  local code, inside = {}, false
  for _, line in ipairs(doc) do
    if line:find("*aieditor-suggested-keys*", 1, true) then
      inside = true
    elseif inside and line:match("^<") then
      break
    elseif inside and line:find("vim.keymap.set", 1, true) then
      table.insert(code, line)
    end
  end
  T.ok(#code >= 8, "a suggested set: " .. vim.inspect(code))
  vim.g.mapleader = ","
  assert(loadstring(table.concat(code, "\n")))()
  for _, line in ipairs(code) do
    local lhs = line:match('"(<leader>[^"]+)"'):gsub("<leader>", ",")
    local modes = line:match('{ "n", "x" }') and { "n", "x" } or line:match('set%("x"') and { "x" } or { "n" }
    for _, mode in ipairs(modes) do
      local rhs = vim.fn.maparg(lhs, mode)
      T.ok(rhs:match("^<Plug>%(AiEditor%a+%)$"), lhs .. " maps to " .. rhs)
      T.ok(vim.fn.maparg(rhs, mode) ~= "", rhs .. " exists in mode " .. mode)
      vim.keymap.del(mode, lhs)
    end
  end
end)

T.test(":checkhealth aieditor passes", function()
  vim.cmd("checkhealth aieditor")
  local lines = T.lines()
  local text = table.concat(lines, "\n")
  T.ok(text:find("aieditor"), "the report is shown")
  T.ok(not text:find("ERROR"), "no errors:\n" .. text)
  T.ok(text:find("server found %(%$AIEDITOR_SERVER%): .-, version %d+%.%d+%.%d+"), "server and version:\n" .. text)
  local db = vim.env.XDG_DATA_HOME .. "/aieditor/aieditor.db"
  T.ok(text:find("database " .. db, 1, true) and text:find("writable", 1, true), "the database path is writable:\n" .. text)
  T.ok(text:find("provider: offline", 1, true), "the provider:\n" .. text)
  vim.cmd("bwipeout!")
end)

T.test(":checkhealth reports a missing server as an error", function()
  ai.setup({ server = { cmd = { T.root .. "/no-such-aieditor" } } })
  vim.cmd("checkhealth aieditor")
  local text = table.concat(T.lines(), "\n")
  T.ok(text:find("ERROR"), "an error is reported:\n" .. text)
  vim.cmd("bwipeout!")
  ai.setup({})
end)

T.test("a server that cannot start shows an error", function()
  ai.stop()
  ai.setup({ server = { cmd = { T.root .. "/no-such-aieditor" } } })
  local seen = T.capture_notifications()
  vim.cmd("AiEditor open nvim-errors")
  T.wait_for(function()
    return T.find_notification(seen, "cannot start", vim.log.levels.ERROR)
  end, "an error notification: " .. vim.inspect(seen))
  ai.setup({})
end)

T.test("a failed save shows in the statusline and as an error", function()
  ai.stop()
  -- A read-only view of the database the earlier specs wrote: reads work,
  -- every write fails with SQLite's message.
  local db = vim.env.XDG_DATA_HOME .. "/aieditor/aieditor.db"
  T.ok(vim.fn.filereadable(db) == 1, "the database exists: " .. db)
  ai.setup({ database_path = "file:" .. db .. "?mode=ro" })
  local seen = T.capture_notifications()
  vim.cmd("AiEditor open nvim-chat")
  T.wait_for(function()
    return session.current and session.current.id == "nvim-chat"
  end, "session/open on a read-only database")
  vim.cmd("AiEditor send This cannot be saved")
  T.wait_for(function()
    return ai.statusline():find("^❌ Save failed: ")
  end, "the failed state, got " .. ai.statusline())
  T.ok(#ai.statusline() > #"❌ Save failed: ", "with a reason: " .. ai.statusline())
  T.wait_for(function()
    return T.find_notification(seen, "save failed", vim.log.levels.ERROR)
  end, "an error notification: " .. vim.inspect(seen))
  T.wait_for(function()
    return session.current.sending == nil
  end, "the chat/send reply")
  T.ok(T.find_notification(seen, "Your work could not be saved to disk yet", vim.log.levels.ERROR), "the request's error is shown: " .. vim.inspect(seen))
  ai.stop() -- shutdown retries the pending write, which fails again
  local shown = vim.tbl_filter(function(n)
    return n.msg:find("save failed", 1, true) ~= nil
  end, seen)
  T.eq(#shown, 1, "the failure is shown once, not at every retry: " .. vim.inspect(seen))
  -- The log file keeps the server's levels: its errors as ERROR, the rest not.
  local log = vim.fn.readfile(require("aieditor.log").path())
  local errors = vim.tbl_filter(function(l)
    return l:find(" ERROR server: aieditor error: ", 1, true) ~= nil
  end, log)
  T.ok(#errors > 0, "the server's errors are logged as ERROR")
  for _, l in ipairs(log) do
    T.ok(not l:find(" INFO server: aieditor error: ", 1, true), "an error logged as INFO: " .. l)
    T.ok(not l:find(" ERROR server: aieditor info: ", 1, true), "info logged as ERROR: " .. l)
  end
  ai.setup({})
end)
