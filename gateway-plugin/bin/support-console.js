#!/usr/bin/env node
// The engineer's support console; the compiled code lives in dist (built by `npm run build`).
require('../dist/src/console/support-console.js');
