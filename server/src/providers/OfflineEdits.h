// Applies what a prompt asks (OfflineIntents) to a component: style requests
// to its CSS custom properties, which works on any stylesheet that declares
// them; part and text requests to its design, which needs a version the
// provider can read back. Each edit says what it did, for the reply's prose,
// or why it could not.
#pragma once

#include <expected>
#include <string>

#include "providers/OfflineDesign.h"
#include "providers/OfflineIntents.h"

namespace aieditor::server::offline {

/// Whether the intent changes only custom properties (theme, colour, size,
/// spacing, corners).
bool isStyle(const Intent&);

/// "switched to a dark theme (...)", or why it could not.
std::expected<std::string, std::string> applyStyle(const Intent&, Properties&);

/// "added a Submit button to the form", or why it could not.
std::expected<std::string, std::string> applyStructure(const Intent&, Design&);

}  // namespace aieditor::server::offline
