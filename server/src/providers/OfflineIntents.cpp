#include "providers/OfflineIntents.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace aieditor::server::offline {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      current += static_cast<char>(std::tolower(c));
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string pascalCase(std::string_view text) {
  std::string out;
  bool start = true;
  for (unsigned char c : text) {
    if (!std::isalnum(c)) {
      start = true;
    } else if (out.empty() && std::isdigit(c)) {
      continue;  // a name starts with a letter
    } else {
      out += static_cast<char>(start ? std::toupper(c) : c);
      start = false;
    }
  }
  return out;
}

std::optional<std::string> namedColor(std::string_view word) {
  static const std::pair<std::string_view, std::string_view> named[] = {
      {"blue", "#2563eb"},   {"red", "#dc2626"},   {"green", "#16a34a"}, {"purple", "#7c3aed"},
      {"violet", "#7c3aed"}, {"orange", "#ea580c"}, {"pink", "#db2777"}, {"teal", "#0d9488"},
      {"yellow", "#eab308"}, {"amber", "#f59e0b"}, {"indigo", "#4f46e5"}, {"cyan", "#0891b2"},
      {"sky", "#0ea5e9"},    {"gray", "#6b7280"},  {"grey", "#6b7280"},  {"black", "#000000"},
      {"white", "#ffffff"},  {"brown", "#92400e"}, {"lime", "#65a30d"},  {"emerald", "#059669"},
      {"rose", "#e11d48"},   {"navy", "#1e3a8a"},  {"gold", "#ca8a04"},
  };
  for (const auto& [name, hex] : named)
    if (name == word) return std::string(hex);
  return std::nullopt;
}

