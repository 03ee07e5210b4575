import { writeFileSync } from 'node:fs';
import { renderErrorsDocument } from '../src/domain/errors-doc.js';

writeFileSync('docs/errors.md', renderErrorsDocument());
process.stdout.write('wrote docs/errors.md\n');
