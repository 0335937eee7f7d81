---@mod aieditor.history `:AiEditor history`: the versions of the current component.
---
--- Each item reads "v3 · 2 min ago · restored from v1 · current". Choosing
--- an older version shows its diff against the current one, then asks
--- before restoring; a restore updates the files the component was applied
--- to (|:AiEditor-apply|), as a change `u` undoes.

local diffview = require("aieditor.diffview")
local log = require("aieditor.log")
local session = require("aieditor.session")
local status = require("aieditor.status")

local M = {}

---@class aieditor.VersionOrigin
---@field kind "prompt"|"manual"|"restored"|"synced"|"unknown"
---@field prompt string|nil
---@field fromVersion integer|nil

---What made a version, in words.
---@param origin aieditor.VersionOrigin|nil
---@return string
function M.origin_text(origin)
  local kind = origin and origin.kind
  if kind == "prompt" then
    return origin.prompt and ("“%s”"):format(origin.prompt) or "from a prompt"
  elseif kind == "manual" then
    return "manual save"
  elseif kind == "restored" then
    return origin.fromVersion and ("restored from v%d"):format(origin.fromVersion) or "restored"
  elseif kind == "synced" then
    return "from another device"
  end
  return "origin unknown"
end

---One item of the list: number, relative time, origin, and "current".
---@param v table A components/history version.
---@param now integer|nil epoch seconds
---@return string
function M.format_version(v, now)
  local parts = { "v" .. tostring(v.version or 0) }
  local when = status.relative(v.updatedAt or v.createdAt, now)
  if when ~= "" then
    table.insert(parts, when)
  end
  table.insert(parts, M.origin_text(v.origin))
  if v.current then
    table.insert(parts, "current")
  end
  return table.concat(parts, " · ")
end

---Restores a version as a new one, then updates the applied files.
---@param component_id string
---@param version integer
---@param on_done fun(component: aieditor.Component)|nil
function M.restore(component_id, version, on_done)
  local s = session.current
  if not s then
    log.error("no session is open: send a prompt or use :AiEditor open")
    return
  end
  require("aieditor").request(
    "components/restore",
    { sessionId = s.id, componentId = component_id, version = version },
    function(result)
      local c = result.component
      session.set_component(c)
      log.info(("restored v%d of %s as v%s"):format(version, c.name or c.id, tostring(c.version)))
      require("aieditor.apply").update_applied(c.id, function()
        session.fire("AiEditorRestored")
        if on_done then
          on_done(c)
        end
      end)
    end
  )
end

---Shows `chosen` against `current` in a review, then asks whether to restore it.
---@param comp aieditor.Component
---@param current table
---@param chosen table
local function confirm(comp, current, chosen)
  local pairs = {}
  for _, kind in ipairs({ "jsx", "css" }) do
    if (current[kind] or "") ~= (chosen[kind] or "") then
      table.insert(pairs, {
        title = ("%s.%s v%d → v%d"):format(comp.name or "component", kind, current.version, chosen.version),
        old = current[kind] or "",
        new = chosen[kind] or "",
        filetype = kind == "jsx" and "javascriptreact" or "css",
      })
    end
  end
  local review = #pairs > 0 and diffview.open(pairs) or nil
  session.fire("AiEditorReview")
  local restore = ("Restore v%d (%s)"):format(chosen.version, M.origin_text(chosen.origin))
  diffview.ask({ restore, "Cancel" }, {
    prompt = #pairs > 0 and ("Restore v%d of %s? The diff is open."):format(chosen.version, comp.name or "")
      or ("v%d has the same text as v%d. Restore it anyway?"):format(chosen.version, current.version),
    kind = "aieditor.confirm",
  }, function(choice)
    diffview.close(review)
    if choice == restore then
      M.restore(chosen.id or comp.id, chosen.version)
    end
  end)
end

---Lists the versions of the current component, newest first.
function M.pick()
  require("aieditor.components").with_current(function(comp)
    local s = session.current
    require("aieditor").request("components/history", { sessionId = s.id, componentId = comp.id }, function(result)
      local versions = vim.deepcopy(result.versions or {})
      table.sort(versions, function(a, b)
        return (a.version or 0) > (b.version or 0)
      end)
      if #versions == 0 then
        log.warn("this component has no versions yet")
        return
      end
      local current = versions[1]
      for _, v in ipairs(versions) do
        if v.current then
          current = v
        end
      end
      local now = os.time()
      vim.ui.select(versions, {
        prompt = ("Versions of %s"):format(comp.name or comp.id),
        format_item = function(v)
          return M.format_version(v, now)
        end,
        kind = "aieditor.version",
      }, function(choice)
        if not choice then
          return
        end
        if choice.version == current.version then
          log.info(("v%d is the current version"):format(choice.version))
          return
        end
        confirm(comp, current, choice)
      end)
    end)
  end)
end

return M
