#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aieditor::server {

struct ExtractedComponent {
  std::string name;  ///< the component function's name, or "Component"
  std::string jsx;
  std::string css;
};

/// The JSX and CSS of a reply's fenced code blocks (```jsx/tsx/js and
/// ```css); nullopt when the reply has neither.
std::optional<ExtractedComponent> extractComponent(std::string_view reply);

/// Whether a prompt asks to change the current component rather than for a
/// new one ("make it blue", "add a footer to it").
bool looksLikeIteration(std::string_view prompt);

}  // namespace aieditor::server
