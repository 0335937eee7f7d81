#include "providers/OfflineProvider.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace aieditor::server {
namespace {

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

bool mentions(const std::vector<std::string>& ws, std::initializer_list<std::string_view> any) {
  return std::ranges::any_of(ws, [&](const std::string& w) {
    return std::ranges::any_of(any, [&](std::string_view a) { return w == a; });
  });
}

/// "a pricing card with three tiers" -> "PricingCard".
std::string nameFromPrompt(const std::vector<std::string>& ws) {
  static const std::set<std::string, std::less<>> filler = {
      "a", "an", "the", "with", "and", "for", "of", "to", "in", "on", "make", "create", "build", "me", "please",
      "component", "react", "that", "which", "show", "shows", "showing", "i", "want", "need", "give", "some",
      "simple", "nice", "it", "its", "is", "be", "should", "has", "have", "using", "use", "add", "my", "your",
      "this", "new", "write", "generate", "can", "you", "could", "would", "like", "small", "little", "very",
      "blue", "red", "green", "purple", "orange", "dark", "light", "pink", "teal", "by", "from", "into", "as",
      "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "big", "large"};
  std::string name;
  int taken = 0;
  for (const auto& w : ws) {
    if (taken == 3) break;
    if (filler.contains(w) || std::isdigit(static_cast<unsigned char>(w[0]))) continue;
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    name += w.substr(1);
    ++taken;
  }
  return name.empty() ? "GeneratedComponent" : name;
}

std::string kebab(std::string_view pascal) {
  std::string out;
  for (unsigned char c : pascal) {
    if (std::isupper(c) && !out.empty()) out += '-';
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

/// A JS string literal, safe inside JSX braces.
std::string jsString(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      case '\t': out += ' '; break;
      default:
        if (c < 0x20) break;
        out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::optional<std::string> namedColor(const std::vector<std::string>& ws) {
  static const std::pair<std::string_view, std::string_view> named[] = {
      {"blue", "#2563eb"}, {"red", "#dc2626"},    {"green", "#16a34a"}, {"purple", "#7c3aed"},
      {"orange", "#ea580c"}, {"pink", "#db2777"}, {"teal", "#0d9488"},  {"dark", "#111827"}};
  for (const auto& [word, color] : named)
    if (mentions(ws, {word})) return std::string(color);
  return std::nullopt;
}

std::string accentColor(const std::vector<std::string>& ws, std::string_view name) {
  if (auto color = namedColor(ws)) return *color;
  static const std::string_view palette[] = {"#2563eb", "#7c3aed", "#0d9488", "#ea580c", "#db2777", "#16a34a"};
  std::size_t hash = 0;
  for (unsigned char c : name) hash = hash * 31 + c;
  return std::string(palette[hash % std::size(palette)]);
}

/// Reads back a setting the offline provider wrote into an earlier version.
std::string between(const std::string& text, std::string_view before, std::string_view after) {
  auto start = text.find(before);
  if (start == std::string::npos) return {};
  start += before.size();
  auto end = text.find(after, start);
  return end == std::string::npos ? std::string{} : text.substr(start, end - start);
}

struct Features {
  bool button = false, list = false, form = false, image = false;
};

Features featuresOf(const std::vector<std::string>& ws) {
  return {mentions(ws, {"button", "buttons", "click", "counter", "cta", "toggle"}),
          mentions(ws, {"list", "items", "tiers", "features", "todo", "todos", "menu", "nav", "steps"}),
          mentions(ws, {"form", "input", "login", "signup", "search", "email", "subscribe", "newsletter"}),
          mentions(ws, {"image", "avatar", "photo", "picture", "profile", "logo"})};
}

}  // namespace

std::string offlineReply(const ProviderRequest& request) {
  const auto ws = words(request.prompt);
  const std::string* base = request.current ? &request.current->jsx : nullptr;
  const std::string name = request.current ? request.current->name : nameFromPrompt(ws);
  const std::string cls = kebab(name);

  Features f = featuresOf(ws);
  std::string title = base ? between(*base, "title = ", " }") : "";
  if (title.empty()) title = jsString(request.prompt.substr(0, std::min<std::size_t>(request.prompt.size(), 80)));
  std::string color = accentColor(ws, name);
  if (request.current) {
    // Iterating keeps what the component had, then applies the new prompt.
    const std::string& jsx = request.current->jsx;
    f.button |= jsx.find("__button") != std::string::npos;
    f.list |= jsx.find("__list") != std::string::npos;
    f.form |= jsx.find("__form") != std::string::npos;
    f.image |= jsx.find("__image") != std::string::npos;
    const std::string previous = between(request.current->css, "--accent: ", ";");
    if (!previous.empty() && !namedColor(ws)) color = previous;
  }

  std::ostringstream jsx;
  jsx << "import React" << (f.button || f.form ? ", { useState }" : "") << " from \"react\";\n"
      << "import \"./" << name << ".css\";\n\n"
      << "export default function " << name << "({ title = " << title << " }) {\n";
  if (f.button) jsx << "  const [count, setCount] = useState(0);\n";
  if (f.form) jsx << "  const [value, setValue] = useState(\"\");\n";
  jsx << "  return (\n"
      << "    <section className=\"" << cls << "\">\n";
  if (f.image) jsx << "      <img className=\"" << cls << "__image\" src=\"/avatar.png\" alt=\"\" />\n";
  jsx << "      <h2 className=\"" << cls << "__title\">{title}</h2>\n"
      << "      <p className=\"" << cls << "__body\">{" << jsString(request.prompt) << "}</p>\n";
  if (f.list)
    jsx << "      <ul className=\"" << cls << "__list\">\n"
        << "        {[\"First\", \"Second\", \"Third\"].map((item) => (\n"
        << "          <li key={item} className=\"" << cls << "__item\">{item}</li>\n"
        << "        ))}\n"
        << "      </ul>\n";
  if (f.form)
    jsx << "      <form className=\"" << cls << "__form\" onSubmit={(e) => e.preventDefault()}>\n"
        << "        <input value={value} onChange={(e) => setValue(e.target.value)} placeholder=\"Type here\" />\n"
        << "        <button type=\"submit\">Send</button>\n"
        << "      </form>\n";
  if (f.button)
    jsx << "      <button className=\"" << cls << "__button\" onClick={() => setCount(count + 1)}>\n"
        << "        Clicked {count} times\n"
        << "      </button>\n";
  jsx << "    </section>\n"
      << "  );\n"
      << "}\n";

  std::ostringstream css;
  css << "." << cls << " {\n"
      << "  --accent: " << color << ";\n"
      << "  display: flex;\n  flex-direction: column;\n  gap: 0.75rem;\n"
      << "  padding: 1.5rem;\n  border-radius: 12px;\n"
      << "  border: 1px solid color-mix(in srgb, var(--accent) 25%, transparent);\n"
      << "  font-family: system-ui, sans-serif;\n}\n\n"
      << "." << cls << "__title {\n  margin: 0;\n  color: var(--accent);\n}\n\n"
      << "." << cls << "__body {\n  margin: 0;\n  color: #374151;\n}\n";
  if (f.image) css << "\n." << cls << "__image {\n  width: 96px;\n  height: 96px;\n  border-radius: 50%;\n}\n";
  if (f.list) css << "\n." << cls << "__list {\n  margin: 0;\n  padding-left: 1.25rem;\n}\n";
  if (f.form) css << "\n." << cls << "__form {\n  display: flex;\n  gap: 0.5rem;\n}\n";
  if (f.button)
    css << "\n." << cls << "__button {\n  align-self: flex-start;\n  padding: 0.5rem 1rem;\n  border: 0;\n"
        << "  border-radius: 8px;\n  background: var(--accent);\n  color: white;\n  cursor: pointer;\n}\n";

  std::ostringstream reply;
  reply << (request.current ? "Here is the updated `" : "Here is `") << name
        << "`, a React function component, with its styles.\n\n"
        << "```jsx\n" << jsx.str() << "```\n\n"
        << "```css\n" << css.str() << "```\n";
  return reply.str();
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
