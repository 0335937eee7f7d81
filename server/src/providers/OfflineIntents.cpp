#include "providers/OfflineIntents.h"

#include <algorithm>
#include <cctype>
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
      {"blue", "#2563eb"},   {"red", "#dc2626"},   {"green", "#16a34a"}, {"purple", "#7c3aed"}, {"violet", "#7c3aed"},
      {"orange", "#ea580c"}, {"pink", "#db2777"},  {"teal", "#0d9488"},  {"yellow", "#eab308"}, {"amber", "#f59e0b"},
      {"indigo", "#4f46e5"}, {"cyan", "#0891b2"},  {"sky", "#0ea5e9"},   {"gray", "#6b7280"},   {"grey", "#6b7280"},
      {"black", "#000000"},  {"white", "#ffffff"}, {"brown", "#92400e"}, {"lime", "#65a30d"},   {"emerald", "#059669"},
      {"rose", "#e11d48"},   {"navy", "#1e3a8a"},  {"gold", "#ca8a04"},
  };
  for (const auto& [name, hex] : named)
    if (name == word) return std::string(hex);
  return std::nullopt;
}

namespace {

using Words = std::vector<std::string>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool has(const Words& ws, std::initializer_list<std::string_view> any) {
  return std::ranges::any_of(ws, [&](const std::string& w) { return std::ranges::find(any, w) != any.end(); });
}

/// Words that carry no request on their own ("please", "now", "it").
bool onlyFiller(const Words& ws) {
  static const std::set<std::string, std::less<>> filler = {"please", "now", "thanks", "thank", "you", "it",  "can",
                                                            "could",  "ok",  "okay",   "also",  "and", "then"};
  return std::ranges::all_of(ws, [](const std::string& w) { return filler.contains(w); });
}

std::string capitalised(std::string word) {
  if (!word.empty()) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  return word;
}

/// The words just before a noun ("buy now" in "a buy now button"), up to
/// three, back to an article, a colour or another part's name.
std::optional<std::string> wordsBefore(const Words& ws, std::initializer_list<std::string_view> nouns) {
  static const std::set<std::string, std::less<>> skip = {
      "a",  "an",  "the",  "another", "one", "new",     "more",      "second", "big",    "small", "text", "input",
      "my", "its", "with", "to",      "add", "primary", "secondary", "nice",   "simple", "large", "and"};
  const auto stop = [](const std::string& w) { return skip.contains(w) || namedColor(w).has_value(); };
  for (std::size_t i = 1; i < ws.size(); ++i) {
    if (std::ranges::find(nouns, ws[i]) == nouns.end() || stop(ws[i - 1])) continue;
    std::size_t first = i - 1;
    while (first > 0 && i - first < 3 && !stop(ws[first - 1])) --first;
    std::string phrase = ws[first];
    for (std::size_t j = first + 1; j < i; ++j) phrase += " " + ws[j];
    return phrase;
  }
  return std::nullopt;
}

std::optional<std::string> buttonLabel(const Words& ws) {
  if (has(ws, {"submit"})) return "Submit";
  if (auto before = wordsBefore(ws, {"button"})) return capitalised(*before);
  return std::nullopt;
}

std::string fieldLabel(const Words& ws) {
  static const std::pair<std::string_view, std::string_view> known[] = {
      {"email", "Email"},       {"password", "Password"}, {"name", "Name"},       {"phone", "Phone"},
      {"username", "Username"}, {"search", "Search"},     {"message", "Message"}, {"address", "Address"}};
  for (const auto& [word, label] : known)
    if (has(ws, {word})) return std::string(label);
  if (auto word = wordsBefore(ws, {"field", "input", "textbox"})) return capitalised(*word);
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
    intent.value = buttonLabel(ws).value_or("Get started");
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

/// The first "#0ea5e9" or "#fff" in `text`, in lower case.
std::optional<std::string> hexColor(std::string_view text) {
  for (std::size_t at = text.find('#'); at != std::string_view::npos; at = text.find('#', at + 1)) {
    std::size_t end = at + 1;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end])) && end - at <= 6) ++end;
    const std::size_t digits = end - at - 1;
    if ((digits != 3 && digits != 6) || (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))))
      continue;
    std::string found(text.substr(at, end - at));
    std::ranges::transform(found, found.begin(), [](unsigned char c) { return std::tolower(c); });
    return found;
  }
  return std::nullopt;
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
  std::optional<std::string> hex = hexColor(clause), name = hex;
  for (const auto& w : ws)
    if (!hex)
      if (auto named = namedColor(w)) hex = *named, name = w;
  if (hex) {
    Intent intent{.kind = Intent::Kind::Color, .property = "--accent", .value = *hex, .colorName = *name};
    if (has(ws, {"background", "backdrop", "bg", "card", "surface"}))
      intent.property = "--surface";
    else if (has(ws, {"title", "heading", "headline"}))
      intent.property = "--title";
    else if (has(ws, {"text", "font"}))
      intent.property = "--text";
    else if (has(ws, {"border", "borders", "outline"}))
      intent.property = "--border";
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

/// A word of the prompt and where it is, for requests that keep the rest of
/// the prompt as written.
struct Token {
  std::string word;  ///< lower case
  std::size_t begin = 0, end = 0;
};

std::vector<Token> tokens(std::string_view text) {
  std::vector<Token> out;
  for (std::size_t at = 0; at < text.size();) {
    if (!std::isalnum(static_cast<unsigned char>(text[at]))) {
      ++at;
      continue;
    }
    Token token;
    token.begin = at;
    while (at < text.size() && std::isalnum(static_cast<unsigned char>(text[at])))
      token.word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[at++])));
    token.end = at;
    out.push_back(std::move(token));
  }
  return out;
}

