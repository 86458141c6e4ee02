import { Option } from '@commander-js/extra-typings';
import { nodeOptions } from '../config/node-options.js';

type NodeOption = (typeof nodeOptions.options)[keyof typeof nodeOptions.options];

/** The node options that declare a flag, with commander's name for its value (`dataDir`). */
const flagged = Object.entries<NodeOption>(nodeOptions.options).flatMap(([name, option]) =>
  option.flag === undefined
    ? []
    : [
        {
          name,
          option,
          flag: option.flag,
          key: option.flag.replace(/-(\w)/g, (_, c) => c.toUpperCase()),
        },
      ],
);

/** `<ms>`, `<host:port>`, `<file>`...: what the flag's help shows it takes. */
function placeholder(name: string, option: NodeOption): string {
  if (option.kind === 'integer') return name.endsWith('Ms') ? 'ms' : 'n';
  if (option.kind === 'address') return 'host:port';
  if (option.kind === 'addressList') return 'host:port,...';
  if (option.kind === 'retention') return 'retention';
  if (option.kind === 'retentionMap') return 'service=retention,...';
  return (name.match(/[A-Z]?[a-z]+$/)?.[0] ?? name).toLowerCase();
}

/** The `coordinator start` flags, generated from the node options' declarations. */
export function nodeFlags(): Option[] {
  return flagged.map(({ name, option, flag }) => {
    const takes = option.kind === 'boolean' ? '' : ` <${placeholder(name, option)}>`;
    const cli = new Option(`--${flag}${takes}`, option.description);
    return option.choices ? cli.choices(option.choices) : cli;
  });
}

/** The node options set by the parsed flags, by option name; flags not given stay undefined. */
export function nodeFlagValues(parsed: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(flagged.map(({ name, key }) => [name, parsed[key]]));
}
