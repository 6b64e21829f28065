// `node --import ./test/helpers/register.mjs file.ts` runs TypeScript sources as they are.
import { register } from 'node:module';
register('./ts-hooks.mjs', import.meta.url);