/// Splits text into clauses at , ; ! ? a new line, a full stop and the words
/// "and", "then", "also" and "plus".
void addClauses(std::string_view text, std::vector<Intent>& out) {
  const auto add = [&](std::string_view clause) {
    if (!onlyFiller(words(clause))) out.push_back(clauseIntent(std::string(trim(clause))));
  };
  std::size_t start = 0;
  for (std::size_t at = 0; at <= text.size(); ++at) {
    const bool end =
        at == text.size() || std::string_view(",;!?\n").find(text[at]) != std::string_view::npos ||
        (text[at] == '.' && (at + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[at + 1]))));
    if (!end) continue;
    const std::string_view segment = text.substr(start, at - start);
    std::size_t clauseStart = 0;
    for (const auto& token : tokens(segment))
      if (token.word == "and" || token.word == "then" || token.word == "also" || token.word == "plus") {
        add(segment.substr(clauseStart, token.begin - clauseStart));
        clauseStart = token.end;
      }
    add(segment.substr(clauseStart));
    start = at + 1;
  }
}

/// A request that sets text: words to match in order (each step one of a
/// few words, some optional), then the rest of the prompt is the new text.
struct TextRequest {
  struct Step {
    std::initializer_list<std::string_view> words;
    bool optional = false;
  };
  std::initializer_list<Step> steps;
  Intent::Kind kind;
};

/// Where the new text starts (after the last word matched), when `steps`
/// match the tokens from `at`.
std::optional<std::size_t> match(const std::vector<Token>& ts, std::size_t at, const TextRequest::Step* step,
                                 const TextRequest::Step* last) {
  if (step == last) return at > 0 ? std::optional(ts[at - 1].end) : std::nullopt;
  if (at < ts.size() && std::ranges::find(step->words, ts[at].word) != step->words.end())
    if (auto found = match(ts, at + 1, step + 1, last)) return found;
  if (step->optional) return match(ts, at, step + 1, last);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> buttonLabel(std::string_view text) { return buttonLabel(words(text)); }

std::vector<Intent> parseIntents(std::string_view prompt) {
  // Requests that set text take the rest of the prompt as their value, so
  // "change the title to Plans and Pricing" keeps its "and".
  using K = Intent::Kind;
  static const TextRequest requests[] = {
      {{{{"rename", "call", "name"}}, {{"the", "this"}, true}, {{"it", "this", "component"}}, {{"to", "as"}, true}},
       K::Rename},
      {{{{"change", "set", "make", "update", "rename", "switch"}},
        {{"the"}},
        {{"main"}, true},
        {{"title", "heading", "headline"}},
        {{"text"}, true},
        {{"to", "as", "into"}}},
       K::Title},
      {{{{"title"}}, {{"it"}}}, K::Title},
      {{{{"change", "set", "make", "update", "rename"}},
        {{"the"}},
        {{"button"}},
        {{"s"}, true},
        {{"text", "label"}, true},
        {{"to", "as", "into", "say"}}},
       K::ButtonLabel},
  };
  const std::vector<Token> ts = tokens(prompt);
  for (std::size_t at = 0; at < ts.size(); ++at)
    for (const auto& request : requests) {
      const auto value = match(ts, at, request.steps.begin(), request.steps.end());
      if (!value) continue;
      std::vector<Intent> out;
      addClauses(prompt.substr(0, ts[at].begin), out);
      std::string text = quotedValue(std::string(prompt.substr(*value)));
      if (request.kind == K::Rename) text = pascalCase(text);
      if (text.empty() || (request.kind == K::Rename && text.size() > 64))
        out.push_back(Intent{.kind = K::NotUnderstood, .value = std::string(prompt.substr(ts[at].begin))});
      else
        out.push_back(Intent{.kind = request.kind, .value = std::move(text)});
      return out;
    }
  std::vector<Intent> out;
  addClauses(prompt, out);
  return out;
}

}  // namespace aieditor::server::offline
