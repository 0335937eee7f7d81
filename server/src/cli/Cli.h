#pragma once

namespace aieditor::server {

/// The `aieditor` command line: serve (default), chat, export, import,
/// sessions, sync. Returns the process exit code.
int runCli(int argc, char** argv);

}  // namespace aieditor::server
