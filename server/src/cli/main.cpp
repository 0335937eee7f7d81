#include "cli/Cli.h"

int main(int argc, char** argv) { return aieditor::server::runCli(argc, argv); }
