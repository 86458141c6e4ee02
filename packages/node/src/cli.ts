#!/usr/bin/env node
import { Command } from '@commander-js/extra-typings';
import { runClientCommand } from './cli/client-commands.js';
import { drawCommand } from './cli/draw-command.js';
import { initCommand } from './cli/init-command.js';
import { replayCommand } from './cli/replay-command.js';
import { startCommand } from './cli/start-command.js';

const program = new Command()
  .name('coordinator')
  .description('A saga orchestrator: run a node, submit and inspect Commands.')
  .showHelpAfterError();

program.addCommand(startCommand());
program.addCommand(initCommand());
program.addCommand(drawCommand());
for (const command of runClientCommand()) program.addCommand(command);
program.addCommand(replayCommand());

await program.parseAsync();
