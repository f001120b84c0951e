// Builds the CommonJS entry of the package from the ES modules in src/ (the one source of truth), with no
// dependencies: dist/index.cjs holds every module of src/ wrapped in its own function scope, in import order,
// and exports what src/index.js exports; dist/index.d.cts carries src/index.d.ts for `require` users.
// Run by `npm pack` and `npm ci` (the `prepare` script), or by hand with `npm run build`.
//
// It understands the module syntax src/ uses and refuses anything else, so that a new construct fails the
// build instead of producing a broken file:
//   import { a, b as c } from './x.js';        (one line)
//   export class X / export function x / export const X
//   export { a, b } from './x.js';             (in index.js)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*'\.\/([\w-]+)\.js';\s*$/;
const REEXPORT = /^export\s*\{([^}]*)\}\s*from\s*'\.\/([\w-]+)\.js';\s*$/;
const DECLARATION = /^export\s+(?:async\s+)?(class|function\*?|const|let)\s+([A-Za-z_$][\w$]*)/;

function names(list) {
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(s);
    if (!m) throw new Error(`unsupported import or export specifier: ${s}`);
    return { name: m[1], local: m[2] || m[1] };
  });
}

/** Parses one module of src/: its imports, its exported names, and its body with the module syntax removed. */
function parse(module) {
  const file = join(src, `${module}.js`);
  const imports = [];
  const exported = [];
  const reexports = [];
  const body = readFileSync(file, 'utf8').split('\n').map((line, i) => {
    let m;
    if ((m = IMPORT.exec(line))) {
      imports.push({ from: m[2], names: names(m[1]) });
      return '';
    }
    if ((m = REEXPORT.exec(line))) {
      reexports.push({ from: m[2], names: names(m[1]) });
      return '';
    }
    if ((m = DECLARATION.exec(line))) {
      exported.push(m[2]);
      return line.replace(/^export\s+/, '');
    }
    if (/^\s*(import|export)\b/.test(line) || /\bimport\s*\(|\bimport\.meta\b/.test(line)) {
      throw new Error(`${module}.js:${i + 1}: module syntax the CommonJS build does not handle: ${line.trim()}`);
    }
    return line;
  });
  return { module, imports, exported, reexports, body };
}

/** The modules reachable from index.js, each after the modules it imports. */
function ordered(entry) {
  const done = new Map();
  const visiting = new Set();
  const visit = (module) => {
    if (done.has(module)) return;
    if (visiting.has(module)) throw new Error(`import cycle through ${module}.js`);
    visiting.add(module);
    const parsed = parse(module);
    for (const dep of [...parsed.imports, ...parsed.reexports]) visit(dep.from);
    visiting.delete(module);
    done.set(module, parsed);
  };
  visit(entry);
  return [...done.values()];
}

const scope = (module) => `module_${module.replace(/-/g, '_')}`;

const modules = ordered('index');
const out = [
  '// Generated from src/ by scripts/build-cjs.mjs (npm run build): the CommonJS entry of ferry-js. Do not edit.',
  "'use strict';",
  '',
];
for (const m of modules) {
  if (m.module === 'index') continue;
  out.push(`const ${scope(m.module)} = (function () {`);
  for (const imp of m.imports) {
    const bindings = imp.names.map((n) => (n.name === n.local ? n.name : `${n.name}: ${n.local}`)).join(', ');
    out.push(`const { ${bindings} } = ${scope(imp.from)};`);
  }
  out.push(...m.body);
  out.push(`return { ${m.exported.join(', ')} };`);
  out.push('})();', '');
}
const index = modules[modules.length - 1];
if (index.exported.length || index.imports.length) throw new Error('index.js may only re-export');
const byName = new Map(modules.map((m) => [m.module, m]));
for (const m of modules) {
  for (const dep of [...m.imports, ...m.reexports]) {
    for (const n of dep.names) {
      if (!byName.get(dep.from).exported.includes(n.name)) throw new Error(`${m.module}.js: ${dep.from}.js does not export ${n.name}`);
    }
  }
}
const entries = index.reexports.flatMap((r) => r.names.map((n) => `  ${n.local}: ${scope(r.from)}.${n.name},`));
out.push('module.exports = {', ...entries, '};', '');

mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'index.cjs'), out.join('\n'));
writeFileSync(join(dist, 'index.d.cts'), readFileSync(join(src, 'index.d.ts'), 'utf8'));
console.log(`dist/index.cjs: ${modules.length - 1} modules, ${entries.length} exports`);
