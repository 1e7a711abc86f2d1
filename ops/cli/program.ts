/**
 * The operator CLI's commands. To add a command group: write ops/cli/<group>.ts exporting an
 * OpsCommandGroup (its commands' specs and run functions; client libraries imported inside run, so
 * that --help stays instant) and list it here.
 */
import type { Program } from './args.ts';
import { EXIT_CODES } from './args.ts';
import { CONFIG_HELP } from './config.ts';
import type { OpsContext } from './context.ts';
import { couponsGroup } from './coupons.ts';
import { dlqGroup } from './dlq.ts';
import { gateGroup } from './gate.ts';
import { grantGroup } from './grant.ts';
import { lagCommand } from './lag.ts';

export const program: Program<OpsContext> = {
  name: 'coupon-ops',
  description: 'Operator commands for coupon issuance (also: npm run ops -- <command>). Tables for people by default,\n--json for scripts; progress of long work goes to stderr.',
  entries: [couponsGroup, dlqGroup, gateGroup, grantGroup, lagCommand],
  epilogue: `${CONFIG_HELP}\n\n${EXIT_CODES}`,
};
