#include "providers/OfflineReadBack.h"

#include <cctype>
#include <set>
#include <unordered_map>
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

/// A custom property's first declaration, and where its value is.
struct Declaration {
  std::string name;
  std::string_view value;
  std::size_t at = 0;  ///< the value's offset in the stylesheet
};

/// The first declaration of each custom property, in order, found in one
/// pass: each stretch between `{`, `;` and `}` that starts with `--` (so not
/// the `--x` of `var(--x)`, which follows a property's name).
std::vector<Declaration> declarations(std::string_view css) {
  std::vector<Declaration> out;
  std::set<std::string, std::less<>> seen;
  for (std::size_t at = 0; at < css.size();) {
    std::size_t end = css.find_first_of("{;}", at);
    if (end == std::string_view::npos) end = css.size();
    const std::string_view stretch = css.substr(at, end - at);
    const std::size_t start = stretch.find_first_not_of(" \t\r\n");
    const std::size_t colon = stretch.find(':');
    if (start != std::string_view::npos && stretch.substr(start).starts_with("--") && colon != std::string_view::npos) {
      std::string name(trim(stretch.substr(start, colon - start)));
      const std::string_view raw = stretch.substr(colon + 1);
      const std::string_view value = trim(raw);
      if (name.find_first_of(" \t\r\n") == std::string::npos && seen.insert(name).second)
        out.push_back({std::move(name), value, at + colon + 1 + static_cast<std::size_t>(value.data() - raw.data())});
    }
    at = end + 1;
  }
  return out;
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
  for (auto& d : declarations(css)) found.emplace_back(std::move(d.name), std::string(d.value));
  return Properties(std::move(found));
}

std::string withProperties(std::string css, const Properties& properties) {
  const std::vector<Declaration> found = declarations(css);
  // Looked up by name: a hand-written stylesheet may hold thousands of them.
  std::unordered_map<std::string_view, const std::string*> byName;
  for (const auto& [name, value] : properties.entries()) byName.emplace(name, &value);
  std::string out;
  std::size_t copied = 0;
  for (const auto& d : found) {  // in the order they appear
    const auto it = byName.find(d.name);
    if (it == byName.end() || *it->second == d.value) continue;
    const std::string* value = it->second;
    out.append(css, copied, d.at - copied);
    out += *value;
    copied = d.at + d.value.size();
  }
  out.append(css, copied);
  return out;
}

}  // namespace aieditor::server::offline
