/**
 * `npm run build` step: write the standalone code of steward.yaml's and a policy's validators
 * next to validators.js (see validator-code.ts).
 */
import { writeFileSync } from 'node:fs';
import { builtValidatorPath } from './validators.js';
import { validatorSource, type ValidatorName } from './validator-code.js';

for (const name of ['config', 'policy'] as const satisfies readonly ValidatorName[]) {
  const path = builtValidatorPath(name);
  writeFileSync(path, validatorSource(name));
  process.stdout.write(`validator: ${path}\n`);
}
