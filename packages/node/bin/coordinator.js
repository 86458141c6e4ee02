#!/usr/bin/env node
// The `coordinator` command: runs the compiled CLI in this process, so signals reach the node.
import '../dist/cli.js';
