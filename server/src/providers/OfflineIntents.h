// What a prompt asks the offline provider to change, read the way a person
// would: "make it dark", "make the button green", "more compact", "add a
// submit button", "remove the form", "change the title to Plans", "rename it
// to SignInCard". Each clause of the prompt becomes one intent; a clause it
// cannot read becomes NotUnderstood, so the reply can say so.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/OfflineDesign.h"

namespace aieditor::server::offline {

// `{}` initializers: see Part (OfflineDesign.h).
// NOLINTBEGIN(readability-redundant-member-init)
struct Intent {
  enum class Kind {
    Theme,          ///< dark: "dark" or "light"
    Color,          ///< property ("--accent", "--surface", "--text", "--border") = value (a hex colour)
    Size,           ///< factor on --scale
    Spacing,        ///< factor on --space
    Corners,        ///< factor on --radius (0: square)
    Add,            ///< part (item: a list item), value: a label, submit: a submit button
    Remove,         ///< part (item: the last list item)
    Title,          ///< value: the new title
    ButtonLabel,    ///< value: the new label
    Rename,         ///< value: the new component name (PascalCase)
    NotUnderstood,  ///< value: the clause, as written
  };
  Kind kind = Kind::NotUnderstood;
  std::string property{};
  std::string value{};
  std::string colorName{};  ///< Color: the word used ("green"), or the hex itself
  double factor = 1;
  PartKind part = PartKind::Text;
  bool item = false;
  bool submit = false;
  bool dark = false;
};
// NOLINTEND(readability-redundant-member-init)

std::vector<Intent> parseIntents(std::string_view prompt);

/// The label `text` gives a button: "Subscribe" for "a subscribe button",
/// "Submit" for a submit button; nothing when it names none.
std::optional<std::string> buttonLabel(std::string_view text);

/// The hex value of a colour name ("green" -> "#16a34a").
std::optional<std::string> namedColor(std::string_view word);

/// Lower-case words of `text` (letters and digits).
std::vector<std::string> words(std::string_view text);

/// "sign in card" or "signInCard" -> "SignInCard"; empty when nothing is left.
std::string pascalCase(std::string_view text);

}  // namespace aieditor::server::offline
