// components/*: reads answer from the read connection; saves, restores,
// deletes and the current pick are writes on the storage thread.
#include "common/Ids.h"
#include "workspace/ComponentExtraction.h"
#include "workspace/ComponentRender.h"
#include "workspace/WorkspaceWrites.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::fail;
namespace p = protocol;

namespace {

/// The name a component gets when none is given: its function's, from the JSX.
std::string nameFromJsx(const std::string& jsx) {
  auto extracted = extractComponent("```jsx\n" + jsx + "\n```");
  return extracted ? extracted->name : "Component";
}

}  // namespace

Result<p::ComponentsListResult> Workspace::listComponents(const p::SessionIdParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto list = (*db)->listComponents(params.sessionId);
  if (!list) return storeFailure(list.error());
  p::ComponentsListResult result;
  result.components = std::move(*list);
  return result;
}

Result<p::ComponentResult> Workspace::getComponent(const p::ComponentsGetParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  std::string componentId;
  if (params.componentId) {
    componentId = *params.componentId;
  } else {
    auto current = (*db)->currentComponentId(params.sessionId);
    if (!current) return storeFailure(current.error());
    if (!*current)
      return fail(ErrorCode::InvalidParams,
                  "params.componentId: session " + params.sessionId + " has no current component yet");
    componentId = **current;
  }
  auto found = (*db)->getComponent(params.sessionId, componentId, params.version);
  if (!found) return storeFailure(found.error());
  if (!*found) {
    if (params.version)
      return fail(ErrorCode::InvalidParams, "params.version: component " + componentId + " has no version " +
                                                std::to_string(*params.version));
    return fail(ErrorCode::InvalidParams,
                "params.componentId: no component " + componentId + " in session " + params.sessionId);
  }
  p::ComponentResult result;
  result.component = std::move(**found);
  return result;
}

void Workspace::saveComponent(const p::ComponentsSaveParams& params, Callback<p::ComponentResult> done) {
  saveVersion(params, {p::OriginKind::Manual, {}, {}}, std::move(done));
}

void Workspace::saveVersion(const p::ComponentsSaveParams& params, const p::VersionOrigin& origin,
                            Callback<p::ComponentResult> done) {
  const p::ComponentDraft& draft = params.component;
  Component component;
  component.sessionId = params.sessionId;
  component.id = draft.id.value_or(newId());
  component.name = draft.name.value_or("");
  component.jsx = draft.jsx;
  component.css = draft.css;
  component.metadata = draft.metadata.value_or("{}");
  component.updatedAt = now();
  // A new version of an existing component keeps its name and metadata
  // unless given; that is looked up where the write runs, after every
  // earlier write, so a save pipelined behind another sees it.
  auto work = [component, origin, keepName = !draft.name,
               keepMetadata = !draft.metadata](Store& s) -> StoreResult<Component> {
    Component version = component;
    auto existing = s.getComponent(version.sessionId, version.id, std::nullopt);
    if (!existing) return std::unexpected(existing.error());
    if (*existing && keepName) version.name = (*existing)->name;
    if (*existing && keepMetadata) version.metadata = (*existing)->metadata;
    if (version.name.empty()) version.name = nameFromJsx(version.jsx);
    return s.saveComponent(version, origin);
  };
  persist<Component>(params.sessionId, std::move(work),
                     [this, component, done](Result<Component> stored) {
                       if (!stored) {
                         if (stored.error().code == ErrorCode::StorageFailed) {
                           Component unsaved = component;
                           if (unsaved.name.empty()) unsaved.name = nameFromJsx(unsaved.jsx);
                           session(unsaved.sessionId).components.keepUnsaved(unsaved);
                           session(unsaved.sessionId).components.failed(stored.error().message);
                         }
                         return done(std::unexpected(stored.error()));
                       }
                       p::ComponentResult result;
                       result.component = std::move(*stored);
                       done(std::move(result));
                     });
}

