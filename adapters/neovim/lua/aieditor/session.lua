---@mod aieditor.session What the plugin knows about the open session.
---
--- Holds the server's objects as they come over the wire (camelCase), and
--- tells the chat buffer what changed. It sends nothing itself.

local M = {}

---@class aieditor.Image
---@field mimeType string
---@field data string base64

---@class aieditor.Message
---@field id string|nil nil while a user message has not been acknowledged
---@field sessionId string
---@field role "user"|"assistant"|"system"
---@field content string
---@field images aieditor.Image[]|nil
---@field createdAt string|nil
---@field status "complete"|"streaming"|"interrupted"|"failed"|"sending"
---@field interactionId string|nil
---@field componentId string|nil

---@class aieditor.Component
---@field id string
---@field sessionId string
---@field name string
---@field jsx string
---@field css string
---@field version integer
---@field createdAt string
---@field updatedAt string
---@field metadata table

---@class aieditor.Send
---@field request_id integer|nil
---@field user aieditor.Message The local copy shown until the server answers.
---@field started integer When it was sent (uv.now(), ms), for "Generating… 3 s".

---A reply that failed or was stopped: what to say and what `:AiEditor retry` sends.
---@class aieditor.Failure
---@field text string The prompt.
---@field images aieditor.Image[]|nil
---@field reason string One plain sentence.

---@class aieditor.SessionState
---@field id string
---@field info table The Session wire object {id, title, createdAt, updatedAt}.
---@field messages aieditor.Message[] Oldest first.
---@field has_more boolean Older messages exist on the server.
---@field components aieditor.Component[]
---@field current_component_id string|nil
---@field sending aieditor.Send|nil The chat/send in flight, if any.

---@type aieditor.SessionState|nil
M.current = nil

---The last failed reply of each session, kept across reloads of the session
---until the next prompt is sent in it.
---@type table<string, aieditor.Failure>
M.failures = {}

---Fires `User {pattern}` if anyone listens (no "No matching autocommands" noise).
---@param pattern string
function M.fire(pattern)
  if vim.fn.exists("#User#" .. pattern) == 1 then
    vim.cmd("doautocmd <nomodeline> User " .. pattern)
  end
end

local function chat()
  return require("aieditor.chat")
end

---Replaces the state with a `session/open` result.
---@param result table {session, messages, hasMore, components, currentComponentId, status}
function M.load(result)
  local info = result.session or {}
  M.current = {
    id = info.id,
    info = info,
    messages = result.messages or {},
    has_more = result.hasMore == true,
    components = result.components or {},
    current_component_id = result.currentComponentId,
    sending = nil,
  }
  chat().render()
  M.fire("AiEditorSession")
end

---@return aieditor.Component|nil
function M.current_component()
  local s = M.current
  if not s or not s.current_component_id then
    return nil
  end
  for _, c in ipairs(s.components) do
    if c.id == s.current_component_id then
      return c
    end
  end
  return nil
end

---Stores a component (a new one or a new version) and makes it current.
---@param component aieditor.Component
function M.set_component(component)
  local s = M.current
  if not s or not component or component.sessionId ~= s.id then
    return
  end
  local replaced = false
  for i, c in ipairs(s.components) do
    if c.id == component.id then
      s.components[i] = component
      replaced = true
      break
    end
  end
  if not replaced then
    table.insert(s.components, component)
  end
  s.current_component_id = component.id
  M.fire("AiEditorComponent")
end

