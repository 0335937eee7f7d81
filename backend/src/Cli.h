// The aieditor-backend command line: serve, and the user commands that
// manage who may sign in.
#pragma once

namespace aieditor::backend {

/// Runs the command line; returns the exit code.
int runCli(int argc, char** argv);

}  // namespace aieditor::backend
