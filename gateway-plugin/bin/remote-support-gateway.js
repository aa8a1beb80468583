#!/usr/bin/env node
// The gateway; the compiled code lives in dist (built by `npm run build`).
require('../dist/src/main.js');
