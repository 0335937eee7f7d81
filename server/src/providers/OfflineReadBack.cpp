#include "providers/OfflineReadBack.h"

#include <cctype>
#include <vector>

namespace aieditor::server::offline {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    out.push_back(trim(text.substr(0, end)));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

/// The inverse of jsxText: plain text, or a JS string in braces.
std::optional<std::string> textOf(std::string_view jsx) {
  if (!jsx.starts_with("{\"")) return std::string(jsx);
  if (jsx.size() < 4 || !jsx.ends_with("\"}")) return std::nullopt;
  std::string out;
  for (std::size_t i = 2; i + 2 < jsx.size(); ++i) {
    if (jsx[i] == '\\' && i + 3 < jsx.size()) ++i;
    out += jsx[i];
  }
  return out;
}

/// The text between `open` and `close` on one line: `<p className="x__text">Hi</p>`.
std::optional<std::string> element(std::string_view line, std::string_view open, std::string_view close) {
  if (!line.starts_with(open) || !line.ends_with(close) || line.size() < open.size() + close.size())
    return std::nullopt;
  return textOf(line.substr(open.size(), line.size() - open.size() - close.size()));
}

/// Reads the parts of a section or a form, line by line, up to `end`. The
/// attributes it does not look at are checked by rendering again.
class PartReader {
 public:
  PartReader(std::vector<std::string_view> lines, std::string cls) : lines_(std::move(lines)), cls_(std::move(cls)) {}

  std::optional<std::vector<Part>> parts(std::string_view end) {
    std::vector<Part> out;
    while (at_ < lines_.size() && lines_[at_] != end) {
      auto part = next();
      if (!part) return std::nullopt;
      out.push_back(std::move(*part));
    }
    if (at_ == lines_.size()) return std::nullopt;
    ++at_;
    return out;
  }
  bool done() const { return at_ == lines_.size(); }
  std::optional<std::string_view> take() { return at_ < lines_.size() ? std::optional(lines_[at_++]) : std::nullopt; }

 private:
  std::optional<Part> next() {
    const std::string_view line = lines_[at_++];
    const auto open = [&](std::string_view tag, std::string_view part) {
      return "<" + std::string(tag) + " className=\"" + cls_ + "__" + std::string(part) + "\"";
    };
    if (auto text = element(line, open("p", "text") + ">", "</p>")) return Part{.kind = PartKind::Text, .text = *text};
    if (auto text = element(line, open("h3", "heading") + ">", "</h3>"))
      return Part{.kind = PartKind::Heading, .text = *text};
    if (line.starts_with(open("div", "image"))) return Part{.kind = PartKind::Image};
    if (auto text = element(line, open("button", "button") + " type=\"button\">", "</button>"))
      return Part{.kind = PartKind::Button, .text = *text};
    if (auto text = element(line, open("button", "button") + " type=\"submit\">", "</button>"))
      return Part{.kind = PartKind::Button, .text = *text, .submit = true};
    if (line == open("ul", "list") + ">") {
      Part list{.kind = PartKind::List};
      while (at_ < lines_.size() && lines_[at_] != "</ul>") {
        auto item = element(lines_[at_++], open("li", "item") + ">", "</li>");
        if (!item) return std::nullopt;
        list.items.push_back(std::move(*item));
      }
      if (at_++ == lines_.size()) return std::nullopt;
      return list;
    }
    if (line == open("label", "field") + ">") {
      auto label = take();
      auto input = take();
      auto close = take();
      if (!label || !input || !close || *close != "</label>") return std::nullopt;
      auto text = textOf(*label);
      if (!text) return std::nullopt;
      return Part{.kind = PartKind::Field, .text = *text};
    }
    if (line.starts_with(open("form", "form"))) {
      auto children = parts("</form>");
      if (!children) return std::nullopt;
      return Part{.kind = PartKind::Form, .children = std::move(*children)};
    }
    return std::nullopt;
  }

  std::vector<std::string_view> lines_;
  std::string cls_;
  std::size_t at_ = 0;
};

/// Whether `at` starts a declaration: first on its line or after `{` or `;`,
/// which the `--x` of `var(--x)` is not.
bool startsDeclaration(std::string_view css, std::size_t at) {
  while (at > 0 && (css[at - 1] == ' ' || css[at - 1] == '\t')) --at;
  return at == 0 || css[at - 1] == '\n' || css[at - 1] == '{' || css[at - 1] == ';';
}

/// The name in `export default function Name() {`.
std::optional<std::string> componentName(const std::vector<std::string_view>& ls) {
  constexpr std::string_view prefix = "export default function ", suffix = "() {";
  for (auto line : ls)
    if (line.starts_with(prefix) && line.ends_with(suffix) && line.size() > prefix.size() + suffix.size())
      return std::string(line.substr(prefix.size(), line.size() - prefix.size() - suffix.size()));
  return std::nullopt;
}

}  // namespace

std::optional<Design> readBack(std::string_view jsx, std::string_view css) {
  auto ls = lines(jsx);
  auto name = componentName(ls);
  if (!name) return std::nullopt;
  const std::string cls = className(*name);
  Design design;
  design.name = *name;

  // The section's lines: from after the title to the closing tag.
  const std::string sectionOpen = "<section className=\"" + cls + "\">";
  std::size_t at = 0;
  while (at < ls.size() && ls[at] != sectionOpen) ++at;
  if (at + 1 >= ls.size()) return std::nullopt;
  auto title = element(ls[at + 1], "<h2 className=\"" + cls + "__title\">", "</h2>");
  if (!title) return std::nullopt;
  design.title = *title;
  PartReader reader({ls.begin() + static_cast<std::ptrdiff_t>(at + 2), ls.end()}, cls);
  auto parts = reader.parts("</section>");
  if (!parts) return std::nullopt;
  design.parts = std::move(*parts);
  design.properties = cssProperties(css);

  // Only what renders back to the very same text is the provider's own.
  const Rendered again = render(design);
  if (again.jsx != jsx || again.css != css) return std::nullopt;
  return design;
}

Properties cssProperties(std::string_view css) {
  std::vector<std::pair<std::string, std::string>> found;
  for (std::size_t at = css.find("--"); at != std::string_view::npos; at = css.find("--", at + 2)) {
    if (!startsDeclaration(css, at)) continue;
    const auto colon = css.find(':', at), end = css.find_first_of(";}", at);
    if (colon == std::string_view::npos || end == std::string_view::npos || colon > end) continue;
    std::string name(trim(css.substr(at, colon - at)));
    std::string value(trim(css.substr(colon + 1, end - colon - 1)));
    bool seen = false;
    for (const auto& entry : found) seen |= entry.first == name;
    if (!seen && name.find_first_of(" \t\n") == std::string::npos)
      found.emplace_back(std::move(name), std::move(value));
  }
  return Properties(std::move(found));
}

std::string withProperties(std::string css, const Properties& properties) {
  const Properties current = cssProperties(css);
  for (const auto& [name, value] : properties.entries()) {
    const std::string* old = current.find(name);
    if (!old || *old == value) continue;
    // The first declaration of `name`, as cssProperties found it.
    for (std::size_t at = css.find(name + ":"); at != std::string::npos; at = css.find(name + ":", at + 1)) {
      if (!startsDeclaration(css, at)) continue;
      const auto start = css.find(*old, at + name.size() + 1);
      if (start != std::string::npos) css.replace(start, old->size(), value);
      break;
    }
  }
  return css;
}

}  // namespace aieditor::server::offline
