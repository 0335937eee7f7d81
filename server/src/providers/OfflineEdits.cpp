#include "providers/OfflineEdits.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace aieditor::server::offline {
namespace {

struct Palette {
  std::string_view surface, text, muted, border;
};
constexpr Palette kLight{"#ffffff", "#111827", "#4b5563", "#e5e7eb"};
constexpr Palette kDark{"#111827", "#f9fafb", "#d1d5db", "#374151"};

std::unexpected<std::string> missing(std::string_view property) {
  return std::unexpected("the CSS declares no " + std::string(property) + " custom property to change");
}

/// Sets every property or none of them.
std::expected<void, std::string> setAll(Properties& properties,
                                        std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  for (const auto& [name, value] : values)
    if (!properties.find(name)) return missing(name);
  for (const auto& [name, value] : values) properties.set(name, std::string(value));
  return {};
}

/// "1.5rem" -> {1.5, "rem"}.
std::optional<std::pair<double, std::string>> measure(const std::string& text) {
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc{}) return std::nullopt;
  return std::pair{number, std::string(end, text.data() + text.size())};
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", value);
  return buffer;
}

/// Multiplies a numeric property (keeping its unit), within [low, high].
std::expected<std::string, std::string> scale(Properties& properties, std::string_view name, double factor, double low,
                                              double high) {
  const std::string* current = properties.find(name);
  if (!current) return missing(name);
  auto value = measure(*current);
  if (!value) return std::unexpected(std::string(name) + " is \"" + *current + "\", not a number");
  double next = std::clamp(value->first * factor, low, high);
  if (factor > 1 && value->first == 0) next = low > 0 ? low : 8;  // from square corners to rounded ones
  std::string text = number(next) + value->second;
  properties.set(name, text);
  return text;
}

std::string article(std::string_view noun) {
  return (noun.empty() || std::string_view("aeiouAEIOU").find(noun.front()) == std::string_view::npos) ? "a " : "an ";
}

Part* firstOf(std::vector<Part>& parts, PartKind kind) {
  for (auto& part : parts) {
    if (part.kind == kind) return &part;
    if (Part* inner = firstOf(part.children, kind)) return inner;
  }
  return nullptr;
}

std::size_t removeAll(std::vector<Part>& parts, PartKind kind) {
  std::size_t removed = std::erase_if(parts, [&](const Part& p) { return p.kind == kind; });
  for (auto& part : parts) removed += removeAll(part.children, kind);
  return removed;
}

/// Where a new field goes: before the first button of `parts`.
void insertField(std::vector<Part>& parts, Part field) {
  auto at = std::ranges::find_if(parts, [](const Part& p) { return p.kind == PartKind::Button; });
  parts.insert(at, std::move(field));
}

std::expected<std::string, std::string> add(const Intent& intent, Design& design) {
  auto& parts = design.parts;
  Part* form = firstOf(parts, PartKind::Form);
  if (intent.item) {
    Part* list = nullptr;
    for (auto& part : parts)
      if (part.kind == PartKind::List) list = &part;
    if (!list) {
      parts.push_back(Part{.kind = PartKind::List, .items = {"First item"}});
      return std::string("added a list with one item");
    }
    list->items.push_back("Item " + std::to_string(list->items.size() + 1));
    return "added \"" + list->items.back() + "\" to the list";
  }
  switch (intent.part) {
    case PartKind::Button: {
      Part button{.kind = PartKind::Button, .text = intent.value, .submit = intent.submit && form};
      if (button.submit) {
        form->children.push_back(std::move(button));
        return "added " + article(intent.value) + intent.value + " button to the form";
      }
      parts.push_back(std::move(button));
      return "added " + article(intent.value) + intent.value + " button";
    }
    case PartKind::Field:
      insertField(form ? form->children : parts, Part{.kind = PartKind::Field, .text = intent.value});
      return "added " + article(intent.value) + intent.value + " field with its label" + (form ? " to the form" : "");
    case PartKind::Image:
      parts.insert(parts.begin(), Part{.kind = PartKind::Image});
      return std::string("added an image placeholder at the top");
    case PartKind::Heading:
    case PartKind::Text:
      parts.push_back(Part{.kind = intent.part, .text = intent.value});
      return "added " + article(describe(intent.part)) + std::string(describe(intent.part));
    case PartKind::List:
      parts.push_back(Part{.kind = PartKind::List, .items = {"First item", "Second item", "Third item"}});
      return std::string("added a list of three items");
    case PartKind::Form:
      parts.push_back(Part{.kind = PartKind::Form,
                           .children = {Part{.kind = PartKind::Field, .text = "Email"},
                                        Part{.kind = PartKind::Button, .text = "Send", .submit = true}}});
      return std::string("added a form with an Email field and a Send button");
  }
  return std::unexpected("cannot add that");
}

