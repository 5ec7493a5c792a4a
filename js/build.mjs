// Bundle js/src into nblabel/static/widget.{js,css}. Deterministic: no sourcemap,
// no banner, so a rebuild is byte-identical (CI checks `git diff` on the output).
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../nblabel/static");
const watch = process.argv.includes("--watch");

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "info",
  target: "es2020",
};

const configs = [
  {
    ...common,
    entryPoints: [resolve(here, "src/index.ts")],
    outfile: resolve(out, "widget.js"),
    format: "esm",
    platform: "browser",
    define: { "define.amd": "false" },
  },
  {
    ...common,
    entryPoints: [resolve(here, "src/widget.css")],
    outfile: resolve(out, "widget.css"),
  },
];

if (watch) {
  for (const c of configs) {
    const ctx = await esbuild.context(c);
    await ctx.watch();
  }
  console.log("watching js/src ...");
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