namespace {

using Words = std::vector<std::string>;

bool has(const Words& ws, std::initializer_list<std::string_view> any) {
  return std::ranges::any_of(ws, [&](const std::string& w) { return std::ranges::find(any, w) != any.end(); });
}

/// Words that carry no request on their own ("please", "now", "it").
bool onlyFiller(const Words& ws) {
  static const std::set<std::string, std::less<>> filler = {"please", "now", "thanks", "thank", "you", "it",
                                                            "can", "could", "ok", "okay", "also", "and", "then"};
  return std::ranges::all_of(ws, [](const std::string& w) { return filler.contains(w); });
}

std::string capitalised(std::string word) {
  if (!word.empty()) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

/// The word just before `noun` ("subscribe" in "a subscribe button"), unless
/// it is an article, a colour or another part's name.
std::optional<std::string> wordBefore(const Words& ws, std::initializer_list<std::string_view> nouns) {
  static const std::set<std::string, std::less<>> skip = {
      "a", "an", "the", "another", "one", "new", "more", "second", "big", "small", "text", "input", "my", "its",
      "with", "to", "add", "primary", "secondary", "nice", "simple", "large"};
  for (std::size_t i = 1; i < ws.size(); ++i)
    if (std::ranges::find(nouns, ws[i]) != nouns.end() && !skip.contains(ws[i - 1]) && !namedColor(ws[i - 1]))
      return ws[i - 1];
  return std::nullopt;
}

std::string buttonLabel(const Words& ws) {
  if (has(ws, {"submit"})) return "Submit";
  const auto before = wordBefore(ws, {"button"});
  return before ? capitalised(*before) : "Get started";
}

std::string fieldLabel(const Words& ws) {
  static const std::pair<std::string_view, std::string_view> known[] = {
      {"email", "Email"},       {"password", "Password"}, {"name", "Name"},       {"phone", "Phone"},
      {"username", "Username"}, {"search", "Search"},     {"message", "Message"}, {"address", "Address"}};
  for (const auto& [word, label] : known)
    if (has(ws, {word})) return std::string(label);
  if (auto word = wordBefore(ws, {"field", "input", "textbox"})) return capitalised(*word);
  return "Name";
}

/// The part a clause names, for "add ..." and "remove ...".
std::optional<Intent> partIntent(const Words& ws, Intent::Kind kind) {
  Intent intent{.kind = kind};
  if (has(ws, {"item", "items", "bullet", "entry", "row"})) {
    intent.part = PartKind::List;
    intent.item = true;
  } else if (has(ws, {"button", "buttons", "cta"})) {
    intent.part = PartKind::Button;
    intent.submit = has(ws, {"submit"});
    intent.value = buttonLabel(ws);
  } else if (has(ws, {"input", "inputs", "field", "fields", "textbox", "label"})) {
    intent.part = PartKind::Field;
    intent.value = fieldLabel(ws);
  } else if (has(ws, {"image", "picture", "photo", "placeholder", "avatar", "illustration", "img"})) {
    intent.part = PartKind::Image;
  } else if (has(ws, {"heading", "subheading", "subtitle", "header", "headline"})) {
    intent.part = PartKind::Heading;
    intent.value = "A new section";
  } else if (has(ws, {"paragraph", "text", "description", "sentence", "body"})) {
    intent.part = PartKind::Text;
    intent.value = "A few words about this section.";
  } else if (has(ws, {"list"})) {
    intent.part = PartKind::List;
  } else if (has(ws, {"form"})) {
    intent.part = PartKind::Form;
  } else {
    return std::nullopt;
  }
  return intent;
}

std::optional<Intent> styleIntent(const Words& ws, std::string_view clause) {
  const bool less = has(ws, {"less", "fewer", "no", "without", "remove", "reduce"});
  if (has(ws, {"corner", "corners", "rounded", "rounder", "round", "radius", "pill", "square", "sharp", "sharper"})) {
    const bool square = has(ws, {"square", "sharp", "sharper"}) || (less && !has(ws, {"less"}));
    return Intent{.kind = Intent::Kind::Corners, .factor = square ? 0 : less ? 0.5 : 2};
  }
  if (has(ws, {"compact", "tighter", "tight", "denser", "dense", "condensed", "cramped"}))
    return Intent{.kind = Intent::Kind::Spacing, .factor = 0.75};
  if (has(ws, {"spacious", "roomier", "airy", "airier", "looser"}))
    return Intent{.kind = Intent::Kind::Spacing, .factor = 1.25};
  if (has(ws, {"padding", "spacing", "space", "whitespace", "gap", "gaps"}))
    return Intent{.kind = Intent::Kind::Spacing, .factor = less ? 0.75 : 1.25};
  if (has(ws, {"bigger", "larger", "huge", "big", "large", "enlarge", "grow"}))
    return Intent{.kind = Intent::Kind::Size, .factor = 1.25};
  if (has(ws, {"smaller", "tinier", "tiny", "small", "shrink"}))
    return Intent{.kind = Intent::Kind::Size, .factor = 0.8};

  // A colour: a hex value or a name, for the part the clause names.
  std::optional<std::string> hex, name;
  static const std::regex hexPattern(R"(#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b)");
  std::match_results<std::string_view::const_iterator> match;
  if (std::regex_search(clause.begin(), clause.end(), match, hexPattern)) {
    std::string found = match.str();
    std::ranges::transform(found, found.begin(), [](unsigned char c) { return std::tolower(c); });
    hex = name = found;
  }
  for (const auto& w : ws)
    if (!hex)
      if (auto named = namedColor(w)) hex = *named, name = w;
  if (hex) {
    Intent intent{.kind = Intent::Kind::Color, .property = "--accent", .value = *hex, .colorName = *name};
    if (has(ws, {"background", "backdrop", "bg", "card", "surface"})) intent.property = "--surface";
    else if (has(ws, {"text", "font", "title", "heading", "headline"})) intent.property = "--text";
    else if (has(ws, {"border", "borders", "outline"})) intent.property = "--border";
    return intent;
  }
  if (has(ws, {"dark", "darker", "night", "dim"})) return Intent{.kind = Intent::Kind::Theme, .dark = true};
  if (has(ws, {"light", "lighter", "bright", "day"})) return Intent{.kind = Intent::Kind::Theme, .dark = false};
  return std::nullopt;
}

Intent clauseIntent(std::string_view clause) {
  const Words ws = words(clause);
  if (has(ws, {"remove", "delete", "drop", "without", "hide"}) || (has(ws, {"get", "take"}) && has(ws, {"rid", "out"})))
    if (auto intent = partIntent(ws, Intent::Kind::Remove)) return *intent;
  if (has(ws, {"add", "include", "insert", "append", "put", "another", "with"}))
    if (auto intent = partIntent(ws, Intent::Kind::Add)) return *intent;
  if (auto intent = styleIntent(ws, clause)) return *intent;
  return Intent{.kind = Intent::Kind::NotUnderstood, .value = std::string(clause)};
}

/// The new text of "... to Plans": trimmed, without quotes or a final stop.
std::string quotedValue(std::string value) {
  const auto strip = [&](std::string_view chars) {
    while (!value.empty() && chars.find(value.back()) != std::string_view::npos) value.pop_back();
    while (!value.empty() && chars.find(value.front()) != std::string_view::npos) value.erase(0, 1);
  };
  strip(" \t\r\n.!?");
  strip("\"'`");
  return value;
}

/// Splits what comes before a text request into clauses: at punctuation and
/// at "and", "then", "also", "plus".
void addClauses(std::string_view text, std::vector<Intent>& out) {
  static const std::regex separator(R"(\s*(?:[,;!?\n]|\.(?:\s|$)|\b(?:and|then|also|plus)\b)\s*)", std::regex::icase);
  const std::string copy(text);
  for (std::sregex_token_iterator it(copy.begin(), copy.end(), separator, -1), end; it != end; ++it) {
    const std::string clause = it->str();
    if (onlyFiller(words(clause))) continue;
    out.push_back(clauseIntent(clause));
  }
}

}  // namespace

std::string buttonLabel(std::string_view text) { return buttonLabel(words(text)); }

std::vector<Intent> parseIntents(std::string_view prompt) {
  // Requests that set text take the rest of the prompt as their value, so
  // "change the title to Plans and Pricing" keeps its "and".
  struct TextRequest {
    std::regex pattern;
    Intent::Kind kind;
  };
  static const TextRequest requests[] = {
      {std::regex(R"(\b(?:rename|call|name)\s+(?:it|this|(?:the|this)\s+component)\s+(?:to\s+|as\s+)?(.+)$)",
                  std::regex::icase),
       Intent::Kind::Rename},
      {std::regex(R"(\b(?:change|set|make|update|rename|switch)\s+the\s+(?:main\s+)?(?:title|heading|headline)\s+)"
                  R"((?:text\s+)?(?:to|as|into)\s+(.+)$)",
                  std::regex::icase),
       Intent::Kind::Title},
      {std::regex(R"(\btitle\s+it\s+(.+)$)", std::regex::icase), Intent::Kind::Title},
      {std::regex(R"(\b(?:change|set|make|update|rename)\s+the\s+button(?:'s)?\s+(?:text\s+|label\s+)?)"
                  R"((?:to|as|into|say)\s+(.+)$)",
                  std::regex::icase),
       Intent::Kind::ButtonLabel},
  };
  const std::string text(prompt);
  std::vector<Intent> out;
  for (const auto& request : requests) {
    std::smatch match;
    if (!std::regex_search(text, match, request.pattern)) continue;
    addClauses(std::string_view(text).substr(0, static_cast<std::size_t>(match.position(0))), out);
    std::string value = quotedValue(match[1].str());
    if (request.kind == Intent::Kind::Rename) value = pascalCase(value);
    if (value.empty()) out.push_back(Intent{.kind = Intent::Kind::NotUnderstood, .value = match.str(0)});
    else out.push_back(Intent{.kind = request.kind, .value = std::move(value)});
    return out;
  }
  addClauses(text, out);
  return out;
}

}  // namespace aieditor::server::offline
