// components/render's text work: finding the import declarations at the
// start of lines, merging them, and writing them back in one style (double
// quotes, semicolons). Anything that does not parse as an import is left as
// written: this is not a JavaScript parser, only enough of one for imports.
#include "workspace/ComponentRender.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace aieditor::server {

namespace {

constexpr std::string_view kSpace = " \t\r\n";

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

/// One `import ... from "module";` (or `import "module";`) declaration.
struct Import {
  std::size_t begin = 0;  ///< where its line starts
  std::size_t end = 0;    ///< after the declaration and its line's end
  std::string module;
  std::optional<std::string> defaultName;
  std::optional<std::string> namespaceName;
  bool braces = false;             ///< has `{ ... }` (perhaps empty)
  std::vector<std::string> named;  ///< as written: "a", "b as c"
  bool sideEffect() const { return !defaultName && !namespaceName && !braces; }
};

bool isIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

/// Where `word` next stands alone (not part of a longer name) from `pos`.
std::size_t findWord(std::string_view text, std::string_view word, std::size_t pos) {
  for (pos = text.find(word, pos); pos != std::string_view::npos; pos = text.find(word, pos + 1)) {
    const std::size_t after = pos + word.size();
    if ((pos == 0 || !isIdentifierChar(text[pos - 1])) && (after >= text.size() || !isIdentifierChar(text[after])))
      return pos;
  }
  return std::string_view::npos;
}

/// The keyword after `pos` and spaces, if `keyword` is next; else npos.
std::size_t keywordAfter(std::string_view text, std::size_t pos, std::string_view keyword) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  return findWord(text, keyword, pos) == pos ? pos : std::string_view::npos;
}

/// Where a line's `export default` begins (its `default`), or npos.
std::size_t findDefaultExport(std::string_view text) {
  for (std::size_t line = 0; line < text.size();) {
    const std::size_t exportAt = keywordAfter(text, line, "export");
    if (exportAt != std::string_view::npos) {
      const std::size_t defaultAt = keywordAfter(text, exportAt + 6, "default");
      if (defaultAt != std::string_view::npos) return defaultAt;
    }
    const std::size_t next = text.find('\n', line);
    if (next == std::string_view::npos) break;
    line = next + 1;
  }
  return std::string_view::npos;
}

/// A quoted string at `pos` (after spaces): its content, and `pos` moved past it.
std::optional<std::string> readString(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && kSpace.find(text[pos]) != std::string_view::npos) ++pos;
  if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) return std::nullopt;
  const char quote = text[pos];
  const std::size_t close = text.find(quote, pos + 1);
  if (close == std::string_view::npos || text.substr(pos + 1, close - pos - 1).find('\n') != std::string_view::npos)
    return std::nullopt;
  std::string value(text.substr(pos + 1, close - pos - 1));
  pos = close + 1;
  return value;
}

/// The clause between `import` and `from`: a default name, `* as N`, `{ ... }`.
bool parseClause(std::string_view clause, Import& out) {
  clause = trim(clause);
  while (!clause.empty()) {
    if (clause.front() == '{') {
      const std::size_t close = clause.find('}');
      if (close == std::string_view::npos || out.braces) return false;
      out.braces = true;
      std::string_view names = clause.substr(1, close - 1);
      while (!names.empty()) {
        const std::size_t comma = names.find(',');
        if (std::string_view name = trim(names.substr(0, comma)); !name.empty()) out.named.emplace_back(name);
        names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
      }
      clause = trim(clause.substr(close + 1));
    } else if (clause.front() == '*') {
      std::string_view rest = trim(clause.substr(1));
      if (!rest.starts_with("as") || rest.size() < 3 || isIdentifierChar(rest[2])) return false;
      rest = trim(rest.substr(2));
      std::size_t n = 0;
      while (n < rest.size() && isIdentifierChar(rest[n])) ++n;
      if (n == 0 || out.namespaceName) return false;
      out.namespaceName = std::string(rest.substr(0, n));
      clause = trim(rest.substr(n));
    } else {
      std::size_t n = 0;
      while (n < clause.size() && isIdentifierChar(clause[n])) ++n;
      if (n == 0 || out.defaultName || out.braces || out.namespaceName) return false;
      out.defaultName = std::string(clause.substr(0, n));
      clause = trim(clause.substr(n));
    }
    if (clause.empty()) break;
    if (clause.front() != ',') return false;
    clause = trim(clause.substr(1));
  }
  return out.defaultName || out.namespaceName || out.braces;
}

/// The declaration starting at `begin` (a line's start), if it is an import.
std::optional<Import> parseImport(std::string_view text, std::size_t begin) {
  std::size_t pos = begin;
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  if (!text.substr(pos).starts_with("import")) return std::nullopt;
  pos += 6;
  if (pos >= text.size() || isIdentifierChar(text[pos]) || text[pos] == '(' || text[pos] == '.') return std::nullopt;
  Import found;
  found.begin = begin;
  std::size_t after = pos;
  if (auto module = readString(text, after)) {
    found.module = std::move(*module);
  } else {
    // The clause ends at the `from` after any braces (which may span lines).
    std::size_t from = pos;
    const std::size_t brace = text.find('{', pos);
    if (brace != std::string_view::npos && brace < findWord(text, "from", pos)) from = text.find('}', brace);
    if (from == std::string_view::npos) return std::nullopt;
    from = findWord(text, "from", from);
    if (from == std::string_view::npos || !parseClause(text.substr(pos, from - pos), found)) return std::nullopt;
    after = from + 4;
    auto quoted = readString(text, after);
    if (!quoted) return std::nullopt;
    found.module = std::move(*quoted);
  }
  while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
  if (after < text.size() && text[after] == ';') ++after;
  while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\r')) ++after;
  if (after < text.size() && text[after] != '\n') return std::nullopt;  // more code on the line: leave it
  found.end = after < text.size() ? after + 1 : after;
  return found;
}

