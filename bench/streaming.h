// The streaming measurements: a fake OpenAI upstream (tests/support's
// FakeUpstream, HTTP/1.1 on 127.0.0.1 on a thread of the driver) streams
// replies whose content chunk i carries the marker «i»; a sample is, for each
// marker found in a chat/delta, the time the driver has read and parsed that
// notification minus the upstream's write() of that chunk.
#pragma once

#include "config.h"
#include "results.h"

namespace bench {

/// chat/delta overhead: aieditor, the C++ relay floor and the reference server
/// (when there is one) taking turns, reply by reply, so all see the same machine.
Streaming measureStreaming(const Config& cfg);

/// chat/delta overhead while the driver, another process, holds the write
/// lock of the server's database (BEGIN IMMEDIATE on its own SQLite
/// connection). The lock is released once the last chunk of the last reply
/// has arrived, or when a reply's chunks do not come within cfg.lockWaitMs
/// (the server is blocked); only then are the chat/send responses awaited.
/// aieditor's, or with `referenceServer` the reference server's.
Locked measureUnderLock(const Config& cfg, bool referenceServer);

}  // namespace bench
