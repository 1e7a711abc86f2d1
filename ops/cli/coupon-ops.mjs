#!/usr/bin/env node
// The `coupon-ops` bin: runs the TypeScript CLI through tsx's loader, resolved next to this file.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
