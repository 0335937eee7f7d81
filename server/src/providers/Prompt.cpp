#include "providers/Prompt.h"

namespace aieditor::server {

std::string userPrompt(const ProviderRequest& request) {
  if (!request.current) return request.prompt;
  const protocol::Component& c = *request.current;
  std::string text = "The current component is `" + c.name + "` (version " + std::to_string(c.version) +
                     "). Change it as asked below and return the whole updated component.\n\n```jsx\n" + c.jsx;
  if (!c.jsx.ends_with('\n')) text += '\n';
  text += "```\n\n```css\n" + c.css;
  if (!c.css.ends_with('\n')) text += '\n';
  text += "```\n\n" + request.prompt;
  return text;
}

}  // namespace aieditor::server
