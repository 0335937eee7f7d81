// RpcError.h stands alone: errors and cancellation without nlohmann.
#include "aieditor/protocol/RpcError.h"

// Checked before anything else is included, so a JSON include that creeps
// into RpcError.h fails the build here.
#if defined(INCLUDE_NLOHMANN_JSON_FWD_HPP_) || defined(INCLUDE_NLOHMANN_JSON_HPP_)
#error "RpcError.h must not include nlohmann"
#endif

#include <catch2/catch.hpp>

using namespace aieditor::protocol;

TEST_CASE("RpcError.h: errors as values and cancel tokens", "[protocol][errors]") {
  const Result<int> failed = fail(ErrorCode::InvalidParams, "params.sessionId: is required");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == ErrorCode::InvalidParams);
  CHECK(static_cast<int>(failed.error().code) == -32602);
  CHECK(failed.error().message == "params.sessionId: is required");

  // Copies share one flag: the dispatcher keeps one, the work checks another.
  CancelToken token;
  const CancelToken copy = token;
  CHECK_FALSE(copy.cancelled());
  token.cancel();
  CHECK(copy.cancelled());
}
