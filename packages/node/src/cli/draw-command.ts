import { writeFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import { CoordinatorError } from '@coordinator/core';
import { loadConfig } from '../config/load-config.js';
import { fail } from './fail.js';

/**
 * `coordinator draw <type>`: a Command type's machine from a config file, without starting a
 * node: SVG (the inspector's chart), Mermaid, or the XState machine definition as JSON (it opens
 * in Stately's tools).
 */
export function drawCommand() {
  return new Command('draw')
    .description("Draw a Command type's machine: svg, mermaid or json (the XState definition).")
    .argument('<type>', 'the Command type')
    .option('-c, --config <file>', 'config module', 'coordinator.config.ts')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['svg', 'mermaid', 'json'] as const)
        .default('svg' as const),
    )
    .option('-o, --out <file>', 'write here instead of stdout')
    .action(async (type, flags) => {
      try {
        const config = await loadConfig(flags.config);
        const commandType = config.commands.find((c) => c.type === type);
        if (!commandType) {
          const known = config.commands.map((c) => c.type).join(', ');
          throw new CoordinatorError(
            'UNKNOWN_COMMAND',
            `${flags.config} defines no Command type ${JSON.stringify(type)}; it defines: ${known}`,
          );
        }
        const { renderChart } = await import('@coordinator/inspector');
        const text = await renderChart(commandType.machine, flags.format);
        if (flags.out) await writeFile(flags.out, text);
        else process.stdout.write(text);
      } catch (error) {
        fail(error);
      }
    });
}
