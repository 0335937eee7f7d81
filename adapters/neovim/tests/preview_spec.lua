-- :AIEditorPreview: it asks the server for the preview's URL, echoes it, and
-- calls the opener with it (a function from setup(), a command, or by default
-- vim.ui.open / xdg-open: here a stub on $PATH that records its argument);
-- the URL really serves the page (a GET with curl). Errors: no session, an
-- opener that cannot run, a bad version.
local ai = require("aieditor")
local session = require("aieditor.session")

local opened = {}
ai.setup({
  offline_delay_ms = 0,
  preview = {
    open = function(url)
      table.insert(opened, url)
    end,
  },
})
local notes = T.capture_notifications()

local SESSION = "nvim-preview"
local stubs = T.root .. "/preview-stubs"
vim.fn.mkdir(stubs, "p")

---Writes an executable shell script that appends its arguments to `record`.
local function stub(path, record)
  local f = assert(io.open(path, "w"))
  f:write("#!/bin/sh\nprintf '%s\\n' \"$*\" >>'" .. record .. "'\n")
  f:close()
  vim.fn.setfperm(path, "rwx------")
end

local function read(path)
  local f = io.open(path, "r")
  if not f then
    return nil
  end
  local text = f:read("*a")
  f:close()
  return text
end

---GET with curl: the status and the body.
local function get(url)
  local out = vim.fn.system({ "curl", "-sS", "-w", "\n%{http_code}", url })
  T.eq(vim.v.shell_error, 0, "curl " .. url .. ": " .. out)
  local body, status = out:match("^(.*)\n(%d+)$")
  return tonumber(status), body
end

local URL = "^http://127%.0%.0%.1:%d+/" .. ("%x"):rep(64) .. "/%?session=" .. vim.pesc(SESSION)

T.test(":AIEditorPreview without a session says to open one", function()
  vim.cmd("AIEditorPreview")
  T.ok(T.find_notification(notes, "no session is open", vim.log.levels.ERROR), vim.inspect(notes))
  T.eq(opened, {})
end)

local component
T.test("calls the opener with the preview's URL, echoes it, and the URL serves the page", function()
  vim.cmd("AiEditor open " .. SESSION)
  T.wait_for(function()
    return session.current and session.current.id == SESSION
  end, "session/open")
  vim.cmd("AiEditor send A counter with a reset button")
  T.wait_for(function()
    return session.current.sending == nil and session.current_component() ~= nil
  end, "the reply and its component", 60000)
  component = session.current_component()

  vim.cmd("AIEditorPreview")
  T.wait_for(function()
    return #opened == 1
  end, "the opener")
  local url = opened[1]
  T.ok(url:match(URL .. "$"), url)
  T.ok(T.find_notification(notes, "preview: " .. vim.pesc(url), vim.log.levels.INFO), vim.inspect(notes))

  local status, body = get(url)
  T.eq(status, 200)
  T.ok(body:find('<iframe id="frame" sandbox="allow-scripts"', 1, true), body)
  status, body = get(url:gsub("/%?session=.*", "/api/component?session=" .. SESSION))
  T.eq(status, 200)
  T.eq(vim.json.decode(body).component.name, component.name)
end)

T.test(":AIEditorPreview {componentId} {version} pins them in the URL, and a wrong one is refused", function()
  vim.cmd(("AIEditorPreview %s %d"):format(component.id, component.version))
  T.wait_for(function()
    return #opened == 2
  end, "the opener")
  T.ok(opened[2]:match(URL .. "&component=" .. vim.pesc(component.id) .. "&version=" .. component.version .. "$"), opened[2])
  vim.cmd(("AIEditorPreview %s 99"):format(component.id))
  T.wait_for(function()
    return T.find_notification(notes, "That version of the component does not exist", vim.log.levels.ERROR)
  end, "the refusal")
  vim.cmd(("AIEditorPreview %s two"):format(component.id))
  T.ok(T.find_notification(notes, "the version must be a number, not two", vim.log.levels.ERROR))
  T.eq(#opened, 2)
end)

T.test("preview.open as a command gets the URL as its last argument", function()
  local record = stubs .. "/command.txt"
  stub(stubs .. "/my-browser", record)
  ai.setup({ offline_delay_ms = 0, preview = { open = { stubs .. "/my-browser", "--new-window" } } })
  vim.cmd("AIEditorPreview")
  T.wait_for(function()
    return read(record) ~= nil
  end, "the command to run")
  T.ok(read(record):match("^%-%-new%-window " .. URL:sub(2) .. "\n$"), read(record))
end)

T.test("by default: vim.ui.open where it exists, else xdg-open (here a stub on $PATH)", function()
  local record = stubs .. "/xdg-open.txt"
  stub(stubs .. "/xdg-open", record)
  vim.env.PATH = stubs .. ":" .. vim.env.PATH
  ai.setup({ offline_delay_ms = 0 })
  vim.cmd("AIEditorPreview")
  T.wait_for(function()
    return read(record) ~= nil
  end, "xdg-open to run")
  T.ok(read(record):match(URL:sub(2) .. "\n$"), read(record))
end)

T.test("an opener that cannot run is reported by name, and the URL is still echoed", function()
  local before = #notes
  ai.setup({ offline_delay_ms = 0, preview = { open = { stubs .. "/no-such-browser" } } })
  vim.cmd("AIEditorPreview")
  T.wait_for(function()
    return T.find_notification({ unpack(notes, before + 1) }, "cannot run .*no%-such%-browser", vim.log.levels.ERROR)
  end, "the error")
  T.ok(T.find_notification({ unpack(notes, before + 1) }, "preview: http://127%.0%.0%.1", vim.log.levels.INFO))
end)
