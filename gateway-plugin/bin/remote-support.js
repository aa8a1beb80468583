#!/usr/bin/env node
// The admin CLI; the compiled code lives in dist (built by `npm run build`).
require('../dist/src/cli/remote-support.js');
