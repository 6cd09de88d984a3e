#!/usr/bin/env node
// The `os` command. A file of its own, not dist/main.js, so package managers can link it before the
// package is built (a workspace install links bins first).
import '../dist/main.js';
