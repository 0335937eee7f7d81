#include "providers/OfflineDesign.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

namespace aieditor::server::offline {

std::string_view describe(PartKind kind) {
  switch (kind) {
    case PartKind::Text:
      return "paragraph";
    case PartKind::Heading:
      return "heading";
    case PartKind::List:
      return "list";
    case PartKind::Image:
      return "image placeholder";
    case PartKind::Field:
      return "input field";
    case PartKind::Button:
      return "button";
    case PartKind::Form:
      return "form";
  }
  return "part";
}

const std::string* Properties::find(std::string_view name) const {
  for (const auto& [key, value] : entries_)
    if (key == name) return &value;
  return nullptr;
}

bool Properties::set(std::string_view name, std::string value) {
  for (auto& [key, current] : entries_)
    if (key == name) {
      current = std::move(value);
      return true;
    }
  return false;
}

Properties defaultProperties(std::string_view accent) {
  return Properties({{"--surface", "#ffffff"},
                     {"--text", "#111827"},
                     {"--title", "#111827"},
                     {"--muted", "#4b5563"},
                     {"--border", "#e5e7eb"},
                     {"--accent", std::string(accent)},
                     {"--on-accent", readableOn(accent)},
                     {"--radius", "12px"},
                     {"--space", "1rem"},
                     {"--scale", "1"}});
}

std::string className(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isupper(c) && !out.empty()) out += '-';
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string jsxText(std::string_view text) {
  // JSX text cannot hold { } < > and collapses whitespace; a string literal can.
  const auto special = [](unsigned char c) {
    return c < 0x20 || std::string_view("{}<>\"\\&").contains(static_cast<char>(c));
  };
  const bool plain = !text.empty() && std::ranges::none_of(text, special) && text.front() != ' ' && text.back() != ' ';
  if (plain) return std::string(text);
  std::string out = "{\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c >= 0x20) out += static_cast<char>(c);
  }
  return out + "\"}";
}

