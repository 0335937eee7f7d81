// Plain sentences for the errors a user sees (a toast, a status line): the
// JSON-RPC error's data.userMessage. The message itself keeps the field path
// for the log; this says what happened and what to do, without protocol words.
#pragma once

#include <string_view>

#include "aieditor/protocol/RpcError.h"

namespace aieditor::server {

/// Whether `method`'s errors carry a userMessage: those the editors show
/// (chat/*, components/*, session/*).
bool showsUserMessages(std::string_view method);

/// `error` with a userMessage, unless it has one already.
protocol::RpcError withUserMessage(protocol::RpcError error);

}  // namespace aieditor::server
