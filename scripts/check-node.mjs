// The project runs on Node.js 24 LTS (SPEC §1). npm scripts put node_modules/.bin first on PATH, where the
// `node` dev dependency provides it, so this only fails when someone runs the scripts with an older node.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `zastava needs Node.js >= 24, this is ${process.version}. Run "npm ci" first (it installs Node 24 locally).`,
  );
  process.exit(1);
}
