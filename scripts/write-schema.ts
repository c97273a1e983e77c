// `npm run schema`: regenerate slipway.schema.json (a test fails when it is out of date).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config-schema.ts';

writeFileSync(new URL('../slipway.schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