void Workspace::deleteComponent(const p::ComponentRefParams& params, Callback<p::ComponentDeleteResult> done) {
  // As session/delete: a replay that finds nothing finds its own work.
  auto attempts = std::make_shared<int>(0);
  persist<void>(
      params.sessionId,
      [sessionId = params.sessionId, id = params.componentId, attempts](Store& s) -> StoreResult<void> {
        const bool replay = ++*attempts > 1;
        auto deleted = s.deleteComponent(sessionId, id);
        if (!deleted && replay && deleted.error().kind == StoreError::Kind::NotFound) return {};
        return deleted;
      },
      [id = params.componentId, done](Result<void> deleted) {
        if (!deleted) return done(std::unexpected(deleted.error()));
        p::ComponentDeleteResult result;
        result.componentId = id;
        done(std::move(result));
      },
      "componentId");
}

Result<p::ComponentHistoryResult> Workspace::componentHistory(const p::ComponentRefParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto history = (*db)->componentHistory(params.sessionId, params.componentId);
  if (!history) return storeFailure(history.error(), "componentId");
  p::ComponentHistoryResult result;
  result.versions = std::move(*history);
  return result;
}

void Workspace::restoreComponent(const p::ComponentsRestoreParams& params, Callback<p::ComponentResult> done) {
  p::ComponentsGetParams get;
  get.sessionId = params.sessionId;
  get.componentId = params.componentId;
  get.version = params.version;
  auto old = getComponent(get);
  if (!old) return done(std::unexpected(old.error()));
  // Rollback adds a version with the old content; history is never rewritten.
  p::ComponentsSaveParams save;
  save.sessionId = params.sessionId;
  save.component.id = old->component.id;
  save.component.name = old->component.name;
  save.component.jsx = old->component.jsx;
  save.component.css = old->component.css;
  save.component.metadata = old->component.metadata;
  saveVersion(save, {p::OriginKind::Restored, {}, params.version}, std::move(done));
}

void Workspace::componentApplied(const p::ComponentsAppliedParams& params, Callback<p::ComponentFilesResult> done) {
  persist<std::vector<p::AppliedFile>>(
      params.sessionId,
      [params, at = now()](Store& s) {
        return s.recordApplied(params.sessionId, params.componentId, params.version, params.files, at);
      },
      [id = params.componentId, done](Result<std::vector<p::AppliedFile>> files) {
        if (!files) return done(std::unexpected(files.error()));
        done(p::ComponentFilesResult{id, std::move(*files)});
      },
      "version");
}

Result<p::ComponentFilesResult> Workspace::componentFiles(const p::ComponentRefParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto files = (*db)->appliedFiles(params.sessionId, params.componentId);
  if (!files) return storeFailure(files.error(), "componentId");
  return p::ComponentFilesResult{params.componentId, std::move(*files)};
}

Result<p::ComponentRenderResult> Workspace::renderComponent(const p::ComponentsRenderParams& params) {
  auto found = getComponent({params.sessionId, params.componentId, params.version});
  if (!found) return std::unexpected(found.error());
  const Component& component = found->component;
  p::ComponentRenderResult result;
  result.componentId = component.id;
  result.version = component.version;
  if (params.target == "files") {
    RenderedFiles files = renderFiles(component.name, component.jsx, component.css);
    result.jsx = std::move(files.jsx);
    result.css = std::move(files.css);
    result.jsxFileName = std::move(files.jsxFileName);
    result.cssFileName = std::move(files.cssFileName);
  } else {
    RenderedInsert merged = renderInsert(params.existingText, component.jsx);
    result.insert = std::move(merged.insert);
    result.text = std::move(merged.text);
  }
  return result;
}

void Workspace::setCurrentComponent(const p::ComponentRefParams& params,
                                    Callback<p::ComponentsSetCurrentResult> done) {
  persist<void>(
      params.sessionId,
      [sessionId = params.sessionId, id = params.componentId](Store& s) { return s.setCurrentComponent(sessionId, id); },
      [id = params.componentId, done](Result<void> set) {
        if (!set) return done(std::unexpected(set.error()));
        p::ComponentsSetCurrentResult result;
        result.currentComponentId = id;
        done(std::move(result));
      },
      "componentId");
}

}  // namespace aieditor::server
