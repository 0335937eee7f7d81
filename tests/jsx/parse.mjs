// Parses every .jsx file of a folder with esbuild (the VS Code adapter's
// devDependency), as a bundler would before the preview runs it; exits
// non-zero on the first file that is not valid JSX, or when there is none.
//
//   node tests/jsx/parse.mjs FOLDER
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node parse.mjs FOLDER");
  process.exit(2);
}
const adapter = join(dirname(fileURLToPath(import.meta.url)), "../../adapters/vscode/package.json");
let esbuild;
try {
  esbuild = createRequire(adapter)("esbuild");
} catch (error) {
  console.error(`esbuild is not installed in adapters/vscode (tests/jsx/install.sh installs it): ${error.message}`);
  process.exit(2);
}

const files = readdirSync(folder).filter((name) => name.endsWith(".jsx")).sort();
if (files.length === 0) {
  console.error(`no .jsx file in ${folder}`);
  process.exit(1);
}
let failed = 0;
for (const name of files) {
  const code = readFileSync(join(folder, name), "utf8");
  try {
    await esbuild.transform(code, { loader: "jsx", sourcefile: name });
  } catch (error) {
    failed++;
    console.error(`${name}: not valid JSX\n${error.message}\n--- ${name}\n${code}`);
  }
}
console.log(`${files.length - failed} of ${files.length} components parse as JSX (esbuild ${esbuild.version})`);
process.exit(failed === 0 ? 0 : 1);