std::expected<std::string, std::string> remove(const Intent& intent, Design& design) {
  if (intent.item) {
    for (auto it = design.parts.rbegin(); it != design.parts.rend(); ++it) {
      if (it->kind != PartKind::List || it->items.empty()) continue;
      const std::string item = it->items.back();
      it->items.pop_back();
      if (it->items.empty()) design.parts.erase(std::next(it).base());
      return "removed the list item \"" + item + "\"";
    }
    return std::unexpected(std::string("there is no list item to remove"));
  }
  const std::string what(describe(intent.part));
  const std::size_t removed = removeAll(design.parts, intent.part);
  if (removed == 0) return std::unexpected("there is no " + what + " to remove");
  return "removed the " + what + (removed > 1 ? "s (" + std::to_string(removed) + ")" : "");
}

}  // namespace

bool isStyle(const Intent& intent) {
  using enum Intent::Kind;
  return intent.kind == Theme || intent.kind == Color || intent.kind == Size || intent.kind == Spacing ||
         intent.kind == Corners;
}

std::expected<std::string, std::string> applyStyle(const Intent& intent, Properties& properties) {
  switch (intent.kind) {
    case Intent::Kind::Theme: {
      const Palette& p = intent.dark ? kDark : kLight;
      auto set = setAll(properties,
                        {{"--surface", p.surface}, {"--text", p.text}, {"--muted", p.muted}, {"--border", p.border}});
      if (!set) return std::unexpected(set.error());
      properties.set("--title", std::string(p.text));  // when the CSS has one
      return std::string("switched to a ") + (intent.dark ? "dark" : "light") + " theme (background " +
             std::string(p.surface) + ", text " + std::string(p.text) + ", borders " + std::string(p.border) + ")";
    }
    case Intent::Kind::Color: {
      const std::string shown =
          intent.colorName == intent.value ? intent.value : intent.colorName + " (" + intent.value + ")";
      if (intent.property == "--surface") {
        // A background needs text that reads on it: the theme's text colours.
        const Palette& p = readableOn(intent.value) == "#ffffff" ? kDark : kLight;
        auto set = setAll(properties, {{"--surface", intent.value}, {"--text", p.text}, {"--muted", p.muted}});
        if (!set) return std::unexpected(set.error());
        properties.set("--title", std::string(p.text));
        return "made the background " + shown + ", with " + (&p == &kDark ? "light" : "dark") + " text on it";
      }
      if (!properties.set(intent.property, intent.value)) return missing(intent.property);
      if (intent.property == "--accent") {
        properties.set("--on-accent", readableOn(intent.value));
        return "made the accent (the buttons) " + shown;
      }
      const std::string_view what = intent.property == "--text"    ? "text "
                                    : intent.property == "--title" ? "title "
                                                                   : "borders ";
      return "made the " + std::string(what) + shown;
    }
    case Intent::Kind::Size: {
      auto value = scale(properties, "--scale", intent.factor, 0.5, 3);
      if (!value) return value;
      return std::string("made everything ") + (intent.factor > 1 ? "bigger" : "smaller") + " (--scale: " + *value +
             ")";
    }
    case Intent::Kind::Spacing: {
      auto value = scale(properties, "--space", intent.factor, 0.25, 4);
      if (!value) return value;
      return std::string(intent.factor < 1 ? "made it more compact" : "gave it more room") + " (--space: " + *value +
             ")";
    }
    case Intent::Kind::Corners: {
      auto value = scale(properties, "--radius", intent.factor, 0, 48);
      if (!value) return value;
      return std::string(intent.factor > 1    ? "rounded the corners more"
                         : intent.factor == 0 ? "squared the corners"
                                              : "rounded the corners less") +
             " (--radius: " + *value + ")";
    }
    default:
      return std::unexpected(std::string("that is not a change of style"));
  }
}

std::expected<std::string, std::string> applyStructure(const Intent& intent, Design& design) {
  switch (intent.kind) {
    case Intent::Kind::Add:
      return add(intent, design);
    case Intent::Kind::Remove:
      return remove(intent, design);
    case Intent::Kind::Title:
      design.title = intent.value;
      return "changed the title to \"" + intent.value + "\"";
    case Intent::Kind::ButtonLabel: {
      Part* button = firstOf(design.parts, PartKind::Button);
      if (!button) return std::unexpected(std::string("there is no button to relabel"));
      button->text = intent.value;
      return "changed the button's label to \"" + intent.value + "\"";
    }
    case Intent::Kind::Rename:
      if (intent.value == "React") return std::unexpected(std::string("the name `React` is taken by its import"));
      design.name = intent.value;
      return "renamed the component to `" + intent.value + "`, with its class names and CSS import";
    default:
      return std::unexpected(std::string("that is not a change of parts or text"));
  }
}

}  // namespace aieditor::server::offline