/// Every import declaration that starts a line, in order.
std::vector<Import> parseImports(std::string_view text) {
  std::vector<Import> imports;
  std::size_t line = 0;
  while (line < text.size()) {
    if (auto found = parseImport(text, line)) {
      line = found->end;
      imports.push_back(std::move(*found));
      continue;
    }
    const std::size_t next = text.find('\n', line);
    if (next == std::string_view::npos) break;
    line = next + 1;
  }
  return imports;
}

std::string render(const Import& i) {
  std::string clause;
  auto add = [&clause](const std::string& part) { clause += (clause.empty() ? "" : ", ") + part; };
  if (i.defaultName) add(*i.defaultName);
  if (i.namespaceName) add("* as " + *i.namespaceName);
  if (i.braces) {
    std::string names;
    for (const std::string& name : i.named) names += (names.empty() ? "" : ", ") + name;
    add(names.empty() ? "{}" : "{ " + names + " }");
  }
  return "import " + (clause.empty() ? "" : clause + " from ") + "\"" + i.module + "\";\n";
}

/// `text` with each import replaced by what `replace` gives (empty: removed)
/// and `added` after the last import (at the top, before a blank line, when
/// there is none).
template <class Replace>
std::string rewrite(std::string_view text, const std::vector<Import>& imports, Replace replace,
                    const std::string& added) {
  if (imports.empty())
    return added.empty() || text.empty() ? added + std::string(text) : added + "\n" + std::string(text);
  std::string out;
  std::size_t cursor = 0;
  for (const Import& i : imports) {
    out.append(text.substr(cursor, i.begin - cursor));
    out += replace(i);
    cursor = i.end;
  }
  out += added;
  out.append(text.substr(cursor));
  return out;
}

bool isRelativeCss(const std::string& module) {
  return (module.starts_with("./") || module.starts_with("../")) && module.ends_with(".css");
}

std::string fileStem(std::string_view name) {
  std::string stem;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') stem += c;
  return stem.empty() ? "Component" : stem;
}

std::string original(std::string_view text, const Import& i) {
  std::string line(text.substr(i.begin, i.end - i.begin));
  if (!line.ends_with('\n')) line += '\n';
  return line;
}

/// Folds `next` into the imports `into`: true when it needs a declaration of its own.
bool mergeInto(std::vector<Import>& into, std::vector<bool>& changed, const Import& next) {
  for (std::size_t k = 0; k < into.size(); ++k) {
    Import& have = into[k];
    if (have.module != next.module) continue;
    if (next.sideEffect()) return false;  // the module is imported already
    if (next.namespaceName) {
      if (have.namespaceName == next.namespaceName) return false;
      continue;
    }
    if (have.namespaceName || have.sideEffect()) continue;
    if (next.defaultName && have.defaultName && have.defaultName != next.defaultName) continue;
    if (next.defaultName && !have.defaultName) {
      have.defaultName = next.defaultName;
      changed[k] = true;
    }
    for (const std::string& name : next.named) {
      if (std::find(have.named.begin(), have.named.end(), name) != have.named.end()) continue;
      have.named.push_back(name);
      have.braces = true;
      changed[k] = true;
    }
    return false;
  }
  return true;
}

}  // namespace

RenderedFiles renderFiles(std::string_view name, std::string_view jsx, std::string_view css) {
  const std::string stem = fileStem(name);
  RenderedFiles files{{}, std::string(css), stem + ".jsx", stem + ".css"};
  const std::vector<Import> imports = parseImports(jsx);
  files.jsx = rewrite(
      jsx, imports,
      [&](const Import& i) { return i.sideEffect() && isRelativeCss(i.module) ? std::string() : original(jsx, i); },
      "import \"./" + files.cssFileName + "\";\n");
  return files;
}

RenderedInsert renderInsert(std::string_view existing, std::string_view jsx) {
  std::vector<Import> merged = parseImports(existing);
  std::vector<bool> changed(merged.size(), false);
  std::vector<Import> added;
  std::vector<bool> addedChanged;
  for (const Import& next : parseImports(jsx)) {
    if (!mergeInto(merged, changed, next)) continue;
    if (!mergeInto(added, addedChanged, next)) continue;
    added.push_back(next);
    addedChanged.push_back(false);
  }
  std::string addedText;
  for (const Import& i : added) addedText += render(i);
  std::size_t index = 0;
  std::string text = rewrite(
      existing, merged, [&](const Import& i) { return changed[index++] ? render(i) : original(existing, i); },
      addedText);

  RenderedInsert result;
  std::string body = rewrite(
      jsx, parseImports(jsx), [](const Import&) { return std::string(); }, "");
  body.erase(0, std::min(body.find_first_not_of("\r\n"), body.size()));
  // Two default exports would not compile: the file keeps its own, and a
  // default function or class of the component becomes a named export.
  if (findDefaultExport(text) != std::string_view::npos) {
    if (const std::size_t at = findDefaultExport(body); at != std::string_view::npos) {
      const std::size_t declaration = at + 7;
      if (keywordAfter(body, declaration, "function") != std::string_view::npos ||
          keywordAfter(body, declaration, "class") != std::string_view::npos)
        body.erase(at, body.find_first_not_of(" \t", declaration) - at);
    }
  }
  if (!body.empty() && !body.ends_with('\n')) body += '\n';
  if (!text.empty() && !text.ends_with('\n')) text += '\n';
  if (!text.empty() && !body.empty()) text += '\n';
  text += body;
  result.insert = std::move(body);
  result.text = std::move(text);
  return result;
}

}  // namespace aieditor::server
