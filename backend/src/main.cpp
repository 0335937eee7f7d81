// aieditor-backend: the team backend (docs/backend.md). One line over runCli.
#include "Cli.h"

int main(int argc, char** argv) { return aieditor::backend::runCli(argc, argv); }
