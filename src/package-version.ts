// The version in package.json, read at run time: the file sits one level above src/ and dist/ in a checkout and in
// the installed package alike.
import { createRequire } from 'node:module';

export const packageVersion = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