---Shows the user's text at once, before the server acknowledges it.
---@param text string
---@param images aieditor.Image[]|nil
---@return aieditor.Send|nil
function M.begin_send(text, images)
  local s = M.current
  if not s then
    return nil
  end
  local user = {
    sessionId = s.id,
    role = "user",
    content = text,
    images = images,
    status = "sending",
  }
  table.insert(s.messages, user)
  s.sending = { user = user, started = (vim.uv or vim.loop).now() }
  M.failures[s.id] = nil
  local titled = false
  if not s.info.title or s.info.title == "" then
    -- What the server will title the session (the prompt's first line).
    s.info.title = vim.split(vim.trim(text), "\n", { plain = true })[1]
    titled = true
  end
  chat().render(not titled and #s.messages or nil)
  require("aieditor.status").redraw()
  return s.sending
end

---@param id string
---@return integer|nil index
local function find_message(id)
  local msgs = M.current.messages
  for i = #msgs, 1, -1 do
    if msgs[i].id == id then
      return i
    end
  end
  return nil
end

---Appends a `chat/delta` to its message, creating the streaming assistant
---message on the first delta.
---@param params {sessionId: string, messageId: string, delta: string}
function M.on_delta(params)
  local s = M.current
  if not s or params.sessionId ~= s.id then
    return
  end
  local i = find_message(params.messageId)
  if not i then
    table.insert(s.messages, {
      id = params.messageId,
      sessionId = s.id,
      role = "assistant",
      content = "",
      status = "streaming",
    })
    i = #s.messages
  end
  local msg = s.messages[i]
  msg.content = (msg.content or "") .. (params.delta or "")
  chat().render(i)
  M.fire("AiEditorDelta")
end

---Takes the `chat/send` result: the saved user and assistant messages replace
---the local ones, and the component (if any) becomes current.
---@param send aieditor.Send
---@param result table {userMessage, assistantMessage, interaction, component?}
function M.finish_send(send, result)
  local s = M.current
  if not s or s.sending ~= send then
    return
  end
  s.sending = nil
  local first = #s.messages + 1
  for i, m in ipairs(s.messages) do
    if m == send.user then
      if result.userMessage then
        s.messages[i] = result.userMessage
      end
      first = i
      break
    end
  end
  local a = result.assistantMessage
  if a then
    local i = find_message(a.id)
    if i then
      s.messages[i] = a
    else
      table.insert(s.messages, a)
    end
  end
  if result.component then
    M.set_component(result.component)
    require("aieditor.apply").tell_if_behind(result.component)
  end
  chat().render(first)
  require("aieditor.status").redraw()
  M.fire("AiEditorReply")
end

---Puts older messages (a `messages/list` page, oldest first) before the
---loaded ones.
---@param messages aieditor.Message[]
---@param has_more boolean Still older ones exist on the server.
function M.prepend(messages, has_more)
  local s = M.current
  if not s then
    return
  end
  s.messages = vim.list_extend(vim.list_extend({}, messages), s.messages)
  s.has_more = has_more
  chat().render()
end

---Takes a `session/changed` notification: records another device's work
---pulled from the team backend, shown without reopening the session.
---Its params keep JSON nulls (`currentComponentId = vim.NIL`: no current
---component now).
---@param params {sessionId: string, messages: aieditor.Message[]|nil, components: aieditor.Component[]|nil, currentComponentId: string|userdata|nil, deleted: boolean|nil}
function M.on_changed(params)
  local s = M.current
  if not s or params.sessionId ~= s.id then
    return
  end
  local strip = require("aieditor.client").strip_nulls
  if params.deleted == true then
    M.current = nil
    require("aieditor.log").warn(("session %s was deleted on another device"):format(s.id))
    chat().render()
    require("aieditor.status").set(nil)
    M.fire("AiEditorSession")
    return
  end
  local first
  if type(params.messages) == "table" then
    -- Pulled messages come before this device's reply still on its way.
    local at = #s.messages + 1
    if s.sending then
      for i, m in ipairs(s.messages) do
        if m == s.sending.user then
          at = i
          break
        end
      end
    end
    for _, m in ipairs(strip(params.messages)) do
      local i = find_message(m.id)
      if i then
        s.messages[i] = m
      else
        table.insert(s.messages, at, m)
        i = at
        at = at + 1
      end
      first = math.min(first or i, i)
    end
  end
  if type(params.components) == "table" then
    s.components = strip(params.components)
  end
  if params.currentComponentId ~= nil then
    local current = params.currentComponentId
    s.current_component_id = current ~= vim.NIL and current or nil
  end
  if params.components or params.currentComponentId ~= nil then
    M.fire("AiEditorComponent")
    local current = M.current_component()
    if current and type(params.components) == "table" then
      require("aieditor.apply").tell_if_behind(current)
    end
  end
  if first then
    chat().render(first)
  end
  M.fire("AiEditorChanged")
end

---Forgets the send in flight (after an error or a cancel) and keeps the
---prompt and the reason for `:AiEditor retry`.
---@param send aieditor.Send
---@param reason string|nil One plain sentence; nil: no failure to show.
function M.abort_send(send, reason)
  local s = M.current
  if s and s.sending == send then
    s.sending = nil
    send.user.status = "failed"
    if reason then
      M.failures[s.id] = { text = send.user.content, images = send.user.images, reason = reason }
    end
    chat().render()
    require("aieditor.status").redraw()
    M.fire("AiEditorReply")
  end
end

return M
