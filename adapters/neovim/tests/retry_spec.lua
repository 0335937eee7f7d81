-- Sessions without ids, a failed reply shown in plain words in the chat with
-- its prompt kept, :AiEditor retry, regenerating a reply, and the session
-- picker; the replies come from a fake OpenAI upstream on 127.0.0.1.
local ai = require("aieditor")
local session = require("aieditor.session")
local chat = require("aieditor.chat")
local fake = dofile(vim.fn.fnamemodify(os.getenv("AIEDITOR_SPEC"), ":h") .. "/fake_upstream.lua")

local function reply(name, colour)
  return fake.stream({
    "Here is `" .. name .. "`.\n\n```jsx\n",
    "export default function " .. name .. "() {\n  return <div className=\"card\">Pro</div>;\n}\n```\n\n",
    "```css\n.card { color: " .. colour .. "; }\n```\n",
  })
end

local upstream = fake.start({
  reply("PricingCard", "black"),
  fake.error(401, "Incorrect API key provided: sk-fake"),
  reply("PricingCard", "purple"),
  reply("PricingCard", "teal"),
})
ai.setup({ provider = "openai", base_url = upstream.url, model = "fake-model" })
local notes = T.capture_notifications()

local function chat_text()
  return table.concat(chat.lines(), "\n")
end

local function prompt_line()
  local buf = chat.buf()
  return vim.api.nvim_buf_get_lines(buf, -2, -1, false)[1]
end

local function wait_idle(what)
  T.wait_for(function()
    return session.current and session.current.sending == nil and #upstream.requests > 0
  end, what, 60000)
end

local first_id

T.test("a prompt sent with no session open starts one, titled after the prompt", function()
  T.eq(session.current, nil)
  vim.cmd("AiEditor send A pricing card with three tiers")
  T.wait_for(function()
    local s = session.current
    return s and #s.messages == 2 and s.sending == nil
  end, "the new session's first reply", 60000)
  first_id = session.current.id
  T.ok(first_id:match("^s%-%d+%-%d+%-%x+$"), "a generated id: " .. first_id)
  T.eq(session.current.messages[1].content, "A pricing card with three tiers")
  T.eq(session.current.messages[2].status, "complete")
  local listed = ai.client():request_sync("session/list", {}, 5000)
  T.eq(listed.sessions[1].title, "A pricing card with three tiers", "the server titled it")
end)

T.test("a failed reply says why in the chat, keeps the prompt, and retry sends it again", function()
  vim.cmd("AiEditor chat")
  local before = #notes
  vim.cmd("AiEditor send Make the card purple")
  T.wait_for(function()
    return session.failures[first_id] ~= nil
  end, "the failure", 60000)
  T.wait_for(function()
    return chat_text():find("The AI reply failed", 1, true)
  end, "the reason in the chat:\n" .. chat_text())
  local text = chat_text()
  T.ok(text:find(":AiEditor retry", 1, true), "how to retry is shown:\n" .. text)
  T.ok(text:find("Make the card purple", 1, true), "the prompt stays in the conversation")
  T.eq(prompt_line(), "> Make the card purple", "and is back on the prompt line")
  local shown = vim.list_slice(notes, before + 1)
  T.ok(T.find_notification(shown, "^aieditor: the reply failed %(the chat says why%): :AiEditor retry$"), "a short notification: " .. vim.inspect(shown))
  for _, n in ipairs(shown) do
    T.ok(not n.msg:find("params%.") and not n.msg:find("chat/send"), "no protocol words: " .. n.msg)
  end
  T.ok(not T.find_notification(shown, ".", vim.log.levels.ERROR), "a warning, not an error")

  vim.cmd("AiEditor retry")
  T.wait_for(function()
    local m = session.current.messages
    return session.current.sending == nil and m[#m].role == "assistant" and m[#m].status == "complete" and #upstream.requests == 3
  end, "the retried reply", 60000)
  T.ok(upstream.requests[3]:find("Make the card purple", 1, true), "the same prompt was sent again")
  T.eq(session.failures[first_id], nil, "the failure is gone")
  T.ok(not chat_text():find("The AI reply failed", 1, true), "and so is its notice")
  T.eq(prompt_line(), "> ", "the prompt line is empty again")
  T.ok(session.current_component().css:find("purple", 1, true), "the retried reply made the component")
end)

T.test("retry on a reply in the chat window regenerates it", function()
  local n = #session.current.messages
  vim.api.nvim_set_current_win(chat.win())
  -- The first reply: its heading is the second "## Assistant" line.
  local row
  for i, l in ipairs(vim.api.nvim_buf_get_lines(chat.buf(), 0, -1, false)) do
    if l:find("^## Assistant") then
      row = i
      break
    end
  end
  vim.api.nvim_win_set_cursor(0, { row + 1, 0 })
  vim.cmd("AiEditor retry")
  T.wait_for(function()
    return session.current.sending == nil and #session.current.messages == n + 2
  end, "the regenerated reply", 60000)
  local m = session.current.messages
  T.eq(m[n + 1].content, "A pricing card with three tiers", "that reply's prompt was sent again")
  T.eq(m[n + 2].status, "complete")
  vim.cmd("wincmd p")
  wait_idle("idle")
end)

T.test("the session picker offers New session first, then titles with relative times", function()
  local offered
  local original = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    on_choice(items[1])
  end
  vim.cmd("AiEditor sessions")
  T.wait_for(function()
    return session.current and session.current.id ~= first_id
  end, "a new session")
  vim.ui.select = original
  T.eq(offered[1], "New session")
  T.ok(offered[2]:match("^A pricing card with three tiers · .+ · 8 messages · 1 component · " .. vim.pesc(first_id) .. "$"), offered[2])
  T.eq(#session.current.messages, 0)
end)

T.test("opening the chat with no session starts one", function()
  session.current = nil
  vim.cmd("AiEditor chat")
  T.wait_for(function()
    return session.current ~= nil
  end, "a session")
  T.ok(session.current.id:match("^s%-"), session.current.id)
  T.ok(chat.is_open(), "the chat is open")
end)

upstream.close()
