// Reading a component back into the offline provider's design model. Only a
// version the provider itself wrote reads back: the design found must render
// to exactly the JSX and CSS given, so an edit by hand is never lost by
// regenerating over it. For any other CSS, the custom properties can still be
// read and changed in place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "providers/OfflineDesign.h"

namespace aieditor::server::offline {

/// The design `jsx` and `css` were rendered from; nothing when they were
/// edited by hand (or written by someone else).
std::optional<Design> readBack(std::string_view jsx, std::string_view css);

/// The custom properties a stylesheet declares ("--accent: #2563eb;"), the
/// first declaration of each, in order.
Properties cssProperties(std::string_view css);

/// `css` with the first declaration of each property in `properties` given
/// that property's value; the rest of the text is kept as it was.
std::string withProperties(std::string css, const Properties& properties);

}  // namespace aieditor::server::offline
