// components/render's text work (workspace/ComponentRender): the component's
// own files import their CSS exactly once, and an insert merges imports.
#include <catch2/catch.hpp>
#include <string>

#include "workspace/ComponentRender.h"

using namespace aieditor::server;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

constexpr const char* kBody = "export default function Card() {\n  return <div className=\"card\" />;\n}\n";

}  // namespace

TEST_CASE("render files: the JSX imports its own CSS file exactly once") {
  SECTION("the model's import of it is kept once") {
    auto files = renderFiles("Card", std::string("import React from \"react\";\nimport \"./Card.css\";\n\n") + kBody,
                             ".card {}");
    CHECK(files.jsxFileName == "Card.jsx");
    CHECK(files.cssFileName == "Card.css");
    CHECK(files.css == ".card {}");
    CHECK(files.jsx == std::string("import React from \"react\";\nimport \"./Card.css\";\n\n") + kBody);
  }
  SECTION("imported twice, or under another name, or with single quotes") {
    auto files = renderFiles(
        "Card",
        std::string(
            "import './styles.css';\nimport React from 'react';\nimport \"./Card.css\"\nimport '../x/Card.css';\n\n") +
            kBody,
        "");
    CHECK(count(files.jsx, ".css") == 1);
    CHECK(files.jsx == std::string("import React from 'react';\nimport \"./Card.css\";\n\n") + kBody);
  }
  SECTION("missing: added after the last import") {
    auto files = renderFiles("Card", std::string("import React, { useState } from \"react\";\n\n") + kBody, "");
    CHECK(files.jsx == std::string("import React, { useState } from \"react\";\nimport \"./Card.css\";\n\n") + kBody);
  }
  SECTION("no imports at all: at the top") {
    auto files = renderFiles("Card", kBody, "");
    CHECK(files.jsx == std::string("import \"./Card.css\";\n\n") + kBody);
  }
  SECTION("a package's stylesheet is not the component's: it stays") {
    auto files = renderFiles("Card", std::string("import \"bootstrap/dist/css/bootstrap.css\";\n") + kBody, "");
    CHECK(files.jsx == std::string("import \"bootstrap/dist/css/bootstrap.css\";\nimport \"./Card.css\";\n") + kBody);
  }
  SECTION("names that are no file name are cleaned") {
    CHECK(renderFiles("My Card/../x", kBody, "").jsxFileName == "MyCardx.jsx");
    CHECK(renderFiles("", kBody, "").cssFileName == "Component.css");
    CHECK(renderFiles("../..", kBody, "").jsxFileName == "Component.jsx");
  }
}

TEST_CASE("render insert: imports are merged, never repeated") {
  const std::string component =
      std::string("import React, { useState } from \"react\";\nimport \"./Card.css\";\n\n") + kBody;
  SECTION("into an empty file") {
    auto merged = renderInsert("", component);
    CHECK(merged.insert == kBody);
    CHECK(merged.text == std::string("import React, { useState } from \"react\";\nimport \"./Card.css\";\n\n") + kBody);
  }
  SECTION("default and named imports of a module the file has") {
    const std::string app = "import React, { useEffect } from \"react\";\n\nexport function App() {}\n";
    auto merged = renderInsert(app, component);
    CHECK(count(merged.text, "from \"react\"") == 1);
    CHECK(merged.text == std::string("import React, { useEffect, useState } from \"react\";\nimport \"./Card.css\";\n\n"
                                     "export function App() {}\n\n") +
                             kBody);
  }
  SECTION("a default import gains the names it lacks, in the file's line") {
    auto merged = renderInsert("import React from 'react';\n", component);
    CHECK(merged.text.starts_with("import React, { useState } from \"react\";\nimport \"./Card.css\";\n"));
    CHECK(count(merged.text, "import React") == 1);
  }
  SECTION("an import the file has word for word is not repeated") {
    auto merged = renderInsert(component, component);
    CHECK(count(merged.text, "import React") == 1);
    CHECK(count(merged.text, "./Card.css") == 1);
  }
  SECTION("a named import spread over lines") {
    const std::string app = "import {\n  useMemo,\n  useState,\n} from \"react\";\nconst x = 1;\n";
    auto merged = renderInsert(app, component);
    CHECK(
        merged.text.starts_with("import React, { useMemo, useState } from \"react\";\nimport \"./Card.css\";\n"
                                "const x = 1;\n"));
  }
  SECTION("import * as: kept apart from named imports, not repeated") {
    const std::string app = "import * as React from \"react\";\n";
    auto merged = renderInsert(
        app, "import * as React from \"react\";\nimport { useState } from \"react\";\n" + std::string(kBody));
    CHECK(count(merged.text, "import * as React from \"react\";") == 1);
    CHECK(count(merged.text, "import { useState } from \"react\";") == 1);
  }
  SECTION("side-effect imports once; a module imported for names needs none") {
    const std::string app = "import \"./Card.css\";\nimport \"./index.css\";\n";
    auto merged =
        renderInsert(app, "import \"./Card.css\";\nimport \"./Card.css\";\nimport \"react\";\n" + std::string(kBody));
    CHECK(count(merged.text, "./Card.css") == 1);
    CHECK(count(merged.text, "import \"react\";") == 1);
    auto named = renderInsert("import { useState } from \"react\";\n", "import \"react\";\n" + std::string(kBody));
    CHECK(count(named.text, "\"react\"") == 1);
  }
  SECTION("a different default name for the same module gets its own line") {
    auto merged = renderInsert("import R from \"react\";\n", "import React from \"react\";\n" + std::string(kBody));
    CHECK(count(merged.text, "import R from \"react\";") == 1);
    CHECK(count(merged.text, "import React from \"react\";") == 1);
  }
  SECTION("a file with a default export keeps it; the component's becomes named") {
    auto merged = renderInsert("export default function App() {}\n", component);
    CHECK(count(merged.text, "export default") == 1);
    CHECK(merged.insert.starts_with("export function Card()"));
  }
  SECTION("what is not an import is left alone") {
    const std::string app = "const m = import(\"./lazy\");\nconst s = \"import x from 'y'\";\nimportant();\n";
    auto merged = renderInsert(app, component);
    CHECK(merged.text.starts_with("import React, { useState } from \"react\";\nimport \"./Card.css\";\n\n" + app));
  }
  SECTION("a component without imports goes at the end, the file unchanged") {
    auto merged = renderInsert("const a = 1;", kBody);
    CHECK(merged.text == std::string("const a = 1;\n\n") + kBody);
    CHECK(merged.insert == kBody);
  }
}
