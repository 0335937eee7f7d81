// The text of the user's turn as the network providers send it: the prompt,
// preceded by the component being iterated on, if any.
#pragma once

#include <string>

#include "providers/Provider.h"

namespace aieditor::server {

std::string userPrompt(const ProviderRequest&);

}  // namespace aieditor::server
