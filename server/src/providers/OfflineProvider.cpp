#include "providers/OfflineProvider.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "providers/OfflineDesign.h"
#include "providers/OfflineEdits.h"
#include "providers/OfflineIntents.h"
#include "providers/OfflineReadBack.h"

namespace aieditor::server {
namespace {

using namespace offline;

bool mentions(const std::vector<std::string>& ws, std::initializer_list<std::string_view> any) {
  return std::ranges::any_of(ws, [&](const std::string& w) { return std::ranges::find(any, w) != any.end(); });
}

const std::set<std::string, std::less<>>& filler() {
  static const std::set<std::string, std::less<>> words = {
      "a",     "an",      "the",   "with",   "and",      "for",       "of",     "to",     "in",    "on",
      "make",  "create",  "build", "me",     "please",   "component", "react",  "that",   "which", "show",
      "shows", "showing", "i",     "want",   "need",     "give",      "some",   "simple", "nice",  "it",
      "its",   "is",      "be",    "should", "has",      "have",      "using",  "use",    "add",   "my",
      "your",  "this",    "new",   "write",  "generate", "can",       "you",    "could",  "would", "like",
      "small", "little",  "very",  "blue",   "red",      "green",     "purple", "orange", "dark",  "light",
      "pink",  "teal",    "by",    "from",   "into",     "as",        "one",    "two",    "three", "four",
      "five",  "six",     "seven", "eight",  "nine",     "ten",       "big",    "large"};
  return words;
}

/// "a pricing card with three tiers" -> "PricingCard".
std::string nameFromPrompt(const std::vector<std::string>& ws) {
  std::string name;
  int taken = 0;
  for (const auto& w : ws) {
    if (taken == 3) break;
    if (filler().contains(w) || std::isdigit(static_cast<unsigned char>(w[0]))) continue;
    name += pascalCase(w);
    ++taken;
  }
  return name.empty() ? "GeneratedComponent" : name;
}

/// "a pricing card with three tiers" -> "Pricing card": the words before the
/// first "with", "and", ..., in sentence case.
std::string titleFromPrompt(const std::vector<std::string>& ws) {
  std::string title;
  for (const auto& w : ws) {
    if (mentions({w}, {"with", "and", "that", "which", "for", "where", "showing", "in", "using"})) {
      if (!title.empty()) break;
      continue;
    }
    if (filler().contains(w) || std::isdigit(static_cast<unsigned char>(w[0]))) continue;
    title += (title.empty() ? pascalCase(w) : " " + w);
  }
  return title.empty() ? "Hello" : title;
}

std::string accentColor(const std::vector<std::string>& ws, std::string_view name) {
  for (const auto& w : ws)
    if (auto color = namedColor(w)) return *color;
  static const std::string_view palette[] = {"#2563eb", "#7c3aed", "#0d9488", "#ea580c", "#db2777", "#16a34a"};
  std::size_t hash = 0;
  for (unsigned char c : name) hash = hash * 31 + c;
  return std::string(palette[hash % std::size(palette)]);
}

std::size_t countIn(const std::vector<std::string>& ws) {
  static const std::string_view numbers[] = {"two", "three", "four", "five", "six"};
  for (const auto& w : ws)
    for (std::size_t i = 0; i < std::size(numbers); ++i)
      if (w == numbers[i] || w == std::to_string(i + 2)) return i + 2;
  return 3;
}

/// The first version: a title, a line of text and the parts the prompt names.
Design designFromPrompt(const std::string& prompt) {
  const auto ws = words(prompt);
  Design design;
  design.name = nameFromPrompt(ws);
  design.title = titleFromPrompt(ws);
  design.properties = defaultProperties(accentColor(ws, design.name));

  const bool login = mentions(ws, {"login", "signin", "sign", "log"});
  const bool pricing = mentions(ws, {"pricing", "price", "prices", "plans", "plan", "tiers", "subscription"});
  std::string text = "A short description of what this is for.";
  if (login)
    text = "Welcome back. Sign in to continue.";
  else if (pricing)
    text = "Pick the plan that fits you.";
  else if (mentions(ws, {"profile", "avatar", "user"}))
    text = "Designer, developer and tea enthusiast.";
  else if (mentions(ws, {"todo", "todos", "tasks"}))
    text = "What needs doing today.";
  if (mentions(ws, {"image", "avatar", "photo", "picture", "profile", "logo", "hero", "gallery"}))
    design.parts.push_back(Part{.kind = PartKind::Image});
  design.parts.push_back(Part{.kind = PartKind::Text, .text = text});

  if (mentions(ws, {"list", "items", "tiers", "plans", "features", "todo", "todos", "tasks", "menu", "nav", "steps"})) {
    Part list{.kind = PartKind::List};
    static const std::string_view tiers[] = {"Basic", "Pro", "Team", "Business", "Enterprise", "Custom"};
    static const std::string_view todos[] = {"Buy milk", "Walk the dog",     "Ship the release",
                                             "Call mum", "Water the plants", "Read a book"};
    const std::size_t count = countIn(ws);
    for (std::size_t i = 0; i < count; ++i)
      list.items.emplace_back(pricing                                    ? std::string(tiers[i])
                              : mentions(ws, {"todo", "todos", "tasks"}) ? std::string(todos[i])
                                                                         : "Item " + std::to_string(i + 1));
    design.parts.push_back(std::move(list));
  }

  // A button's label is the word before "button" ("a subscribe button").
  const bool wantsButton = mentions(ws, {"button", "buttons", "cta", "counter", "toggle"});
  const std::optional<std::string> named = buttonLabel(prompt);
  if (login || mentions(ws, {"form", "input", "signup", "register", "search", "email", "newsletter", "contact"})) {
    Part form{.kind = PartKind::Form};
    if (login)
      form.children = {Part{.kind = PartKind::Field, .text = "Email"},
                       Part{.kind = PartKind::Field, .text = "Password"}};
    else if (mentions(ws, {"search"}))
      form.children = {Part{.kind = PartKind::Field, .text = "Search"}};
    else if (mentions(ws, {"contact"}))
      form.children = {Part{.kind = PartKind::Field, .text = "Name"}, Part{.kind = PartKind::Field, .text = "Email"},
                       Part{.kind = PartKind::Field, .text = "Message"}};
    else
      form.children = {Part{.kind = PartKind::Field, .text = "Email"}};
    const std::string label = named ? *named : login ? "Sign in" : mentions(ws, {"search"}) ? "Search" : "Send";
    form.children.push_back(Part{.kind = PartKind::Button, .text = label, .submit = true});
    design.parts.push_back(std::move(form));
  } else if (wantsButton) {
    design.parts.push_back(Part{.kind = PartKind::Button, .text = named.value_or("Get started")});
  }

  // "a dark pricing card", "with rounded corners": the style it asks for.
  for (const auto& intent : parseIntents(prompt))
    if (isStyle(intent)) (void)applyStyle(intent, design.properties);
  return design;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? (items.size() > 2 ? ", and " : " and ") : ", ";
    out += items[i];
  }
  return out;
}

/// At most 80 bytes of `text`, cut between UTF-8 characters, for quoting.
std::string shortened(const std::string& text) {
  if (text.size() <= 80) return text;
  std::size_t cut = 77;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

/// The code blocks; a fence closes on a line of its own, also after hand-written
/// code without a final new line.
std::string fenced(const Rendered& code) {
  const auto block = [](std::string_view language, const std::string& body) {
    return "```" + std::string(language) + "\n" + body + (body.empty() || body.ends_with('\n') ? "" : "\n") + "```\n";
  };
  return block("jsx", code.jsx) + "\n" + block("css", code.css);
}

std::string firstReply(const std::string& prompt) {
  const Design design = designFromPrompt(prompt);
  std::vector<std::string> parts = {"a title", "a line of text"};
  for (const auto& part : design.parts)
    if (part.kind != PartKind::Text) parts.push_back("a " + std::string(describe(part.kind)));
  return "Here is `" + design.name + "`, a React function component, with its styles: " + join(parts) +
         ". Its colours, corners and spacing are CSS custom properties on its root class.\n\n" + fenced(render(design));
}

std::string iterationReply(const protocol::Component& current, const std::string& prompt) {
  std::optional<Design> design = readBack(current.jsx, current.css);
  Properties properties = design ? design->properties : cssProperties(current.css);
  std::vector<std::string> done, failed, unknown;
  std::vector<Intent> intents = parseIntents(prompt);
  if (intents.empty()) intents.push_back(Intent{.kind = Intent::Kind::NotUnderstood, .value = prompt});
  for (const auto& intent : intents) {
    if (intent.kind == Intent::Kind::NotUnderstood) {
      unknown.push_back("\"" + shortened(intent.value) + "\"");
      continue;
    }
    std::expected<std::string, std::string> result = std::unexpected(
        std::string("the component was edited by hand, so I only change the custom properties of its CSS"));
    if (isStyle(intent))
      result = applyStyle(intent, properties);
    else if (design)
      result = applyStructure(intent, *design);
    if (result)
      done.push_back(*result);
    else if (std::ranges::find(failed, result.error()) == failed.end())
      failed.push_back(result.error());
  }

  Rendered code{current.jsx, withProperties(current.css, properties)};
  if (design) {
    design->properties = properties;
    code = render(*design);
  }
  const std::string name = design ? design->name : current.name;
  std::string prose =
      done.empty() ? "I left `" + name + "` as it was." : "Here is the updated `" + name + "`: I " + join(done) + ".";
  if (!failed.empty()) prose += " I could not do everything you asked: " + join(failed) + ".";
  if (!unknown.empty())
    prose += " I did not understand " + join(unknown) +
             ", so I changed nothing for it. I can switch to a dark or light theme, change colours (by name or "
             "hex), make it bigger, smaller, more compact or rounder, add or remove a button, input field, list "
             "item, image placeholder, heading or form, and change the title, the button's label or the "
             "component's name.";
  return prose + "\n\n" + fenced(code);
}

}  // namespace

std::string offlineReply(const ProviderRequest& request) {
  return request.current ? iterationReply(*request.current, request.prompt) : firstReply(request.prompt);
}

OfflineProvider::OfflineProvider(Scheduler& scheduler, std::chrono::milliseconds pause)
    : scheduler_(scheduler), pause_(pause) {}

void OfflineProvider::stream(const ProviderRequest& request, protocol::CancelToken token, StreamHandlers handlers) {
  // Split the reply into chunks of a few lines, as a model's stream would arrive.
  const std::string reply = offlineReply(request);
  auto chunks = std::make_shared<std::vector<std::string>>();
  std::size_t start = 0, lines = 0;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    if (reply[i] == '\n' && ++lines % 4 == 0) {
      chunks->push_back(reply.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < reply.size()) chunks->push_back(reply.substr(start));

  std::size_t promptChars = request.systemPrompt.size() + request.prompt.size();
  for (const auto& turn : request.history) promptChars += turn.content.size();
  Completion completion{model(), protocol::Usage{static_cast<std::int64_t>(promptChars / 4 + 1),
                                                 static_cast<std::int64_t>(reply.size() / 4 + 1)}};

  auto step = std::make_shared<std::function<void(std::size_t)>>();
  *step = [&scheduler = scheduler_, pause = pause_, chunks, token, handlers, completion,
           weakStep = std::weak_ptr(step)](std::size_t next) {
    auto self = weakStep.lock();
    if (token.cancelled()) return handlers.onDone(std::unexpected(ProviderError{ProviderError::Kind::Cancelled, "cancelled"}));
    if (next == chunks->size()) return handlers.onDone(completion);
    handlers.onDelta((*chunks)[next]);
    scheduler.after(pause, [self, next] { (*self)(next + 1); });
  };
  scheduler_.after(pause_, [step] { (*step)(0); });
}

}  // namespace aieditor::server
