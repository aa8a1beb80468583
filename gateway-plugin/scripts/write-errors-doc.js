// Rewrites the table of docs/errors.md from the error catalog (run after `npm run build`).
// The error-catalog test fails when the document and the catalog disagree.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { ERROR_CATALOG } = require('../dist/src/domain/errors.js');
const { ERROR_STATUS } = require('../dist/src/api/error-status.js');

const path = join(__dirname, '..', '..', 'docs', 'errors.md');
const text = readFileSync(path, 'utf8');
const head = text.slice(0, text.indexOf('| code |'));
const rows = Object.entries(ERROR_CATALOG).map(([code, e]) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${e.summary} |`);
writeFileSync(path, `${head}| code | HTTP status | meaning |\n|---|---|---|\n${rows.join('\n')}\n`);
