// The backend's own storage call without HTTP: Storage::addMessage from N
// threads of this process, on a storage opened as `aieditor-backend serve`
// opens it. Beside the POSTs it splits their cost into storage and the rest
// (HTTP, routing, sign-in, JSON), which says which side a target depends on.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "load.h"

namespace aieditor::backend {
class Storage;
}

namespace bench {

/// The storage a backend would open with `storageArgs` ("--db PATH" or
/// "--postgres CONNINFO"), with `connections` pooled connections; nullptr and `error` when it cannot.
std::shared_ptr<aieditor::backend::Storage> openDirectStorage(const std::vector<std::string>& storageArgs,
                                                              std::size_t connections, std::string& error);

/// Users direct-1 ... direct-N in `storage` (made here); their ids, client i being user i.
std::vector<std::int64_t> directUsers(aieditor::backend::Storage&, int count, std::string& error);

/// Client i: addMessage of a new user message (the POSTs' content) into session <prefix>-c<i> as user i.
OperationFactory directAdds(std::shared_ptr<aieditor::backend::Storage>, const std::vector<std::int64_t>& userIds,
                            const std::string& prefix);

}  // namespace bench
