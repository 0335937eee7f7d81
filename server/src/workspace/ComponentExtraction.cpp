#include "workspace/ComponentExtraction.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>
#include <vector>

namespace aieditor::server {
namespace {

struct Fence {
  std::string language;
  std::string body;
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Fenced blocks (``` or ~~~) with their info string's first word.
std::vector<Fence> fences(std::string_view text) {
  std::vector<Fence> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  std::optional<Fence> open;
  std::string marker;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view t = trim(line);
    if (!open) {
      if (t.starts_with("```") || t.starts_with("~~~")) {
        marker = std::string(t.substr(0, 3));
        std::string info(trim(t.substr(3)));
        open = Fence{lower(info.substr(0, info.find_first_of(" \t{"))), {}};
      }
    } else if (t == marker || (t.starts_with(marker) && trim(t.substr(3)).empty())) {
      out.push_back(std::move(*open));
      open.reset();
    } else {
      open->body += line;
      open->body += '\n';
    }
  }
  if (open) out.push_back(std::move(*open));  // an unclosed last block still counts
  return out;
}

bool isScriptLanguage(const std::string& l) {
  return l == "jsx" || l == "tsx" || l == "js" || l == "javascript" || l == "react" || l == "ts" ||
         l == "typescript";
}

bool looksLikeJsx(const std::string& body) {
  return body.find('<') != std::string::npos &&
         (body.find("function") != std::string::npos || body.find("=>") != std::string::npos);
}

std::string componentName(const std::string& jsx) {
  static const std::regex patterns[] = {
      std::regex(R"(export\s+default\s+function\s+([A-Z][A-Za-z0-9_]*))"),
      std::regex(R"(function\s+([A-Z][A-Za-z0-9_]*)\s*\()"),
      std::regex(R"((?:const|let|var)\s+([A-Z][A-Za-z0-9_]*)\s*=)"),
      std::regex(R"(class\s+([A-Z][A-Za-z0-9_]*)\s+extends)"),
  };
  std::smatch match;
  for (const auto& pattern : patterns)
    if (std::regex_search(jsx, match, pattern)) return match[1];
  return "Component";
}

bool hasWord(const std::string& text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool startOk = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const std::size_t end = at + word.size();
    const bool endOk = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (startOk && endOk) return true;
  }
  return false;
}

}  // namespace

std::optional<ExtractedComponent> extractComponent(std::string_view reply) {
  std::optional<std::string> jsx, css;
  for (auto& fence : fences(reply)) {
    const bool script = isScriptLanguage(fence.language) || (fence.language.empty() && looksLikeJsx(fence.body));
    if (script && !jsx) jsx = std::move(fence.body);
    else if ((fence.language == "css" || fence.language == "scss") && !css) css = std::move(fence.body);
  }
  if (!jsx && !css) return std::nullopt;
  ExtractedComponent out;
  out.jsx = jsx.value_or("");
  out.css = css.value_or("");
  out.name = componentName(out.jsx);
  return out;
}

bool looksLikeIteration(std::string_view prompt) {
  const std::string text = lower(prompt);
  for (std::string_view fresh : {"new component", "another component", "from scratch", "a new "})
    if (text.find(fresh) != std::string::npos) return false;
  for (std::string_view word : {"it", "its", "it's", "this", "that", "them", "the component"})
    if (hasWord(text, word)) return true;
  for (std::string_view verb : {"change", "update", "modify", "tweak", "adjust", "rename", "remove", "add", "also",
                                "now", "instead", "make the", "use a", "use the"})
    if (text.starts_with(verb)) return true;
  return false;
}

}  // namespace aieditor::server
