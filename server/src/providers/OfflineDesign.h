// The offline provider's design model: what a component it wrote is made of
// (name, title, parts in order, and its look as CSS custom properties), and
// how that model is rendered to JSX and CSS. Reading a version back into this
// model is OfflineReadBack; changing it from a prompt is OfflineIntents.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aieditor::server::offline {

enum class PartKind { Text, Heading, List, Image, Field, Button, Form };

/// "button", "input field", ...: how the reply names a kind of part.
std::string_view describe(PartKind);

// The `{}` initializers let designated initializers leave members out without
// GCC 12's -Wmissing-field-initializers; clang-tidy calls them redundant.
// NOLINTBEGIN(readability-redundant-member-init)
struct Part {
  PartKind kind = PartKind::Text;
  std::string text{};                ///< Text, Heading, a Button's or a Field's label
  bool submit = false;               ///< Button: type="submit"
  std::vector<std::string> items{};  ///< List
  std::vector<Part> children{};      ///< Form: its fields, then its buttons
  bool operator==(const Part&) const = default;
};
// NOLINTEND(readability-redundant-member-init)

/// The CSS custom properties on the component's root rule, in order
/// ("--surface" -> "#ffffff"). Every colour and size of the CSS refers to them,
/// so changing one restyles the whole component.
class Properties {
 public:
  Properties() = default;
  explicit Properties(std::vector<std::pair<std::string, std::string>> entries) : entries_(std::move(entries)) {}
  const std::string* find(std::string_view name) const;
  /// Sets a property that exists; false when there is none by that name.
  bool set(std::string_view name, std::string value);
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  bool operator==(const Properties&) const = default;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

/// The light theme, an accent and the default sizes.
Properties defaultProperties(std::string_view accent);

struct Design {
  std::string name;   ///< the component function's name, PascalCase
  std::string title;  ///< the <h2>
  std::vector<Part> parts;
  Properties properties;
  bool operator==(const Design&) const = default;
};

struct Rendered {
  std::string jsx;
  std::string css;
};
Rendered render(const Design&);

/// "SignInCard" -> "sign-in-card": the root class; parts are `<root>__<part>`.
std::string className(std::string_view name);
/// Text as a JSX child: itself when plain, else a JS string in braces.
std::string jsxText(std::string_view text);

// ---- colours ----------------------------------------------------------------

struct Rgb {
  double r = 0, g = 0, b = 0;  ///< 0..255
};
/// "#0ea5e9" or "#fff"; nothing for anything else.
std::optional<Rgb> parseHex(std::string_view);
/// WCAG relative luminance, 0 (black) to 1 (white).
double luminance(Rgb);
/// WCAG contrast ratio of two colours, 1 to 21.
double contrast(Rgb, Rgb);
/// The text colour that reads best on `background`: near-white or near-black.
std::string readableOn(std::string_view background);

}  // namespace aieditor::server::offline
