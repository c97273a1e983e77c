import { toJsonSchema } from '@valibot/to-json-schema';
import { ConfigSchema } from './domain/config.ts';

/** The JSON Schema of slipway.config.json, derived from the one valibot schema the code validates with, for editors. */
export function configJsonSchema(): object {
  return {
    ...toJsonSchema(ConfigSchema, { errorMode: 'ignore' }),
    $id: 'https://slipway.dev/schemas/slipway.config.json',
    title: 'Slipway configuration',
  };
}
