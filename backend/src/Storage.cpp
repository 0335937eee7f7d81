#include "Storage.h"

namespace aieditor::backend {

namespace {

/// A storage call's result as a batch outcome.
template <class T>
WriteOutcome outcome(StorageResult<T> result) {
  if (!result) return std::unexpected(result.error());
  if constexpr (std::is_void_v<T>)
    return std::monostate{};
  else
    return std::move(*result);
}

}  // namespace

WriteOutcome applyWrite(Storage& storage, std::int64_t userId, const Write& write) {
  return std::visit(
      [&](const auto& w) -> WriteOutcome {
        using W = std::decay_t<decltype(w)>;
        if constexpr (std::is_same_v<W, Incoming<Message>>)
          return outcome(storage.addMessage(userId, w));
        else if constexpr (std::is_same_v<W, Incoming<Interaction>>)
          return outcome(storage.addInteraction(userId, w));
        else if constexpr (std::is_same_v<W, ComponentEdit>)
          return outcome(storage.saveComponent(userId, w));
        else if constexpr (std::is_same_v<W, SetCurrentComponent>)
          return outcome(storage.setCurrentComponent(userId, w.sessionId, w.componentId));
        else
          return outcome(storage.deleteSession(userId, w.sessionId));
      },
      write);
}

StorageResult<std::vector<WriteOutcome>> Storage::applyWrites(std::int64_t userId, const std::vector<Write>& writes) {
  std::vector<WriteOutcome> outcomes;
  for (const auto& write : writes) {
    outcomes.push_back(applyWrite(*this, userId, write));
    // Earlier writes are committed already; the caller retries the rest.
    if (!outcomes.back() && outcomes.back().error().failure == Failure::Unavailable)
      return std::unexpected(outcomes.back().error());
  }
  return outcomes;
}

}  // namespace aieditor::backend
