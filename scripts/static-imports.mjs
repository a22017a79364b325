// What makes the bundles of the commands that only read and of those that run a module
// (e-read.cjs, e-run.cjs: scripts/bundle-cli.mjs) one flat scope each. e's code imports its
// commands and much of core with `await import()`, so that a command loads only what it uses when
// e runs from dist/ (and e.cjs, with every command, runs only the modules a command needs). In a
// bundle, esbuild turns each such import into a module wrapped in a function that runs on first
// import, with an object of all its exports; that keeps every export of the modules imported so,
// used or not (the repository barrel with all of its checks, the state's writes), and costs each
// command the wrappers and export objects. e-read.cjs went from 279 to 201 KB with it and `e
// status` from 1.36 to 1.24 of `node -e 0` in CPU (40 interleaved runs); a module run took 290
// against 310 ms of CPU (15 interleaved runs). The commands of those bundles use most of what
// they import, so there the imports are made static: `const { a, b: c } = await import('./x.js')`
// becomes `const a = ns.a, c = ns.b` with `import * as ns from './x.js'` at the top, and any
// other `await import('./x.js')` becomes `ns`; esbuild then binds the names and leaves out what
// no command uses. Only imports of e's own modules (relative or @e/...); those of packages (pg,
// write-file-atomic) stay lazy, and so do Node's modules and packages that e's modules import
// at their top but most commands never use (bin/lazy-*).
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** An import of one of e's own modules. */
const OWN = /^(\.{1,2}\/|@e\/)/;

/**
 * The module's source with its dynamic imports of e's own modules made static, as above. Throws
 * when one is left that it cannot rewrite (`where` names the file): the bundle would keep it lazy.
 */
export function staticImports(source, where) {
  const namespaces = new Map();
  const namespace = (specifier) => {
    if (!namespaces.has(specifier)) namespaces.set(specifier, `__eStatic${namespaces.size}`);
    return namespaces.get(specifier);
  };
  const destructured = source.replace(
    /\b(const|let) \{([^}]*)\} = await import\('([^']+)'\);/g,
    (whole, kind, list, specifier) => {
      if (!OWN.test(specifier)) return whole;
      const ns = namespace(specifier);
      const bindings = list
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
        .map((item) => {
          const binding = /^([A-Za-z_$][\w$]*)(?:\s*:\s*([A-Za-z_$][\w$]*))?$/.exec(item);
          if (binding === null) throw new Error(`${where}: cannot make this import static: ${whole}`);
          return `${binding[2] ?? binding[1]} = ${ns}.${binding[1]}`;
        });
      return `${kind} ${bindings.join(', ')};`;
    },
  );
  const rewritten = destructured.replace(/\bawait import\('([^']+)'\)/g, (whole, specifier) =>
    OWN.test(specifier) ? namespace(specifier) : whole,
  );
  const left = /\bimport\(\s*(['"`])(\.{1,2}\/|@e\/)[^)]*\)/.exec(rewritten);
  if (left !== null) throw new Error(`${where}: cannot make this import static: ${left[0]}`);
  if (namespaces.size === 0) return source;
  // on the first line, so that the lines of the module (its stack traces) stay where they were
  const imports = [...namespaces].map(([specifier, ns]) => `import * as ${ns} from '${specifier}';`).join(' ');
  return `${imports} ${rewritten}`;
}

/** The esbuild plugin that applies staticImports to e's compiled modules (packages/cli|core/dist). */
export function staticImportsPlugin() {
  return {
    name: 'e-static-imports',
    setup(build) {
      build.onLoad({ filter: /[\\/]packages[\\/](cli|core)[\\/]dist[\\/].*\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import(')) return undefined;
        return { contents: staticImports(source, args.path), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
