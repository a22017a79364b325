// The smallest module: proves the pipeline. Each command reports the architecture it runs on
// (process.arch inside the container) and exits 0. Plain JavaScript, no dependencies.
const command = process.argv[2];
const arch = process.arch;
const module = process.env.E_MODULE ?? 'hello';

const commands = {
  metadata: () => {
    // must equal the repository entry's labels/requires/influences
    process.stdout.write('labels:\n  kind: example\n  name: Hello\n');
  },
  init: () => console.log(`hello from init on ${arch}`),
  plan: () => console.log(`hello from plan on ${arch}: no changes`),
  apply: () => console.log(`hello from apply on ${arch}`),
  audit: () => console.log(`hello from audit on ${arch}: clean`),
};

const run = commands[command];
if (!run) {
  console.error(`${module}: unknown command "${command ?? ''}"; expected one of ${Object.keys(commands).join(', ')}`);
  process.exit(1);
}
run();
console.error(`${module} ${command}: arch=${arch} platform=${process.env.E_PLATFORM ?? 'unknown'}`);
