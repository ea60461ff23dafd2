/**
 * Octorank's layers, as lint rules (eslint.config.mjs says which folder gets which):
 * - `only-imports`: a folder imports nothing of ours outside itself, and only the packages named
 *   (ml/: the model library, reusable without the app);
 * - `no-imports-from`: a folder never imports these folders (app/ and components/ reach the
 *   database only through lib/);
 * - `server-only`: a module that touches the database, files or processes says `import "server-only"`,
 *   so Next refuses to bundle it, or anything that imports it, into the browser;
 * - `no-sql`: a folder prepares no SQL (lib/ keeps the domain rules and reaches the database through
 *   a Store, db/store/): no query builder or driver, no database handle, no raw statement.
 * Import paths are resolved the way tsconfig.json resolves them (`@/` is the repository root).
 */
import path from "node:path";
import { builtinModules } from "node:module";

const ROOT = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const BUILTINS = new Set(builtinModules);

/** What an import names: a file of ours (repository-relative), a Node builtin, or a package. */
function resolveImport(source, filename) {
  if (source.startsWith("@/")) return { kind: "ours", path: path.posix.normalize(source.slice(2)) };
  if (source.startsWith(".")) {
    const absolute = path.resolve(path.dirname(filename), source);
    return { kind: "ours", path: path.relative(ROOT, absolute).split(path.sep).join("/") };
  }
  if (source.startsWith("node:") || BUILTINS.has(source.split("/")[0])) return { kind: "builtin", name: source };
  const parts = source.split("/");
  return { kind: "package", name: source.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0] };
}

const inside = (file, dir) => file === dir || file.startsWith(`${dir}/`);

/** Calls `check(node, source)` for every import, re-export and dynamic import with a literal path. */
function eachImport(check) {
  const fromSource = (node) => {
    if (node.source && typeof node.source.value === "string") check(node, node.source.value);
  };
  return {
    ImportDeclaration: fromSource,
    ExportNamedDeclaration: fromSource,
    ExportAllDeclaration: fromSource,
    ImportExpression(node) {
      if (node.source.type === "Literal" && typeof node.source.value === "string") check(node, node.source.value);
    },
  };
}

const onlyImports = {
  meta: {
    type: "problem",
    docs: { description: "A folder imports nothing of ours outside itself, and only the packages named." },
    schema: [
      {
        type: "object",
        properties: { within: { type: "string" }, packages: { type: "array", items: { type: "string" } } },
        required: ["within", "packages"],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { within, packages } = context.options[0];
    return eachImport((node, source) => {
      const target = resolveImport(source, context.filename);
      if (target.kind === "ours" && !inside(target.path, within))
        context.report({ node, message: `${within}/ imports nothing of ours outside ${within}/ (here: "${source}").` });
      if (target.kind === "package" && !packages.includes(target.name))
        context.report({
          node,
          message: `${within}/ imports only ${packages.join(", ")} and Node's builtins (here: "${source}").`,
        });
    });
  },
};

const noImportsFrom = {
  meta: {
    type: "problem",
    docs: { description: "A folder never imports these folders." },
    schema: [
      {
        type: "object",
        properties: { folders: { type: "array", items: { type: "string" } }, reason: { type: "string" } },
        required: ["folders", "reason"],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { folders, reason } = context.options[0];
    return eachImport((node, source) => {
      const target = resolveImport(source, context.filename);
      const folder = target.kind === "ours" && folders.find((f) => inside(target.path, f));
      if (folder) context.report({ node, message: `No import from ${folder}/ here: ${reason} (here: "${source}").` });
    });
  },
};

/**
 * Types alone touch nothing (a row type from db/schema), but a module handed a `Db` runs queries on
 * it whether or not it imports anything else.
 */
function typeOnlyWithoutDb(node) {
  if (node.type !== "ImportDeclaration") return false;
  const specifiers = node.specifiers ?? [];
  const typeOnly =
    node.importKind === "type" || (specifiers.length > 0 && specifiers.every((s) => s.importKind === "type"));
  return typeOnly && !specifiers.some((s) => s.imported?.name === "Db");
}

const serverOnly = {
  meta: {
    type: "problem",
    docs: { description: 'A module that touches the database, files or processes says `import "server-only"`.' },
    schema: [
      {
        type: "object",
        properties: {
          folders: { type: "array", items: { type: "string" } },
          builtins: { type: "array", items: { type: "string" } },
          packages: { type: "array", items: { type: "string" } },
        },
        required: ["folders", "builtins", "packages"],
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { folders, builtins, packages } = context.options[0];
    const touches = [];
    let marked = false;
    return {
      ...eachImport((node, source) => {
        if (source === "server-only") {
          marked = true;
          return;
        }
        if (typeOnlyWithoutDb(node)) return;
        const target = resolveImport(source, context.filename);
        const hit =
          (target.kind === "ours" && folders.some((f) => inside(target.path, f) || target.path === f)) ||
          (target.kind === "builtin" && builtins.includes(target.name.replace(/^node:/, "").split("/")[0])) ||
          (target.kind === "package" && packages.includes(target.name));
        if (hit) touches.push({ node, source });
      }),
      "Program:exit"() {
        if (marked || touches.length === 0) return;
        context.report({
          node: touches[0].node,
          message: `This module touches the server ("${touches.map((t) => t.source).join('", "')}"): begin it with \`import "server-only";\`.`,
        });
      },
    };
  },
};

const noSql = {
  meta: {
    type: "problem",
    docs: { description: "A folder prepares no SQL: it reaches the database through a Store (db/store/)." },
    schema: [],
  },
  create(context) {
    const report = (node, what) =>
      context.report({
        node,
        message: `No SQL here (${what}): put the query in db/store/ and call it through a Store.`,
      });
    return {
      ...eachImport((node, source) => {
        const target = resolveImport(source, context.filename);
        if (target.kind === "package" && (target.name === "drizzle-orm" || target.name === "better-sqlite3"))
          return report(node, `"${source}"`);
        if (target.kind !== "ours" || !inside(target.path, "db")) return;
        const specifiers = node.specifiers ?? [];
        // The Store's own module is lib's way in.
        if (target.path === "db/store" || target.path === "db/store/index") return;
        // Types of the stores' rows and interfaces are fine; a handle, the schema or a statement helper is SQL.
        const typeOnly =
          node.type === "ImportDeclaration" &&
          (node.importKind === "type" || (specifiers.length > 0 && specifiers.every((s) => s.importKind === "type")));
        const namesDb = specifiers.some((s) => s.imported?.name === "Db");
        if (!typeOnly || namesDb) report(node, `"${source}"`);
      }),
      MemberExpression(node) {
        if (node.property.type === "Identifier" && node.property.name === "$client") report(node, "$client");
      },
      CallExpression(node) {
        if (node.callee.type === "MemberExpression" && node.callee.property.name === "prepare")
          report(node, ".prepare()");
      },
      TaggedTemplateExpression(node) {
        if (node.tag.type === "Identifier" && node.tag.name === "sql") report(node, "sql`…`");
      },
    };
  },
};

export default {
  rules: { "only-imports": onlyImports, "no-imports-from": noImportsFrom, "server-only": serverOnly, "no-sql": noSql },
};
