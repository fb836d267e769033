/**
 * The `kazoo-wazo-dev` bin as built (dist/kazoo-wazo-dev.cjs, devstack/wazo-dev/rollup.parts.mjs): plain
 * JavaScript, so it starts without compiling anything and without the typescript devDependency.
 */
import { main } from './cli';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