namespace {

/// "Email address" -> "email-address": a field's input name.
std::string fieldName(std::string_view label) {
  std::string out;
  for (unsigned char c : label) {
    if (std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "field" : out;
}

std::string inputType(std::string_view label) {
  const std::string name = fieldName(label);
  if (name.find("email") != std::string::npos) return "email";
  if (name.find("password") != std::string::npos) return "password";
  if (name.find("search") != std::string::npos) return "search";
  return "text";
}

void renderPart(std::ostream& jsx, const Part& part, const std::string& cls, int depth) {
  const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
  switch (part.kind) {
    case PartKind::Text:
      jsx << pad << "<p className=\"" << cls << "__text\">" << jsxText(part.text) << "</p>\n";
      break;
    case PartKind::Heading:
      jsx << pad << "<h3 className=\"" << cls << "__heading\">" << jsxText(part.text) << "</h3>\n";
      break;
    case PartKind::List:
      jsx << pad << "<ul className=\"" << cls << "__list\">\n";
      for (const auto& item : part.items)
        jsx << pad << "  <li className=\"" << cls << "__item\">" << jsxText(item) << "</li>\n";
      jsx << pad << "</ul>\n";
      break;
    case PartKind::Image:
      jsx << pad << "<div className=\"" << cls << "__image\" role=\"img\" aria-label=\"Image placeholder\" />\n";
      break;
    case PartKind::Field:
      jsx << pad << "<label className=\"" << cls << "__field\">\n"
          << pad << "  " << jsxText(part.text) << "\n"
          << pad << "  <input className=\"" << cls << "__input\" type=\"" << inputType(part.text) << "\" name=\""
          << fieldName(part.text) << "\" />\n"
          << pad << "</label>\n";
      break;
    case PartKind::Button:
      jsx << pad << "<button className=\"" << cls << "__button\" type=\"" << (part.submit ? "submit" : "button")
          << "\">" << jsxText(part.text) << "</button>\n";
      break;
    case PartKind::Form:
      jsx << pad << "<form className=\"" << cls << "__form\" onSubmit={(event) => event.preventDefault()}>\n";
      for (const auto& child : part.children) renderPart(jsx, child, cls, depth + 1);
      jsx << pad << "</form>\n";
      break;
  }
}

void collectKinds(const std::vector<Part>& parts, std::set<PartKind>& kinds) {
  for (const auto& part : parts) {
    kinds.insert(part.kind);
    collectKinds(part.children, kinds);
  }
}

/// Each kind's rule, in the order the CSS lists them; every value refers to
/// the root's custom properties.
std::string partRules(const std::set<PartKind>& kinds, const std::string& cls) {
  std::ostringstream css;
  const auto rule = [&](PartKind kind, std::string_view selector, std::string_view body) {
    if (kinds.contains(kind)) css << "\n." << cls << selector << " {\n" << body << "}\n";
  };
  rule(PartKind::Text, "__text", "  margin: 0;\n  color: var(--muted);\n  line-height: 1.5;\n");
  rule(PartKind::Heading, "__heading", "  margin: 0;\n  font-size: 1.125em;\n");
  rule(PartKind::List, "__list",
       "  margin: 0;\n  padding: 0;\n  list-style: none;\n  display: flex;\n  flex-direction: column;\n"
       "  gap: calc(var(--space) / 2);\n");
  rule(PartKind::List, "__item",
       "  padding: calc(var(--space) / 2) var(--space);\n  border: 1px solid var(--border);\n"
       "  border-radius: calc(var(--radius) / 2);\n");
  rule(PartKind::Image, "__image",
       "  aspect-ratio: 16 / 9;\n  border-radius: calc(var(--radius) / 2);\n"
       "  background: repeating-linear-gradient(45deg, var(--border) 0 10px, transparent 10px 20px);\n");
  rule(PartKind::Form, "__form", "  display: flex;\n  flex-direction: column;\n  gap: var(--space);\n");
  rule(PartKind::Field, "__field",
       "  display: flex;\n  flex-direction: column;\n  gap: calc(var(--space) / 4);\n  color: var(--muted);\n"
       "  font-size: 0.875em;\n");
  rule(PartKind::Field, "__input",
       "  padding: calc(var(--space) / 2);\n  border: 1px solid var(--border);\n"
       "  border-radius: calc(var(--radius) / 2);\n  background: var(--surface);\n  color: var(--text);\n"
       "  font: inherit;\n");
  rule(PartKind::Button, "__button",
       "  align-self: flex-start;\n  padding: calc(var(--space) / 2) var(--space);\n  border: 0;\n"
       "  border-radius: calc(var(--radius) / 2);\n  background: var(--accent);\n  color: var(--on-accent);\n"
       "  font: inherit;\n  cursor: pointer;\n");
  return css.str();
}

}  // namespace

Rendered render(const Design& design) {
  const std::string cls = className(design.name);
  std::ostringstream jsx;
  jsx << "import React from \"react\";\n"
      << "import \"./" << design.name << ".css\";\n\n"
      << "export default function " << design.name << "() {\n"
      << "  return (\n"
      << "    <section className=\"" << cls << "\">\n"
      << "      <h2 className=\"" << cls << "__title\">" << jsxText(design.title) << "</h2>\n";
  for (const auto& part : design.parts) renderPart(jsx, part, cls, 3);
  jsx << "    </section>\n"
      << "  );\n"
      << "}\n";

  std::ostringstream css;
  css << "." << cls << " {\n";
  for (const auto& [key, value] : design.properties.entries()) css << "  " << key << ": " << value << ";\n";
  css << "  display: flex;\n  flex-direction: column;\n  gap: var(--space);\n"
      << "  padding: calc(var(--space) * 1.5);\n  border: 1px solid var(--border);\n"
      << "  border-radius: var(--radius);\n  background: var(--surface);\n  color: var(--text);\n"
      << "  font-family: system-ui, sans-serif;\n  font-size: calc(1rem * var(--scale));\n}\n\n"
      << "." << cls << "__title {\n  margin: 0;\n  color: var(--title);\n  font-size: 1.5em;\n}\n";
  std::set<PartKind> kinds;
  collectKinds(design.parts, kinds);
  css << partRules(kinds, cls);
  return {jsx.str(), css.str()};
}

std::optional<Rgb> parseHex(std::string_view text) {
  if (text.size() != 4 && text.size() != 7) return std::nullopt;
  if (text.front() != '#') return std::nullopt;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int v[6];
  for (std::size_t i = 1; i < text.size(); ++i)
    if ((v[i - 1] = digit(text[i])) < 0) return std::nullopt;
  if (text.size() == 4) return Rgb{v[0] * 17.0, v[1] * 17.0, v[2] * 17.0};
  return Rgb{v[0] * 16.0 + v[1], v[2] * 16.0 + v[3], v[4] * 16.0 + v[5]};
}

double luminance(Rgb c) {
  const auto channel = [](double v) {
    v /= 255.0;
    return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double contrast(Rgb a, Rgb b) {
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

std::string readableOn(std::string_view background) {
  const auto bg = parseHex(background);
  if (!bg) return "#ffffff";
  return contrast(*bg, Rgb{255, 255, 255}) >= contrast(*bg, Rgb{17, 24, 39}) ? "#ffffff" : "#111827";
}

}  // namespace aieditor::server::offline
