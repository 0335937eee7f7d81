// A component as the editor writes it (components/render): to its own files,
// the JSX importing its CSS exactly once, or into an existing file with the
// imports merged. Pure functions on text, so the adapters stay thin.
#pragma once

#include <string>
#include <string_view>

namespace aieditor::server {

struct RenderedFiles {
  std::string jsx;  ///< imports `./<cssFileName>` exactly once
  std::string css;
  std::string jsxFileName;  ///< <Name>.jsx
  std::string cssFileName;  ///< <Name>.css
};

/// The component's own files. `name` becomes the file names (characters
/// other than letters, digits, `_` and `-` left out; "Component" when none
/// is left). Every import of a relative `.css` file the JSX had is replaced
/// by one `import "./<Name>.css";` after its last import.
RenderedFiles renderFiles(std::string_view name, std::string_view jsx, std::string_view css);

struct RenderedInsert {
  std::string insert;  ///< the JSX without the imports, to go into the file
  std::string text;    ///< `existing` with the imports merged and `insert` at its end
};

/// The component's JSX merged into `existing`: its imports join the file's
/// (a module already imported gains only the names it lacks; an import the
/// file has is not repeated), and its code goes at the end. When the file
/// already has a default export, the component's `export default` becomes a
/// named export.
RenderedInsert renderInsert(std::string_view existing, std::string_view jsx);

}  // namespace aieditor::server
