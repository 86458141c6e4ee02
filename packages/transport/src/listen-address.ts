import { option } from '@coordinator/core';

/** Where a server listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The `host` and `port` options both servers declare. */
export const listenOptions = Object.freeze({
  host: option.string({ default: '127.0.0.1', description: 'where it listens' }),
  port: option.integer({
    min: 0,
    max: 65_535,
    default: 0,
    description: 'where it listens; 0 picks a free port (read it from listen())',
  }),
});
