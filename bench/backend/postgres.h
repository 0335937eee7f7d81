// The PostgreSQL floor: the backend's row inserted and committed straight
// through libpq, one connection per writer, each INSERT its own transaction.
#pragma once

#include <string>

#include "load.h"

namespace bench {

/// Creates (empties) the floor's table; "" or what failed.
std::string createPostgresFloor(const std::string& conninfo);
OperationFactory postgresInserts(const std::string& conninfo, const std::string& body, const std::string& prefix);
/// The server's version and its durability settings, for the report.
std::string postgresDetail(const std::string& conninfo);

}  // namespace bench
