// Tokens: random bytes from the OS, shown once to their owner, stored only as
// their SHA-256. A token never reaches a log or an error message.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace aieditor::backend {

/// Kinds of token, told apart by a prefix so a misplaced one is recognisable.
inline constexpr std::string_view kSignInPrefix = "aies_";
inline constexpr std::string_view kAccessPrefix = "aiea_";

/// A new token: `prefix` and 32 random bytes from the OS (getrandom), in hex.
std::expected<std::string, std::string> newToken(std::string_view prefix);
/// The SHA-256 of a token, in hex: what storage keeps and looks tokens up by.
/// Tokens are never compared as text: a lookup compares digests, and how long
/// that takes says nothing usable about a token (finding a token whose digest
/// shares a prefix with a stored one is a preimage search), which is why a
/// digest index is as safe as a constant-time compare of the token itself.
std::string hashToken(std::string_view token);

}  // namespace aieditor::backend
