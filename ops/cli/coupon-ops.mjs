#!/usr/bin/env node
// `npm run ops` in a checkout: the TypeScript CLI through tsx's loader (a development dependency),
// resolved next to this file. Production runs the compiled CLI with node alone: the package's
// `coupon-ops` bin, `npm run start:ops`, i.e. `node dist/ops/cli/main.js` after `npm run build`.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
