import { readFileSync } from 'node:fs';
import { parseConfig, type SlipwayConfig } from './domain/config.ts';
import { InvalidConfigError } from './domain/errors.ts';

/** `readConfigFile('/repo/slipway.config.json')` → the validated config; InvalidConfigError naming the file and each problem. */
export function readConfigFile(path: string): SlipwayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseConfig(json);
  } catch (error) {
    if (error instanceof InvalidConfigError)
      throw new InvalidConfigError(error.message.replace('slipway.config.json', path), error.issues);
    throw error;
  }
}
