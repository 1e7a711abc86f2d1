/** Where the operator CLI's entry is in a checkout (`npm run ops`): the bench, the chaos run and the tests run it as a child process, as an operator would. */
import { fileURLToPath } from 'node:url';

export const OPS_CLI = fileURLToPath(new URL('../cli/coupon-ops.mjs', import.meta.url));
