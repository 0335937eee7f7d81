-- A fake OpenAI-compatible upstream on 127.0.0.1 (a random port), for specs
-- that need a reply to fail: it answers each POST with the next scripted
-- response, an error status with OpenAI's error body or a
-- chat.completion.chunk event stream, then closes the connection.
local uv = vim.uv or vim.loop

local M = {}

---An OpenAI error response.
---@param status integer
---@param message string
function M.error(status, message)
  return {
    status = status,
    type = "application/json",
    body = vim.json.encode({ error = { message = message, type = "invalid_request_error", code = vim.NIL } }),
  }
end

---An OpenAI streamed reply: a role chunk, one chunk per delta, the stop chunk, [DONE].
---@param deltas string[]
function M.stream(deltas)
  local function chunk(delta, finish)
    return "data: "
      .. vim.json.encode({
        id = "chatcmpl-fake",
        object = "chat.completion.chunk",
        created = 1694268190,
        model = "fake-model",
        choices = { { index = 0, delta = delta, finish_reason = finish or vim.NIL } },
      })
      .. "\n\n"
  end
  local body = { chunk({ role = "assistant", content = "" }) }
  for _, d in ipairs(deltas) do
    table.insert(body, chunk({ content = d }))
  end
  table.insert(body, chunk(vim.empty_dict(), "stop"))
  table.insert(body, "data: [DONE]\n\n")
  return { status = 200, type = "text/event-stream", body = table.concat(body) }
end

---Starts the upstream with its script (answered in order; a 500 once empty).
---@param script table[] responses from M.error / M.stream
---@return {url: string, requests: string[], close: fun()}
function M.start(script)
  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  local upstream = { requests = {} }
  upstream.url = ("http://127.0.0.1:%d"):format(server:getsockname().port)
  local fallback = M.error(500, "the fake upstream's script is empty")
  server:listen(16, function(err)
    assert(not err, err)
    local conn = uv.new_tcp()
    server:accept(conn)
    local data = ""
    conn:read_start(function(read_err, chunk)
      if read_err or not chunk then
        conn:close()
        return
      end
      data = data .. chunk
      local header_end = data:find("\r\n\r\n", 1, true)
      if not header_end then
        return
      end
      local length = tonumber(data:sub(1, header_end):lower():match("content%-length:%s*(%d+)")) or 0
      if #data < header_end + 3 + length then
        return
      end
      conn:read_stop()
      table.insert(upstream.requests, data)
      local r = table.remove(script, 1) or fallback
      local head = ("HTTP/1.1 %d Scripted\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"):format(
        r.status,
        r.type,
        #r.body
      )
      conn:write(head .. r.body, function()
        conn:shutdown(function()
          conn:close()
        end)
      end)
    end)
  end)
  function upstream.close()
    server:close()
  end
  return upstream
end

return M
