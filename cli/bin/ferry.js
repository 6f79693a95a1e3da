#!/usr/bin/env node
// The `ferry` command's launcher: runs the built CLI (build first with `npm start` or `npm test`).
import '../dist/main.js'
